from django.core.management.base import BaseCommand

from callbacks.conf import callback_settings
from callbacks.services import callbacks_purge_personal_data


class Command(BaseCommand):
    help = "Erase personal data of callbacks that ended more than the retention period ago (cron-able)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=callback_settings.retention_days,
            help="Retention in days (default: CALLBACK_RETENTION_DAYS).",
        )

    def handle(self, *args, days, **options):
        count = callbacks_purge_personal_data(older_than_days=days)
        self.stdout.write(f"Purged personal data of {count} callback(s) older than {days} days.")
