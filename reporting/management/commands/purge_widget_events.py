from django.core.management.base import BaseCommand

from reporting.conf import reporting_settings
from reporting.services import widget_events_purge


class Command(BaseCommand):
    help = "Delete the widget's lifecycle events older than the retention period (cron-able)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=reporting_settings.widget_event_retention_days,
            help="Retention in days (default: WIDGET_EVENT_RETENTION_DAYS).",
        )

    def handle(self, *args, days, **options):
        count = widget_events_purge(older_than_days=days)
        self.stdout.write(f"Deleted {count} widget event(s) older than {days} days.")
