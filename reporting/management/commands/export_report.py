from django.core.management.base import BaseCommand, CommandError

from queues.models import VirtualQueue
from reporting.export import TABLES, report_table, table_csv
from reporting.pages.forms import HistoryForm


class Command(BaseCommand):
    help = (
        "Write a table of the historical report as CSV, the same as the report page's download: "
        "local days of the queue (or every queue), by day or by hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from", required=True, help="The first local day, YYYY-MM-DD.")
        parser.add_argument("--to", required=True, help="The last local day, YYYY-MM-DD.")
        parser.add_argument("--queue", default="", help="The queue's slug (default: every queue).")
        parser.add_argument("--by", default="day", help="day (default) or hour.")
        parser.add_argument("--table", default="periods", help=f"One of {', '.join(TABLES)} (default: periods).")
        parser.add_argument("--output", help="The file to write (default: standard output).")

    def handle(self, *args, output, **options):
        # The page's form, so a bad query reads the same here as there.
        query = {name: options[name] for name in ("from", "to", "queue", "by", "table")}
        form = HistoryForm(query, queues=list(VirtualQueue.objects.order_by("name")))
        if not form.is_valid():
            raise CommandError(" ".join(f"--{name}: {' '.join(messages)}" for name, messages in form.errors.items()))
        table = report_table(form.report(), form.cleaned_data["table"])
        if output is None:
            table_csv(table, self.stdout)
            return
        with open(output, "w", encoding="utf-8", newline="") as out:
            table_csv(table, out)
