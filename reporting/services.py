"""Writes of the reporting app: the widget's events as they come, its records kept within their retention, and
the panels each user pins to their live dashboard."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callbacks.models import Widget

from .access import report_queues
from .conf import reporting_settings
from .live import PANEL_ITEMS
from .models import Dashboard, WidgetEvent


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


@transaction.atomic
def dashboard_update(*, user, panels: list[dict] | None) -> list[dict] | None:
    """Pin the user's live panels, each ``{"queue": slug or None for the total, "figures": [names]}``, in order.

    None unpins everything: the dashboard shows every queue with every figure
    again. A queue outside the user's lines of business is as unknown as a
    made-up one. Returns what was saved, the figures in the dashboard's order.
    """
    if panels is None:
        Dashboard.objects.filter(user=user).delete()
        return None
    slugs = set(report_queues(user).values_list("slug", flat=True))
    problems, seen, saved = [], set(), []
    if not panels:
        problems.append("Pin at least one panel, or unpin them all to see everything.")
    for number, panel in enumerate(panels, start=1):
        queue, figures = panel["queue"], panel["figures"]
        if queue is not None and queue not in slugs:
            problems.append(f"Panel {number}: unknown queue “{queue}”.")
        if queue in seen:
            problems.append(f"Panel {number}: {'the total' if queue is None else f'“{queue}”'} is pinned already.")
        seen.add(queue)
        problems += [f"Panel {number}: unknown figure “{name}”." for name in figures if name not in PANEL_ITEMS]
        if not figures:
            problems.append(f"Panel {number}: choose at least one figure.")
        saved.append({"queue": queue, "figures": [name for name in PANEL_ITEMS if name in figures]})
    if problems:
        raise ValidationError({"panels": problems})
    # One row per user (unique): two saves at once, from two tabs, leave the later one.
    Dashboard.objects.update_or_create(user=user, defaults={"panels": saved})
    return saved
