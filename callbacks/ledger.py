"""The bookings the rules count (``rules.ledger.Ledger``), answered from the callbacks table."""

import datetime as dt
from collections.abc import Sequence

from django.db.models import Case, Count, Q, QuerySet, Value, When

from queues.hours import day_bounds
from queues.models import VirtualQueue
from queues.selectors import Slot
from rules.ledger import NumberCounts

from .models import OPEN_STATES, Callback, State
from .selectors import estimated_wait_seconds, queue_waiting_count

# A canceled or expired callback gives its place back; every other one used it.
FREED_STATES = (State.CANCELED, State.EXPIRED)


def _counted(queue: VirtualQueue, exclude: int | None = None) -> QuerySet[Callback]:
    callbacks = Callback.objects.filter(queue=queue).exclude(state__in=FREED_STATES)
    return callbacks.exclude(pk=exclude) if exclude else callbacks


def _asked_now(callbacks: QuerySet[Callback], start: dt.datetime, end: dt.datetime) -> QuerySet[Callback]:
    """Callbacks asked for "as soon as possible" (no desired time) in [start, end): they count on the day asked."""
    return callbacks.filter(desired_time__isnull=True, created_at__gte=start, created_at__lt=end)


class CallbackLedger:
    def booked_in_slot(self, queue: VirtualQueue, slot: Slot, *, exclude: int | None = None) -> int:
        return _counted(queue, exclude).filter(desired_time__gte=slot.start, desired_time__lt=slot.end).count()

    def booked_on_day(self, queue: VirtualQueue, day: dt.date, *, exclude: int | None = None) -> int:
        start, end = day_bounds(queue, day)
        counted = _counted(queue, exclude)
        # Two ranges of callback_booked in one statement: an OR of the two ranges is read as the queue's
        # whole index, which grows with every callback the queue has ever finished.
        scheduled = counted.filter(desired_time__gte=start, desired_time__lt=end).values_list("pk").order_by()
        asked_now = _asked_now(counted, start, end).values_list("pk").order_by()
        return scheduled.union(asked_now, all=True).count()

    def booked_times(self, queue: VirtualQueue, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
        # COUNT(*), not of a column: the read stays inside the callback_booked index (an index-only scan).
        times = (
            _counted(queue)
            .filter(desired_time__gte=start, desired_time__lt=end)
            .values_list("desired_time")
            .annotate(booked=Count("*"))
            .order_by("desired_time")  # and no more: the model's ordering would join the GROUP BY
        )
        return list(times)

    def asked_now_per_day(self, queue: VirtualQueue, days: Sequence[dt.date]) -> dict[dt.date, int]:
        if not days:
            return {}
        # Within the same day bounds booked_on_day counts, so a create and the availability agree on
        # every day, the 23- and 25-hour ones too.
        bounds = [day_bounds(queue, day) for day in days]
        day = Case(
            *(When(created_at__gte=start, created_at__lt=end, then=Value(i)) for i, (start, end) in enumerate(bounds))
        )
        rows = (
            _asked_now(_counted(queue), bounds[0][0], bounds[-1][1])
            .values_list(day)
            .annotate(booked=Count("*"))
            .order_by()
        )
        return {days[i]: booked for i, booked in rows if i is not None}

    def number_counts(
        self, queue: VirtualQueue, e164: str, *, now: dt.datetime, exclude: int | None = None
    ) -> NumberCounts:
        start, _ = day_bounds(queue, now.astimezone(queue.time_zone).date())
        callbacks = Callback.objects.filter(phone_number=e164)  # a number's rows: few, on callback_phone
        open_ones = Q(state__in=OPEN_STATES)
        counts = (callbacks.exclude(pk=exclude) if exclude else callbacks).aggregate(
            open_here=Count("pk", filter=open_ones & Q(queue=queue)),
            open_anywhere=Count("pk", filter=open_ones),
            asked_today=Count("pk", filter=Q(queue=queue, created_at__gte=start)),
        )
        return NumberCounts(**counts)

    def waiting(self, queue: VirtualQueue) -> int:
        return queue_waiting_count(queue)

    def estimated_wait(self, queue: VirtualQueue, *, position: int, now: dt.datetime) -> int | None:
        return estimated_wait_seconds(queue, position=position, now=now)
