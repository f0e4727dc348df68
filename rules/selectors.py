"""Reads for the rules: what a slot holds, when a queue closes, whether an immediate callback is offered now."""

import datetime as dt
from dataclasses import dataclass

from callbackproject.base.cache import cached, forget
from queues.hours import current_range, day_bounds, open_ranges
from queues.models import VirtualQueue
from queues.selectors import Slot

from .ledger import ledger
from .models import GlobalRules, NumberEntry, QueueRules, RejectionCode

UTC = dt.UTC

# Every booking judges these, and they change when an administrator saves a form: read once, kept in the
# cache until a change (rules.apps connects the signals) tells it to forget.
GLOBAL_KEY = "rules:global"
LISTED_KEY = "rules:listed"


def _queue_key(queue_id: int) -> str:
    return f"rules:queue:{queue_id}"


def queue_rules(queue: VirtualQueue) -> QueueRules:
    """The queue's rules with their capacity overrides, for judging (``QueueRules.for_queue`` to change them)."""
    return cached(_queue_key(queue.pk), lambda: QueueRules.for_queue(queue))


def global_rules() -> GlobalRules:
    return cached(GLOBAL_KEY, GlobalRules.load)


def listed_scopes() -> frozenset[int | None]:
    """The rules that have number entries (None: the every-queue list), so a number is looked up only there."""
    return cached(LISTED_KEY, lambda: frozenset(NumberEntry.objects.values_list("rules_id", flat=True).distinct()))


def queue_rules_changed(*, queue_id: int) -> None:
    forget(_queue_key(queue_id))


def global_rules_changed() -> None:
    forget(GLOBAL_KEY)


def number_entries_changed() -> None:
    forget(LISTED_KEY)


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

    Two grouped queries at most, whatever the number of slots and bookings: the
    bookings by desired time, counted here into slots and days, and the day's
    "as soon as possible" ones when the queue has a daily limit.
    """
    if not slots:
        return []
    rules = queue_rules(queue)
    tz = queue.time_zone
    daily = rules.daily_capacity
    totals = [slot_total(rules, slot.start.astimezone(tz)) for slot in slots]
    days = sorted({slot.start.astimezone(tz).date() for slot in slots})
    day_ranges = [day_bounds(queue, day) for day in days]
    # With a daily limit the whole local days count, before the first slot and after the last too.
    start, end = (day_ranges[0][0], day_ranges[-1][1]) if daily is not None else (slots[0].start, slots[-1].end)
    limited = daily is not None or any(total is not None for total in totals)
    times = ledger().booked_times(queue, start, end) if limited else []
    day_left: dict[dt.date, int] = {}
    if daily is not None:
        asked_now = ledger().asked_now_per_day(queue, days)
        for day, booked in zip(days, _per_range(times, day_ranges), strict=True):
            day_left[day] = max(0, daily - booked - asked_now.get(day, 0))
    result = []
    per_slot = _per_range(times, [(slot.start, slot.end) for slot in slots])
    for slot, total, booked in zip(slots, totals, per_slot, strict=True):
        left = None if total is None else max(0, total - booked)
        if daily is not None:
            day = slot.start.astimezone(tz).date()
            left = day_left[day] if left is None else min(left, day_left[day])
        if left != 0:
            result.append(SlotCapacity(slot, left, total))
    return result


def _per_range(times: list[tuple[dt.datetime, int]], ranges: list[tuple[dt.datetime, dt.datetime]]) -> list[int]:
    """The bookings of ``times`` (ascending) in each of ``ranges`` (ascending, none overlapping): one merge pass."""
    counts = []
    i = 0
    for start, end in ranges:
        while i < len(times) and times[i][0] < start:
            i += 1
        booked = 0
        while i < len(times) and times[i][0] < end:
            booked += times[i][1]
            i += 1
        counts.append(booked)
    return counts


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
