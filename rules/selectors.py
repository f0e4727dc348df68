"""Reads for the rules: what a slot holds, when a queue closes, whether an immediate callback is offered now."""

import datetime as dt
from dataclasses import dataclass

from queues.hours import current_range, day_bounds, open_ranges
from queues.models import VirtualQueue
from queues.selectors import Slot

from .ledger import ledger
from .models import QueueRules, RejectionCode

UTC = dt.UTC


def queue_rules(queue: VirtualQueue) -> QueueRules:
    return QueueRules.for_queue(queue)


def closes_at(queue: VirtualQueue, at: dt.datetime, *, until: dt.datetime) -> dt.datetime | None:
    """When the open period holding ``at`` ends, if before ``until`` (else ``until``); None when closed at ``at``.

    A queue open around the clock has one range a local day; the range of the
    next day starting right at midnight continues it, so it does not "close"
    then. Followed only up to ``until``: the cut-off needs no more.
    """
    period = current_range(queue, at)
    if period is None:
        return None
    end = period[1]
    while end < until:
        following = [r for r in open_ranges(queue, end.astimezone(queue.time_zone).date()) if r[0] == end]
        if not following:
            return end
        end = following[0][1]
    return until


def slot_at(queue: VirtualQueue, at: dt.datetime) -> Slot | None:
    """The slot of the queue's grid (from each opening time, every slot length) holding ``at``."""
    period = current_range(queue, at)
    if period is None:
        return None
    step = dt.timedelta(minutes=queue.slot_minutes)
    start = period[0] + ((at.astimezone(UTC) - period[0]) // step) * step
    return Slot(start, start + step)


def slot_total(rules: QueueRules, local_start: dt.datetime) -> int | None:
    """Callbacks a slot starting at ``local_start`` (queue-local) takes; None: no limit.

    A weekday's override wins over an every-day one; overlapping overrides of
    one kind give the smallest capacity.
    """
    overrides = list(rules.capacity_overrides.all()) if rules.pk else []
    for weekday_specific in (True, False):
        matching = [
            o.slot_capacity for o in overrides if (o.weekday is not None) == weekday_specific and o.covers(local_start)
        ]
        if matching:
            return min(matching)
    return rules.slot_capacity


@dataclass(frozen=True)
class SlotCapacity:
    slot: Slot
    remaining: int | None  # what one more booking may still take: min(slot, day); None: no limit
    total: int | None  # the slot's capacity; None: no limit


def slots_with_capacity(queue: VirtualQueue, slots: list[Slot]) -> list[SlotCapacity]:
    """The slots still bookable, with what is left of each; full slots (and slots of full days) are left out.

    Two queries whatever the number of slots: the booked times of the range,
    and the day counts when the queue has a daily limit.
    """
    if not slots:
        return []
    rules = queue_rules(queue)
    tz = queue.time_zone
    first, last = slots[0].start, slots[-1].end
    booked_times = ledger().booked_times(queue, first, last)
    day_left: dict[dt.date, int] = {}
    if rules.daily_capacity is not None:
        days = sorted({s.start.astimezone(tz).date() for s in slots})
        start, end = day_bounds(queue, days[0])[0], day_bounds(queue, days[-1])[1]
        per_day: dict[dt.date, int] = {}
        for placed in ledger().booking_days(queue, start, end):
            day = placed.astimezone(tz).date()
            per_day[day] = per_day.get(day, 0) + 1
        day_left = {day: max(0, rules.daily_capacity - per_day.get(day, 0)) for day in days}
    result = []
    for slot in slots:
        local = slot.start.astimezone(tz)
        total = slot_total(rules, local)
        left = None if total is None else max(0, total - sum(slot.start <= t < slot.end for t in booked_times))
        if rules.daily_capacity is not None:
            left = day_left[local.date()] if left is None else min(left, day_left[local.date()])
        if left != 0:
            result.append(SlotCapacity(slot, left, total))
    return result


@dataclass(frozen=True)
class ImmediateOffer:
    available: bool
    code: str | None = None
    detail: str | None = None
    next_window_opens_at: str | None = None
    next_window_opens_local: str | None = None
    books_at_opening: bool = False  # outside the window, a request now is booked for its opening

    def as_dict(self) -> dict:
        return {
            "available": self.available,
            "code": self.code,
            "detail": self.detail,
            "next_window_opens_at": self.next_window_opens_at,
            "next_window_opens_local": self.next_window_opens_local,
            "books_at_opening": self.books_at_opening,
        }


def immediate_offer(queue: VirtualQueue, *, now: dt.datetime, reach=None) -> ImmediateOffer:
    """Whether a customer asking now may have an immediate callback, and if not the code and message why.

    The same rule objects as a real request, minus those that judge the number;
    ``reach`` (``queues.calling``) is the customer's zones and policies, when known.
    """
    from .engine import IMMEDIATE_OFFER_RULES, CallbackRequest, Rejection

    request = CallbackRequest(queue=queue, phone_number="", region=None, desired_time=None, now=now, reach=reach)
    try:
        for rule in IMMEDIATE_OFFER_RULES:
            rule.check(request)
    except Rejection as rejection:
        at_opening = (
            rejection.code == RejectionCode.OUTSIDE_CALLING_WINDOW
            and queue.after_hours == VirtualQueue.AfterHours.SCHEDULE_AT_OPENING
        )
        return ImmediateOffer(False, rejection.code, rejection.message, **rejection.extra, books_at_opening=at_opening)
    return ImmediateOffer(True)
