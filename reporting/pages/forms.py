"""The historical report's query (GET): from, to, queue, by, and for a download which table."""

import datetime as dt

from django import forms
from django.utils import timezone

from queues.models import VirtualQueue
from reporting.export import TABLES
from reporting.history import Report, report_build, report_period_errors

ALL = ""
# report_period_errors names the period's fields as the report does; the form as the address does.
FIELD_OF = {"start": "from", "end": "to", "by": "by"}


class HistoryForm(forms.Form):
    """Always bound: what the address leaves out takes its default (the last 7 finished days, by day, all queues).

    ``queues`` are the user's (``reporting.access.report_queues``): a queue outside their lines of business
    is no choice at all, so it is refused like a made-up one.
    """

    queue = forms.ChoiceField(required=False, label="Queue")
    # Checked with the period by report_period_errors, so the page and the command say the same.
    by = forms.CharField(widget=forms.Select(choices=[("day", "Day"), ("hour", "Hour")]), label="By")
    table = forms.ChoiceField(choices=[(name, title) for name, (title, _) in TABLES.items()], label="Table")

    def __init__(self, query, *, queues: list[VirtualQueue], now: dt.datetime | None = None):
        self.queues = {queue.slug: queue for queue in queues}
        chosen = self.queues.get(query.get("queue") or ALL)
        first, last = self.default_days([chosen] if chosen else queues, now or timezone.now())
        defaults = {"from": first.isoformat(), "to": last.isoformat(), "queue": ALL, "by": "day", "table": "periods"}
        super().__init__({name: query.get(name) or value for name, value in defaults.items()})
        # "from" is a Python keyword, so these two are added by name.
        self.fields["from"] = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
        self.order_fields(["from", "to", "queue", "by", "table"])
        queue = self.fields["queue"]
        assert isinstance(queue, forms.ChoiceField)  # declared above
        queue.choices = [(ALL, "All my queues")] + [(queue.slug, queue.name) for queue in queues]

    @staticmethod
    def default_days(queues: list[VirtualQueue], now: dt.datetime) -> tuple[dt.date, dt.date]:
        """The last 7 finished days in the (first) queue's zone: yesterday and the six before it."""
        zone = queues[0].time_zone if queues else dt.UTC
        yesterday = now.astimezone(zone).date() - dt.timedelta(days=1)
        return yesterday - dt.timedelta(days=6), yesterday

    def clean(self):
        data = super().clean()
        for key, message in report_period_errors(data.get("from"), data.get("to"), data.get("by")).items():
            field = FIELD_OF[key]
            # A date that did not parse already says so; the period's own message would only repeat it.
            if field not in self.errors:
                self.add_error(field, message)
        return data

    def report(self) -> Report:
        """The report the valid query asks for: the queue chosen, or all the user's."""
        data = self.cleaned_data
        queues = [self.queues[data["queue"]]] if data["queue"] else list(self.queues.values())
        return report_build(queues=queues, start=data["from"], end=data["to"], by=data["by"])
