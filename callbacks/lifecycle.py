"""The callback state machine: the one place a callback changes state.

Each transition is a function that checks the move is legal, updates the row
and writes a ``CallbackEvent`` in the same transaction. Reports, webhooks and
push notifications start from those events. Callers lock the row first when
they decide something from its state (``select_for_update``); the update here
is also conditional on the state it was read in, so a caller that did not lock
cannot overwrite a concurrent move.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from callbackproject.base.errors import ServiceError
from queues import calling
from queues.models import Agent

from .models import OPEN_STATES, Attempt, Callback, CallbackEvent, Outcome, State

Actor = CallbackEvent.Actor
REJECTED = "rejected"
CLAIMED = "claimed"
# A created callback asked for "as soon as possible" outside the customer's calling window.
SCHEDULED_AT_OPENING = "scheduled_at_opening"


class IllegalTransition(ServiceError):
    """A move the state machine does not allow from the callback's state."""

    status, code = 409, "illegal_transition"

    def __init__(self, callback: Callback, transition: str):
        self.state = callback.state
        self.transition = transition
        super().__init__(
            f"Cannot {transition} a callback that is {callback.get_state_display().lower()}.", state=callback.state
        )


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: State
    event: str


def _t(name, sources, target, event):
    return Transition(name, frozenset(sources), target, event)


TRANSITIONS = {
    t.name: t
    for t in (
        _t("release", {State.SCHEDULED, State.RETRY_WAIT}, State.QUEUED, "released"),
        _t("assign", {State.QUEUED}, State.ASSIGNED, "assigned"),
        _t("requeue", {State.ASSIGNED}, State.QUEUED, "requeued"),
        _t("start", {State.ASSIGNED}, State.IN_PROGRESS, "started"),
        _t("complete", {State.IN_PROGRESS}, State.COMPLETED, "completed"),
        _t("retry", {State.IN_PROGRESS}, State.RETRY_WAIT, "retry_scheduled"),
        _t("fail", {State.IN_PROGRESS}, State.FAILED, "failed"),
        _t("cancel", OPEN_STATES, State.CANCELED, "canceled"),
        _t("expire", {State.SCHEDULED, State.QUEUED, State.RETRY_WAIT}, State.EXPIRED, "expired"),
        _t("reschedule", {State.SCHEDULED, State.QUEUED, State.RETRY_WAIT}, State.SCHEDULED, "rescheduled"),
    )
}


def can(callback: Callback, transition: str) -> bool:
    return callback.state in TRANSITIONS[transition].sources


def _seconds(since: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if since is None else max(0, round((now - since).total_seconds()))


def _instant(callback: Callback, now: dt.datetime | None) -> dt.datetime:
    """The time of a move on ``callback``: ``now``, or its last change when that is later.

    A request reads the clock when it starts; one that then waited on the row's
    lock behind another move (a claim behind a requeue) would otherwise log its
    move earlier than the one it follows. Read from the locked row, and checked
    by _move's compare-and-set, so a callback's times never go backwards.
    """
    return max(now or timezone.now(), callback.state_changed_at)


def _move(
    callback: Callback,
    name: str,
    *,
    actor: str,
    user=None,
    reason: str = "",
    metadata: dict | None = None,
    now: dt.datetime | None = None,
    **changes,
) -> CallbackEvent:
    transition = TRANSITIONS[name]
    if callback.state not in transition.sources:
        raise IllegalTransition(callback, name)
    now = _instant(callback, now)
    from_state = callback.state
    changes |= {"state": transition.target, "state_changed_at": now, "updated_at": now}
    event_metadata = {
        "attempt": changes.get("attempts", callback.attempts),
        "seconds_since_created": _seconds(callback.created_at, now),
        "seconds_in_previous_state": _seconds(callback.state_changed_at, now),
        **(metadata or {}),
    }
    # No savepoint inside a caller's transaction (two round trips on every
    # move): an error between the update and its event dooms that whole
    # transaction instead, so a state change never commits without its event.
    with transaction.atomic(savepoint=False):
        # Compare-and-set on the state it was read in, and on when that began: if
        # another process moved the callback meanwhile (even away and back), this
        # matches no row and nothing is written; the time above is not behind it.
        moved = Callback.objects.filter(
            pk=callback.pk, state=from_state, state_changed_at=callback.state_changed_at
        ).update(**changes)
        if moved:
            for field, value in changes.items():
                setattr(callback, field, value)
            event = CallbackEvent.objects.create(
                callback=callback,
                type=transition.event,
                from_state=from_state,
                to_state=transition.target,
                created_at=now,
                actor=actor,
                actor_user=user,
                reason=reason,
                metadata=event_metadata,
            )
    # Raised outside the block: nothing was written, so the caller's transaction may go on.
    if not moved:
        callback.refresh_from_db(fields=["state", "state_changed_at"])
        raise IllegalTransition(callback, name)
    return event


@transaction.atomic
def create(
    callback: Callback, *, actor: str, user=None, reason: str = "", now: dt.datetime | None = None
) -> CallbackEvent:
    """Insert a new callback: scheduled when its desired time is ahead, else queued."""
    now = now or timezone.now()
    scheduled = callback.desired_time is not None and callback.desired_time > now
    callback.state = State.SCHEDULED if scheduled else State.QUEUED
    callback.created_at = callback.state_changed_at = now
    callback.due_at = callback.desired_time if scheduled else None
    callback.queued_at = None if scheduled else now
    callback.place_at = callback.desired_time or now
    if not callback.dial_timezone:
        for field, value in calling.booking_fields(
            callback.queue, customer_timezone=callback.customer_timezone, phone_number=callback.phone_number
        ).items():
            setattr(callback, field, value)
    callback.expires_at = (callback.due_at or now) + dt.timedelta(minutes=callback.queue.max_wait_minutes)
    callback.save(force_insert=True)
    return CallbackEvent.objects.create(
        callback=callback,
        type="created",
        from_state="",
        to_state=callback.state,
        created_at=now,
        actor=actor,
        actor_user=user,
        reason=reason,
        metadata={"attempt": 0, "channel": callback.channel, "scheduled": scheduled},
    )


def release(
    callback: Callback,
    *,
    actor: str = Actor.SYSTEM,
    user=None,
    reason: str = "due",
    metadata: dict | None = None,
    place_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CallbackEvent:
    """Into its queue; ``place_at`` moves its place in line (an early release), else it keeps it."""
    now = _instant(callback, now)
    return _move(
        callback,
        "release",
        actor=actor,
        user=user,
        reason=reason,
        metadata=metadata,
        now=now,
        due_at=None,
        queued_at=callback.queued_at or now,
        place_at=place_at or callback.place_at,
    )


def assign(
    callback: Callback,
    *,
    agent: Agent,
    actor: str = Actor.AGENT,
    user=None,
    reason: str = CLAIMED,
    now: dt.datetime | None = None,
) -> CallbackEvent:
    now = _instant(callback, now)
    timeout = dt.timedelta(seconds=callback.queue.reservation_timeout_seconds)
    return _move(
        callback,
        "assign",
        actor=actor,
        user=user,
        reason=reason,
        now=now,
        metadata={"agent_id": agent.pk},
        agent=agent,
        assigned_at=now,
        reservation_expires_at=now + timeout,
    )


def requeue(
    callback: Callback, *, reason: str, actor: str = Actor.SYSTEM, user=None, now: dt.datetime | None = None
) -> CallbackEvent:
    """Give an assigned callback back to its queue (timeout, released, rejected)."""
    return _move(
        callback,
        "requeue",
        actor=actor,
        user=user,
        reason=reason,
        now=now,
        metadata={"agent_id": callback.agent_id},
        agent=None,
        reservation_expires_at=None,
    )


def reject(callback: Callback, *, actor: str = Actor.AGENT, user=None, now: dt.datetime | None = None) -> CallbackEvent:
    """The agent previewed the callback and will not take it: back to its place in line, for another agent.

    The caller locks the row, as the count is read from it. After the queue's
    maximum rejections it is flagged for supervisors (and stays in line).
    """
    rejections = callback.rejections + 1
    flagged = callback.flagged or rejections >= callback.queue.max_rejections
    return _move(
        callback,
        "requeue",
        actor=actor,
        user=user,
        reason=REJECTED,
        now=now,
        metadata={"agent_id": callback.agent_id, "rejections": rejections, "flagged": flagged},
        agent=None,
        reservation_expires_at=None,
        rejections=rejections,
        flagged=flagged,
    )


def hold(callback: Callback, *, until: dt.datetime, reason: str, now: dt.datetime | None = None) -> CallbackEvent:
    """Keep a queued callback from agents until ``until``; it keeps its place in line.

    Not a change of state, but logged like one so reports can tell why it waited.
    """
    now = _instant(callback, now)
    if callback.state != State.QUEUED:
        raise IllegalTransition(callback, "hold")
    # As in _move: no savepoint inside a caller's transaction, and never the row without its event.
    with transaction.atomic(savepoint=False):
        # Conditional like _move: a callback moved meanwhile is not held.
        held = Callback.objects.filter(pk=callback.pk, state=State.QUEUED).update(hold_until=until, updated_at=now)
        if held:
            event = CallbackEvent.objects.create(
                callback=callback,
                type="held",
                from_state=State.QUEUED,
                to_state=State.QUEUED,
                created_at=now,
                actor=Actor.SYSTEM,
                reason=reason,
                metadata={"attempt": callback.attempts, "hold_until": until.isoformat()},
            )
    if not held:
        raise IllegalTransition(callback, "hold")
    callback.hold_until = until
    return event


def _close_attempt(callback: Callback, *, outcome: Outcome | str, notes: str, now: dt.datetime) -> None:
    """The dial in progress, if any, ends with the outcome."""
    Attempt.objects.filter(callback=callback, ended_at__isnull=True).update(ended_at=now, outcome=outcome, notes=notes)


@transaction.atomic
def start(callback: Callback, *, actor: str = Actor.AGENT, user=None, now: dt.datetime | None = None) -> CallbackEvent:
    """Dialling begins: one more attempt, and its row."""
    now = _instant(callback, now)
    event = _move(
        callback,
        "start",
        actor=actor,
        user=user,
        reason="dialing",
        now=now,
        metadata={"agent_id": callback.agent_id},
        attempts=callback.attempts + 1,
        started_at=now,
        reservation_expires_at=None,
    )
    Attempt.objects.create(callback=callback, number=callback.attempts, agent_id=callback.agent_id, started_at=now)
    return event


@transaction.atomic
def complete(
    callback: Callback, *, actor: str = Actor.AGENT, user=None, notes: str = "", now: dt.datetime | None = None
) -> CallbackEvent:
    now = _instant(callback, now)
    event = _move(
        callback,
        "complete",
        actor=actor,
        user=user,
        reason=Outcome.CONNECTED,
        now=now,
        metadata={"agent_id": callback.agent_id},
        outcome=Outcome.CONNECTED,
        ended_at=now,
    )
    _close_attempt(callback, outcome=Outcome.CONNECTED, notes=notes, now=now)
    return event


@transaction.atomic
def retry(
    callback: Callback,
    *,
    outcome: Outcome | str,
    due_at: dt.datetime,
    actor: str = Actor.AGENT,
    user=None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> CallbackEvent:
    """An attempt failed in a way worth trying again later."""
    now = _instant(callback, now)
    event = _move(
        callback,
        "retry",
        actor=actor,
        user=user,
        reason=outcome,
        now=now,
        metadata={"agent_id": callback.agent_id, "due_at": due_at.isoformat()},
        outcome=outcome,
        due_at=due_at,
        agent=None,
    )
    _close_attempt(callback, outcome=outcome, notes=notes, now=now)
    return event


@transaction.atomic
def fail(
    callback: Callback,
    *,
    reason: str,
    outcome: Outcome | str,
    actor: str = Actor.AGENT,
    user=None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> CallbackEvent:
    """Attempts exhausted or the number is wrong."""
    now = _instant(callback, now)
    event = _move(
        callback,
        "fail",
        actor=actor,
        user=user,
        reason=reason,
        now=now,
        metadata={"agent_id": callback.agent_id},
        outcome=outcome,
        ended_at=now,
    )
    _close_attempt(callback, outcome=outcome, notes=notes, now=now)
    return event


@transaction.atomic
def cancel(
    callback: Callback,
    *,
    actor: str,
    reason: str,
    user=None,
    outcome: Outcome | str = "",
    notes: str = "",
    now: dt.datetime | None = None,
) -> CallbackEvent:
    now = _instant(callback, now)
    changes: dict[str, Any] = {"ended_at": now, "reservation_expires_at": None}
    if outcome:
        changes["outcome"] = outcome
    # An agent's call can end in a cancel (the customer declined): reports credit it to them.
    metadata = {"agent_id": callback.agent_id} if callback.agent_id else None
    event = _move(callback, "cancel", actor=actor, user=user, reason=reason, metadata=metadata, now=now, **changes)
    _close_attempt(callback, outcome=outcome, notes=notes, now=now)
    return event


def expire(callback: Callback, *, reason: str, now: dt.datetime | None = None) -> CallbackEvent:
    now = _instant(callback, now)
    return _move(callback, "expire", actor=Actor.SYSTEM, reason=reason, now=now, ended_at=now)


def reschedule(
    callback: Callback, *, desired_time: dt.datetime, actor: str, user=None, now: dt.datetime | None = None
) -> CallbackEvent:
    expires_at = desired_time + dt.timedelta(minutes=callback.queue.max_wait_minutes)
    return _move(
        callback,
        "reschedule",
        actor=actor,
        user=user,
        reason="new_time",
        now=now,
        metadata={
            "previous_desired_time": callback.desired_time and callback.desired_time.isoformat(),
            "desired_time": desired_time.isoformat(),
        },
        desired_time=desired_time,
        due_at=desired_time,
        expires_at=expires_at,
        place_at=desired_time,
        hold_until=None,
    )
