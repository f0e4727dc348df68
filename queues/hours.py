"""Office hours: when a queue is open, in its own time zone.

Ranges are local wall-clock times on a weekday; they are turned into aware
datetimes for one local date at a time, so DST changes fall out of zoneinfo.
A queue with no office hours at all is open around the clock.

A queue's hours and closed dates are read once and kept in the cache until
they change (``queue_calendar``): every booking and every slot asks for them.
"""

import datetime as dt
from dataclasses import dataclass

from callbackproject.base.cache import cached, forget

from .models import ClosedDate, OfficeHours, VirtualQueue


@dataclass(frozen=True)
class Calendar:
    hours: tuple[OfficeHours, ...]
    closed: frozenset[dt.date]


def _calendar_key(queue_id: int) -> str:
    return f"queues:calendar:{queue_id}"


def queue_calendar(queue: VirtualQueue) -> Calendar:
    def read() -> Calendar:
        return Calendar(
            tuple(OfficeHours.objects.filter(queue_id=queue.pk)),
            frozenset(ClosedDate.objects.filter(queue_id=queue.pk).values_list("date", flat=True)),
        )

    return cached(_calendar_key(queue.pk), read)


def calendar_changed(*, queue_id: int) -> None:
    forget(_calendar_key(queue_id))


def day_bounds(queue: VirtualQueue, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A local date of the queue, midnight to midnight, in UTC: 23 or 25 hours long on a DST change."""
    tz = queue.time_zone
    return _utc(
        dt.datetime.combine(day, dt.time(0), tzinfo=tz),
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz),
    )


def open_ranges(queue: VirtualQueue, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The queue's open periods on a local date, in UTC, in order.

    UTC because aware datetimes sharing one zone subtract and compare by wall
    clock, which is an hour off across a DST change.
    """
    tz = queue.time_zone
    calendar = queue_calendar(queue)
    if day in calendar.closed:
        return []
    hours = calendar.hours
    if not hours:
        return [day_bounds(queue, day)]
    ranges = []
    for h in hours:
        if h.weekday != day.weekday():
            continue
        start = dt.datetime.combine(day, h.opens, tzinfo=tz)
        end_day = day + dt.timedelta(days=1) if h.closes_at_midnight else day
        ranges.append(_utc(start, dt.datetime.combine(end_day, h.closes, tzinfo=tz)))
    return sorted(ranges)


def _utc(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def current_range(queue: VirtualQueue, at: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The open period containing ``at``, or None when the queue is closed then."""
    at = at.astimezone(dt.UTC)
    local_day = at.astimezone(queue.time_zone).date()
    for start, end in open_ranges(queue, local_day):
        if start <= at < end:
            return start, end
    return None


def is_open(queue: VirtualQueue, at: dt.datetime) -> bool:
    return current_range(queue, at) is not None
