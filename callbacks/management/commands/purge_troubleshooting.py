from django.core.management.base import BaseCommand

from callbacks.conf import callback_settings
from callbacks.services import troubleshooting_records_purge


class Command(BaseCommand):
    help = "Delete rule rejections and API problems older than the retention period (cron-able)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=callback_settings.troubleshooting_retention_days,
            help="Retention in days (default: TROUBLESHOOTING_RETENTION_DAYS).",
        )

    def handle(self, *args, days, **options):
        count = troubleshooting_records_purge(older_than_days=days)
        self.stdout.write(f"Deleted {count} troubleshooting record(s) older than {days} days.")
