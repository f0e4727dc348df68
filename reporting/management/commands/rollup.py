import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from queues.models import VirtualQueue
from reporting.rollups import rollup_write_day, rollups_write_due


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Roll finished local days into report rows. By default every finished day not rolled yet, and the days "
        "that got a late event; --day rolls (or re-rolls) that day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", type=_date, help="The local day to roll, YYYY-MM-DD (in each queue's zone).")
        parser.add_argument("--queue", help="The queue's slug (default: every queue).")

    def handle(self, *args, day, queue, **options):
        queues = VirtualQueue.objects.all()
        if queue is not None:
            queues = queues.filter(slug=queue)
            if not queues.exists():
                raise CommandError(f"No queue “{queue}”.")
        if day is None:
            rolled = rollups_write_due(queues=queues)
        else:
            rolled = []
            for each in queues:
                try:
                    rollup_write_day(queue=each, day=day)
                except ValueError as error:
                    raise CommandError(str(error)) from None
                rolled.append((each, day))
        for each, rolled_day in rolled:
            self.stdout.write(f"Rolled {each.slug} {rolled_day}.")
        self.stdout.write(f"{len(rolled)} day(s) rolled.")
