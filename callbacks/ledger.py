"""The bookings the rules count (``rules.ledger.Ledger``), answered from the callbacks table."""

import datetime as dt

from django.db.models import Q, QuerySet

from queues.hours import day_bounds
from queues.models import VirtualQueue
from queues.selectors import Slot

from .models import OPEN_STATES, Callback, State
from .selectors import estimated_wait_seconds, queue_waiting_count

# A canceled or expired callback gives its place back; every other one used it.
FREED_STATES = (State.CANCELED, State.EXPIRED)


def _counted(queue: VirtualQueue, exclude: int | None = None) -> QuerySet[Callback]:
    callbacks = Callback.objects.filter(queue=queue).exclude(state__in=FREED_STATES)
    return callbacks.exclude(pk=exclude) if exclude else callbacks


def _of_days(start: dt.datetime, end: dt.datetime) -> Q:
    """Callbacks of a day: scheduled for it, or asked for immediately during it."""
    return Q(desired_time__gte=start, desired_time__lt=end) | Q(
        desired_time__isnull=True, created_at__gte=start, created_at__lt=end
    )


class CallbackLedger:
    def booked_in_slot(self, queue: VirtualQueue, slot: Slot, *, exclude: int | None = None) -> int:
        return _counted(queue, exclude).filter(desired_time__gte=slot.start, desired_time__lt=slot.end).count()

    def booked_on_day(self, queue: VirtualQueue, day: dt.date, *, exclude: int | None = None) -> int:
        return _counted(queue, exclude).filter(_of_days(*day_bounds(queue, day))).count()

    def booked_times(self, queue: VirtualQueue, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        times = (
            _counted(queue).filter(desired_time__gte=start, desired_time__lt=end).values_list("desired_time", flat=True)
        )
        # The range leaves no null; checking again only tells the type checker.
        return [time for time in times if time]

    def booking_days(self, queue: VirtualQueue, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        return [
            desired or created
            for desired, created in _counted(queue)
            .filter(_of_days(start, end))
            .values_list("desired_time", "created_at")
        ]

    def open_of_number(self, e164: str, *, exclude: int | None = None) -> int:
        """Open callbacks of one number in every queue."""
        callbacks = Callback.objects.filter(phone_number=e164, state__in=OPEN_STATES)
        return (callbacks.exclude(pk=exclude) if exclude else callbacks).count()

    def requests_of_number_today(self, queue: VirtualQueue, e164: str, *, now: dt.datetime) -> int:
        """Callbacks the number asked this queue for since the queue's midnight, whatever became of them."""
        start, _ = day_bounds(queue, now.astimezone(queue.time_zone).date())
        return Callback.objects.filter(queue=queue, phone_number=e164, created_at__gte=start).count()

    def waiting(self, queue: VirtualQueue) -> int:
        return queue_waiting_count(queue)

    def estimated_wait(self, queue: VirtualQueue, *, position: int, now: dt.datetime) -> int | None:
        return estimated_wait_seconds(queue, position=position, now=now)
