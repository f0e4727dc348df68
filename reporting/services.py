"""Writes of the reporting app: the widget's events as they come, and its records kept within their retention."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from callbacks.models import Widget

from .conf import reporting_settings
from .models import WidgetEvent


@transaction.atomic
def widget_events_purge(*, older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete widget events received longer ago than the retention (``WIDGET_EVENT_RETENTION_DAYS``)."""
    now = now or timezone.now()
    days = reporting_settings.widget_event_retention_days if older_than_days is None else older_than_days
    deleted, _ = WidgetEvent.objects.filter(received_at__lt=now - dt.timedelta(days=days)).delete()
    return deleted


# A browser's clock may run ahead; an event is never taken as later than this past our own.
CLOCK_SLACK = dt.timedelta(minutes=5)


def widget_events_record(*, widget: Widget, session: str, events: list[dict]) -> int:
    """Store one batch of checked events (name, occurred_at, metadata) of a widget's page view; returns how many."""
    latest = timezone.now() + CLOCK_SLACK
    rows = [
        WidgetEvent(
            widget=widget,
            session=session,
            name=event["name"],
            occurred_at=min(event["occurred_at"], latest),
            metadata=event.get("metadata", {}),
        )
        for event in events
    ]
    WidgetEvent.objects.bulk_create(rows)
    return len(rows)
