from django.db import models
from django.utils import timezone


class ReportAccess(models.Model):  # noqa: DJ008 - no rows: it only holds permissions
    """Holds the reporting permissions; reports are computed from callback events."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view real-time and historical reports")]


class WidgetEvent(models.Model):
    """A step of the widget's interaction lifecycle, for the funnel report; purged after its retention."""

    widget = models.ForeignKey(
        "callbacks.Widget", on_delete=models.CASCADE, related_name="events", verbose_name="widget"
    )
    session = models.CharField("widget session", max_length=64, help_text="Random id of one page view.")
    name = models.CharField("event", max_length=40)
    occurred_at = models.DateTimeField("occurred")
    received_at = models.DateTimeField("received", default=timezone.now)
    metadata = models.JSONField("metadata", default=dict, blank=True)

    class Meta:
        # Moved from callbacks with its table (reporting 0002): the rows stay where they were.
        db_table = "callbacks_widgetevent"
        ordering = ["occurred_at"]
        verbose_name = "widget event"
        indexes = [
            models.Index(fields=["widget", "occurred_at"], name="widgetevent_widget_time"),
            # The purge goes by our clock, not the browser's.
            models.Index(fields=["received_at"], name="widgetevent_received"),
        ]

    def __str__(self):
        return self.name
