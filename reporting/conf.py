"""The reporting app's settings, each with its default: the app reads them here and nowhere else.

settings.py sets one only when its environment variable is set (README "Configuration"); read at each use, so
a test's ``settings`` fixture or ``override_settings`` reaches them.
"""

from django.conf import settings


class ReportingSettings:
    @property
    def widget_event_retention_days(self) -> int:
        """The widget's lifecycle events (the funnel report) are deleted after this many days."""
        return getattr(settings, "WIDGET_EVENT_RETENTION_DAYS", 90)


reporting_settings = ReportingSettings()
