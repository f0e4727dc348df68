"""The rules pipeline: every way a callback is created or moved asks ``evaluate`` first.

Rules are small objects checked in order; the first that refuses ends the
evaluation with a stable ``code`` (answered as HTTP 422) and a message a
customer can read. Each reads only the ``CallbackRequest``, so each can be
tested alone.

The order: whether the queue takes callbacks at all, then who is asking
(country, number, its kind), then how much that number already asked, then
the queue's load, and capacity last — it takes a lock, held the shortest
time when everything else has passed.

Call ``evaluate`` inside the transaction that writes the callback: the limits
that count rows lock first (``rules.locks``), and the lock lasts until commit.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import phonenumbers
from django.db.models import Q

from callbackproject.base.errors import ServiceError
from queues import calling
from queues.models import VirtualQueue

from . import selectors
from .ledger import NumberCounts, ledger
from .locks import advisory_lock
from .models import (
    NUMBER_TYPE_LABELS,
    CountryPolicy,
    NumberEntry,
    QueueRules,
    RejectionCode,
    number_type_name,
)

Code = RejectionCode


class Rejection(ServiceError):
    """A rule's refusal: a stable ``code``, a message a customer can read, and ``extra`` fields for the answer."""

    status = 422

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message, code=code, **extra)


@dataclass(frozen=True)
class CallbackRequest:
    """What a rule may judge: the queue, the parsed number and when the customer wants the call.

    ``moving_id`` is the callback being rescheduled: it is not counted against
    the limits it already takes part in, and it is not a new request.
    An empty ``phone_number`` asks only about the queue (the widget's "offered now?").
    """

    queue: VirtualQueue
    phone_number: str  # E.164
    region: str | None
    desired_time: dt.datetime | None
    now: dt.datetime
    moving_id: int | None = None
    reach: calling.Reach | None = None  # whom we would call; None: the queue's zone, no policy
    number_counts: NumberCounts | None = None  # counted by the caller, under ``lock_number``

    @cached_property
    def counts(self) -> NumberCounts:
        """The number's bookings, counted under its lock: once for the request, however many rules ask."""
        if self.number_counts is not None:
            return self.number_counts
        lock_number(self.phone_number)
        return ledger().number_counts(self.queue, self.phone_number, now=self.now, exclude=self.moving_id)

    @cached_property
    def rules(self) -> QueueRules:
        return selectors.queue_rules(self.queue)

    @cached_property
    def number(self) -> phonenumbers.PhoneNumber | None:
        return phonenumbers.parse(self.phone_number) if self.phone_number else None

    @cached_property
    def listing(self) -> str | None:
        """'allow' or 'deny' from the most specific number entry matching, or None."""
        if not self.phone_number:
            return None
        listed = selectors.listed_scopes()
        scopes = [Q(rules__isnull=True)] if None in listed else []
        if self.rules.pk and self.rules.pk in listed:
            scopes.append(Q(rules=self.rules))
        if not scopes:  # most queues have no list: nothing to look up
            return None
        e164 = self.phone_number
        # Every prefix of the number, so the lookup stays on the value index.
        candidates = [e164[:end] for end in range(2, len(e164) + 1)]
        entries = NumberEntry.objects.filter(Q(*scopes, _connector=Q.OR), value__in=candidates)
        matching = [entry for entry in entries if entry.matches(e164)]
        if not matching:
            return None
        # Most specific wins; at a tie, deny.
        best = max(matching, key=lambda e: (e.specificity, e.kind == NumberEntry.Kind.DENY))
        return best.kind


class Rule:
    code: str

    def check(self, request: CallbackRequest) -> None:
        raise NotImplementedError

    def refuse(self, message: str):
        raise Rejection(str(self.code), message)


class QueueOpen(Rule):
    """The queue takes callbacks; an immediate one needs it open now and not about to close.

    A scheduled callback's time is checked against office hours before the
    rules run (a 400 on ``desired_time``).
    """

    code = Code.QUEUE_CLOSED

    def check(self, request):
        if not request.queue.active:
            self.refuse("Callbacks are not available for this service at the moment.")
        if request.desired_time is not None:
            return
        cutoff = dt.timedelta(minutes=request.rules.immediate_cutoff_minutes)
        closes = selectors.closes_at(request.queue, request.now, until=request.now + cutoff)
        if closes is None:
            self.refuse("We are closed right now; please pick a time for us to call you.")
        if closes - request.now < cutoff:
            self.refuse("We close too soon to call you back today; please pick a time for us to call you.")


class CallingWindowOpen(Rule):
    """The customer may be called then: the queue's calling window in their zones and their number's policies.

    A service that confirms a callback it may never make is worse than one
    that says no: checked when booking, not only when an agent dials.
    """

    code = Code.OUTSIDE_CALLING_WINDOW

    def check(self, request):
        reach = request.reach or calling.reach(request.queue)
        at = request.desired_time or request.now
        if (opens := calling.quiet_until(reach, at)) is None:
            return
        words = calling.opens_words(reach, opens, now=request.now)
        if request.desired_time is None:
            message = f"We may not call you right now, outside your calling hours. {words}"
        else:
            message = f"We may not call you at that time, outside your calling hours. {words}"
        raise Rejection(
            str(self.code),
            message,
            next_window_opens_at=opens.astimezone(calling.UTC).isoformat(),
            next_window_opens_local=opens.astimezone(reach.zone).isoformat(),
        )


class CountryAllowed(Rule):
    """The number's country (from the number itself) passes the queue's list, or the global default."""

    code = Code.COUNTRY_NOT_ALLOWED

    def check(self, request):
        if request.number is None:
            return
        rules = request.rules
        if rules.country_policy == CountryPolicy.DEFAULT:
            rules = selectors.global_rules()
        region = phonenumbers.region_code_for_number(request.number)
        listed = region in rules.country_list
        if (rules.country_policy == CountryPolicy.ALLOW and not listed) or (
            rules.country_policy == CountryPolicy.DENY and listed
        ):
            self.refuse("We cannot call numbers in this country; please give a number in a country we serve.")


class NumberNotDenied(Rule):
    """No deny entry (exact number or prefix) for this queue or every queue matches more closely than an allow."""

    code = Code.NUMBER_BLOCKED

    def check(self, request):
        if request.listing == NumberEntry.Kind.DENY:
            self.refuse("We cannot call this number; please give another one.")


class NumberTypeAllowed(Rule):
    """The kind of number (premium rate, shared cost, …) is not refused; an allow entry lets one through."""

    code = Code.NUMBER_TYPE_NOT_ALLOWED

    def check(self, request):
        if request.number is None or request.listing == NumberEntry.Kind.ALLOW:
            return
        kind = number_type_name(request.number)
        if kind in (request.rules.refused_number_types or []):
            label = NUMBER_TYPE_LABELS.get(kind, kind).lower()
            self.refuse(f"We cannot call {label} numbers; please give a landline or mobile number.")


def lock_number(e164: str) -> None:
    """Serialise the bookings of one number until the transaction ends: two at once would both count under a limit."""
    advisory_lock("rules-number", e164)


class OpenCallbacksLimit(Rule):
    """The number has fewer open callbacks, in all queues, than the queue allows."""

    code = Code.TOO_MANY_OPEN

    def check(self, request):
        limit = request.rules.max_open_across_queues
        if not limit or not request.phone_number:
            return
        if request.counts.open_anywhere >= limit:
            self.refuse(
                "You already have callbacks booked with us; please wait for those calls "
                "or cancel one before asking again."
            )


class DailyLimit(Rule):
    """The number asked this queue fewer times today than the queue allows. Moving a callback is no new request."""

    code = Code.DAILY_LIMIT

    def check(self, request):
        limit = request.rules.max_requests_per_day
        if not limit or not request.phone_number or request.moving_id is not None:
            return
        if request.counts.asked_today >= limit:
            self.refuse("This number has asked for a callback too many times today; please try again tomorrow.")


class OfferThresholds(Rule):
    """Immediate callbacks are offered only while few enough wait, and (optionally) only while the wait is long."""

    code = Code.NOT_OFFERED

    def check(self, request):
        if request.desired_time is not None:
            return
        rules = request.rules
        if rules.offer_max_waiting is None and rules.offer_min_ewt_minutes is None:
            return
        waiting = ledger().waiting(request.queue)
        if rules.offer_max_waiting is not None and waiting > rules.offer_max_waiting:
            self.refuse("We have too many callbacks waiting right now; please pick a time for us to call you.")
        if rules.offer_min_ewt_minutes is not None:
            wait = ledger().estimated_wait(request.queue, position=waiting + 1, now=request.now)
            # No estimate (nobody logged in) is no short wait: keep offering.
            if wait is not None and wait <= rules.offer_min_ewt_minutes * 60:
                self.refuse("The wait is short right now: please call us, or pick a time for us to call you.")


class Capacity(Rule):
    """Room left in the desired slot (scheduled callbacks) and in the day (every callback).

    ``lock``: hold the (queue, day) and (queue, slot) locks until commit, so
    bookings at once for the last places cannot all count the same free room.
    Off only to answer "is there room?" without booking.
    """

    code = Code.CAPACITY_FULL

    def __init__(self, *, lock: bool = True):
        self.lock = lock

    def check(self, request):
        rules, queue = request.rules, request.queue
        at = request.desired_time or request.now
        day = at.astimezone(queue.time_zone).date()
        if rules.daily_capacity is not None:
            if self.lock:
                advisory_lock("rules-capacity-day", queue.pk, day.isoformat())
            if ledger().booked_on_day(queue, day, exclude=request.moving_id) >= rules.daily_capacity:
                self.refuse(
                    "We are fully booked that day; please pick a time on another day."
                    if request.desired_time
                    else "We cannot take more callbacks today; please pick a time on another day."
                )
        if request.desired_time is None or (slot := selectors.slot_at(queue, request.desired_time)) is None:
            return
        total = selectors.slot_total(rules, slot.start.astimezone(queue.time_zone))
        if total is None:
            return
        if self.lock:
            advisory_lock("rules-capacity-slot", queue.pk, slot.start.isoformat())
        if ledger().booked_in_slot(queue, slot, exclude=request.moving_id) >= total:
            self.refuse("That time is fully booked; please pick another one.")


PIPELINE: list[Rule] = [
    QueueOpen(),
    CallingWindowOpen(),
    CountryAllowed(),
    NumberNotDenied(),
    NumberTypeAllowed(),
    OpenCallbacksLimit(),
    DailyLimit(),
    OfferThresholds(),
    Capacity(),
]

# What the widget is told before the customer types a number: the queue's own rules, without locking.
IMMEDIATE_OFFER_RULES: list[Rule] = [QueueOpen(), CallingWindowOpen(), OfferThresholds(), Capacity(lock=False)]


def evaluate(request: CallbackRequest, *, pipeline: list[Rule] | None = None) -> None:
    """Raise ``Rejection`` from the first rule that refuses the request."""
    for rule in PIPELINE if pipeline is None else pipeline:
        rule.check(request)
