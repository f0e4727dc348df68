"""What the rules count, named here and answered by the app that holds the bookings.

The rules judge a request against what is already booked, and the bookings are
callbacks, an app above this one that asks the rules before every booking:
importing it would make a cycle. So the rules say which counts they need
(``Ledger``) and the callbacks app hands its answers in once, when it starts
(``ledger_use`` in ``callbacks.apps``), the way a contrib app takes a backend.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from queues.models import VirtualQueue
from queues.selectors import Slot


@dataclass(frozen=True)
class NumberCounts:
    open_here: int  # open callbacks in the queue
    open_anywhere: int  # open callbacks in every queue
    asked_today: int  # callbacks asked of the queue since its midnight, whatever became of them


class Ledger(Protocol):
    """Bookings as the rules count them. ``exclude`` is the callback being moved: it does not count against itself."""

    def booked_in_slot(self, queue: VirtualQueue, slot: Slot, *, exclude: int | None = None) -> int: ...

    def booked_on_day(self, queue: VirtualQueue, day: dt.date, *, exclude: int | None = None) -> int: ...

    def booked_times(self, queue: VirtualQueue, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
        """The desired times of the bookings in [start, end), earliest first, each with the bookings at it.

        One grouped read: about a row a slot (bookings sit on the slot starts offered), not one a booking.
        """

    def asked_now_per_day(self, queue: VirtualQueue, days: Sequence[dt.date]) -> dict[dt.date, int]:
        """Bookings without a desired time ("as soon as possible") asked for on each of the local ``days``."""

    def number_counts(
        self, queue: VirtualQueue, e164: str, *, now: dt.datetime, exclude: int | None = None
    ) -> "NumberCounts":
        """What the number has booked, in one read: a booking asks every limit on the number at once."""

    def waiting(self, queue: VirtualQueue) -> int: ...

    def estimated_wait(self, queue: VirtualQueue, *, position: int, now: dt.datetime) -> int | None: ...


_ledger: Ledger | None = None


def ledger_use(ledger: Ledger) -> None:
    global _ledger
    _ledger = ledger


def ledger() -> Ledger:
    if _ledger is None:
        raise ImproperlyConfigured(
            "The rules count bookings through a ledger, and no app has given one: is 'callbacks' in INSTALLED_APPS?"
        )
    return _ledger
