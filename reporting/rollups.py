"""Roll-ups: each queue's finished local days (and their hours) written once into ``Rollup`` rows.

A 90-day report then reads a few hundred rows instead of the events. Rolling a
day again replaces its rows with the same figures, so every service here may
run twice, or twice at once; a day that got an event after it was rolled (a
move whose time was read before midnight and written after the roll, a clock a
little behind) is rolled again by the next run, within ``LATE_WINDOW``.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from callbacks.models import Callback, CallbackEvent, RejectionRecord
from queues.hours import day_bounds
from queues.models import VirtualQueue

from .figures import Figures, figures_by_period
from .models import Rollup, WidgetEvent

HOUR = dt.timedelta(hours=1)
# A day is rolled this long after its local midnight: a move whose time was read before midnight has been
# written (and committed) by then, so the first roll rarely misses one; a later one re-rolls it anyway.
GRACE = dt.timedelta(minutes=10)
# How far back a late event is looked for. An event's time is read when the request that writes it starts, so
# it is late by as long as that request took (a lock wait, a clock a little behind): minutes, never days. The
# window bounds what each run reads; an older day is rolled again with ``manage.py rollup --day``.
LATE_WINDOW = dt.timedelta(days=2)


def local_hours(queue: VirtualQueue, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The local hours of a queue's day, in UTC: 23 or 25 of them on a DST change."""
    start, end = day_bounds(queue, day)
    hours = []
    while start < end:
        hours.append((start, min(start + HOUR, end)))
        start += HOUR
    return hours


def days_figures(queue: VirtualQueue, days: list[dt.date]) -> list[tuple[Figures, list[Figures]]]:
    """The figures of consecutive local days of a queue, each as its total and its hours', from one read.

    A day's figures are the sum of its hours': a roll-up and a live computation add the same facts.
    """
    hours_of = [local_hours(queue, day) for day in days]
    flat = iter(figures_by_period(queue, [hour for hours in hours_of for hour in hours]))
    each = [[next(flat) for _ in hours] for hours in hours_of]
    return [(Figures.total(hours), hours) for hours in each]


def is_finished(queue: VirtualQueue, day: dt.date, now: dt.datetime) -> bool:
    return day_bounds(queue, day)[1] + GRACE <= now


@transaction.atomic
def rollup_write_day(*, queue: VirtualQueue, day: dt.date, now: dt.datetime | None = None) -> Rollup:
    """Roll one finished local day of the queue: its "day" row and one "hour" row per local hour; returns the day's.

    Raises ValueError for a day not finished (plus the grace): today is computed live.
    """
    now = now or timezone.now()
    if not is_finished(queue, day, now):
        raise ValueError(f"{day} is not over in {queue.time_zone} yet: it is computed live.")
    start, end = day_bounds(queue, day)
    # The last event of the day read *before* the figures: an event committed between the two statements is
    # counted and also seen as late by the next run, which rolls the day again to the same figures. Read after,
    # it could be neither counted nor ever seen as late.
    last_event_id = (
        CallbackEvent.objects.filter(callback__queue=queue, created_at__gte=start, created_at__lt=end).aggregate(
            last=Max("id")
        )["last"]
        or 0
    )
    [(total, hours)] = days_figures(queue, [day])
    rows = [Rollup(grain=Rollup.Grain.DAY, period_start=start, period_end=end, figures=total.to_json())]
    rows += [
        Rollup(grain=Rollup.Grain.HOUR, period_start=hour_start, period_end=hour_end, figures=figures.to_json())
        for (hour_start, hour_end), figures in zip(local_hours(queue, day), hours, strict=True)
    ]
    for row in rows:
        row.queue, row.local_date, row.last_event_id, row.computed_at = queue, day, last_event_id, now
    # The queue's zone may have changed since the day was last rolled: its old periods go.
    Rollup.objects.filter(queue=queue, local_date=day).exclude(period_start__in=[r.period_start for r in rows]).delete()
    # INSERT … ON CONFLICT (rollup_one_per_period) DO UPDATE: two workers rolling the same day at once both write
    # the same rows rather than adding a second set (the later insert waits on the first's unique index entry,
    # then updates it). Each wrote figures no older than its last_event_id, so whichever commits last, a later
    # event is still seen as late and re-rolled.
    Rollup.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["queue", "grain", "period_start"],
        update_fields=["local_date", "period_end", "figures", "last_event_id", "computed_at"],
    )
    return Rollup.objects.get(queue=queue, grain=Rollup.Grain.DAY, period_start=start)


def _first_day(queue: VirtualQueue) -> dt.date | None:
    """The local date of the queue's first recorded activity (a callback, a refusal, a widget event), if any."""
    firsts = [
        # A callback's first event is its creation, at its created_at: the smaller table gives the same instant.
        Callback.objects.filter(queue=queue).aggregate(first=Min("created_at"))["first"],
        RejectionRecord.objects.filter(queue=queue).aggregate(first=Min("created_at"))["first"],
        WidgetEvent.objects.filter(widget__queue=queue).aggregate(first=Min("occurred_at"))["first"],
    ]
    known = [first for first in firsts if first is not None]
    return min(known).astimezone(queue.time_zone).date() if known else None


def days_due(queue: VirtualQueue, now: dt.datetime) -> list[dt.date]:
    """The queue's finished days not rolled yet, from its first activity, and the rolled ones that got a late event."""
    first = _first_day(queue)
    if first is None:
        return []
    day_rows = Rollup.objects.filter(queue=queue, grain=Rollup.Grain.DAY)
    rolled = set(day_rows.values_list("local_date", flat=True))
    today = now.astimezone(queue.time_zone).date()
    days = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
    missing = [day for day in days if day not in rolled and is_finished(queue, day, now)]
    return sorted(missing + late_days(queue, now))


def late_days(queue: VirtualQueue, now: dt.datetime) -> list[dt.date]:
    """Days rolled that ended within ``LATE_WINDOW`` and got an event after their roll-up: a callback event of
    a later id, or a widget event received after the day was computed, whose time falls in the day."""
    late_event = CallbackEvent.objects.filter(
        callback__queue=queue,
        created_at__gte=OuterRef("period_start"),
        created_at__lt=OuterRef("period_end"),
        id__gt=OuterRef("last_event_id"),
    )
    late_widget_event = WidgetEvent.objects.filter(
        widget__queue=queue,
        occurred_at__gte=OuterRef("period_start"),
        occurred_at__lt=OuterRef("period_end"),
        received_at__gt=OuterRef("computed_at"),
    )
    rows = Rollup.objects.filter(queue=queue, grain=Rollup.Grain.DAY, period_end__gt=now - LATE_WINDOW).filter(
        Q(Exists(late_event)) | Q(Exists(late_widget_event))
    )
    return list(rows.values_list("local_date", flat=True))


def rollups_write_due(*, now: dt.datetime | None = None, queues=None) -> list[tuple[VirtualQueue, dt.date]]:
    """Roll every queue's finished days not rolled yet, and re-roll those that got a late event; returns them.

    Each day in its own transaction, so a long catch-up keeps what it did if stopped.
    """
    now = now or timezone.now()
    rolled = []
    for queue in queues if queues is not None else VirtualQueue.objects.all():
        for day in days_due(queue, now):
            rollup_write_day(queue=queue, day=day, now=now)
            rolled.append((queue, day))
    return rolled
