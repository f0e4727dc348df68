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

from django.db import transaction
from django.utils import timezone

from queues.models import Agent

from .models import OPEN_STATES, Callback, CallbackEvent, Outcome, State

Actor = CallbackEvent.Actor


class IllegalTransition(Exception):
    """A move the state machine does not allow from the callback's state (HTTP 409)."""

    def __init__(self, callback: Callback, transition: str):
        self.state = callback.state
        self.transition = transition
        super().__init__(f"Cannot {transition} a callback that is {callback.get_state_display().lower()}.")


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


@transaction.atomic
def _move(callback: Callback, name: str, *, actor: str, user=None, reason: str = "",
          metadata: dict | None = None, now: dt.datetime | None = None, **changes) -> CallbackEvent:
    transition = TRANSITIONS[name]
    if callback.state not in transition.sources:
        raise IllegalTransition(callback, name)
    now = now or timezone.now()
    from_state = callback.state
    changes |= {"state": transition.target, "state_changed_at": now, "updated_at": now}
    # Compare-and-set on the state it was read in: if another process moved
    # the callback meanwhile, this matches no row and nothing is written.
    if not Callback.objects.filter(pk=callback.pk, state=from_state).update(**changes):
        callback.refresh_from_db(fields=["state"])
        raise IllegalTransition(callback, name)
    event_metadata = {
        "attempt": changes.get("attempts", callback.attempts),
        "seconds_since_created": _seconds(callback.created_at, now),
        "seconds_in_previous_state": _seconds(callback.state_changed_at, now),
        **(metadata or {}),
    }
    for field, value in changes.items():
        setattr(callback, field, value)
    return CallbackEvent.objects.create(
        callback=callback, type=transition.event, from_state=from_state, to_state=transition.target,
        created_at=now, actor=actor, actor_user=user, reason=reason, metadata=event_metadata,
    )


@transaction.atomic
def create(callback: Callback, *, actor: str, user=None, now: dt.datetime | None = None) -> CallbackEvent:
    """Insert a new callback: scheduled when its desired time is ahead, else queued."""
    now = now or timezone.now()
    scheduled = callback.desired_time is not None and callback.desired_time > now
    callback.state = State.SCHEDULED if scheduled else State.QUEUED
    callback.created_at = callback.state_changed_at = now
    callback.due_at = callback.desired_time if scheduled else None
    callback.queued_at = None if scheduled else now
    callback.expires_at = (callback.desired_time if scheduled else now) + dt.timedelta(
        minutes=callback.queue.max_wait_minutes)
    callback.save(force_insert=True)
    return CallbackEvent.objects.create(
        callback=callback, type="created", from_state="", to_state=callback.state, created_at=now,
        actor=actor, actor_user=user, metadata={"attempt": 0, "channel": callback.channel,
                                                "scheduled": scheduled},
    )


def release(callback: Callback, *, actor: str = Actor.SYSTEM, user=None, reason: str = "due",
            now: dt.datetime | None = None) -> CallbackEvent:
    now = now or timezone.now()
    return _move(callback, "release", actor=actor, user=user, reason=reason, now=now,
                 due_at=None, queued_at=callback.queued_at or now)


def assign(callback: Callback, *, agent: Agent, actor: str = Actor.AGENT, user=None, reason: str = "claimed",
           now: dt.datetime | None = None) -> CallbackEvent:
    now = now or timezone.now()
    timeout = dt.timedelta(seconds=callback.queue.reservation_timeout_seconds)
    return _move(callback, "assign", actor=actor, user=user, reason=reason, now=now,
                 metadata={"agent_id": agent.pk}, agent=agent, assigned_at=now,
                 reservation_expires_at=now + timeout)


def requeue(callback: Callback, *, reason: str, actor: str = Actor.SYSTEM, user=None,
            now: dt.datetime | None = None) -> CallbackEvent:
    """Give an assigned callback back to its queue (timeout, released, rejected)."""
    return _move(callback, "requeue", actor=actor, user=user, reason=reason, now=now,
                 metadata={"agent_id": callback.agent_id}, agent=None, reservation_expires_at=None)


def start(callback: Callback, *, actor: str = Actor.AGENT, user=None,
          now: dt.datetime | None = None) -> CallbackEvent:
    """Dialling begins: one more attempt."""
    now = now or timezone.now()
    return _move(callback, "start", actor=actor, user=user, reason="dialing", now=now,
                 metadata={"agent_id": callback.agent_id}, attempts=callback.attempts + 1, started_at=now,
                 reservation_expires_at=None)


def complete(callback: Callback, *, actor: str = Actor.AGENT, user=None,
             now: dt.datetime | None = None) -> CallbackEvent:
    now = now or timezone.now()
    return _move(callback, "complete", actor=actor, user=user, reason=Outcome.CONNECTED, now=now,
                 metadata={"agent_id": callback.agent_id}, outcome=Outcome.CONNECTED, ended_at=now)


def retry(callback: Callback, *, outcome: Outcome, due_at: dt.datetime, actor: str = Actor.AGENT, user=None,
          now: dt.datetime | None = None) -> CallbackEvent:
    """An attempt failed in a way worth trying again later."""
    return _move(callback, "retry", actor=actor, user=user, reason=outcome, now=now,
                 metadata={"agent_id": callback.agent_id, "due_at": due_at.isoformat()},
                 outcome=outcome, due_at=due_at, agent=None)


def fail(callback: Callback, *, reason: str, outcome: Outcome, actor: str = Actor.AGENT, user=None,
         now: dt.datetime | None = None) -> CallbackEvent:
    """Attempts exhausted or the number is wrong."""
    now = now or timezone.now()
    return _move(callback, "fail", actor=actor, user=user, reason=reason, now=now,
                 metadata={"agent_id": callback.agent_id}, outcome=outcome, ended_at=now)


def cancel(callback: Callback, *, actor: str, reason: str, user=None, outcome: Outcome | str = "",
           now: dt.datetime | None = None) -> CallbackEvent:
    now = now or timezone.now()
    changes = {"ended_at": now, "reservation_expires_at": None}
    if outcome:
        changes["outcome"] = outcome
    return _move(callback, "cancel", actor=actor, user=user, reason=reason, now=now, **changes)


def expire(callback: Callback, *, reason: str, now: dt.datetime | None = None) -> CallbackEvent:
    now = now or timezone.now()
    return _move(callback, "expire", actor=Actor.SYSTEM, reason=reason, now=now, ended_at=now)


def reschedule(callback: Callback, *, desired_time: dt.datetime, actor: str, user=None,
               now: dt.datetime | None = None) -> CallbackEvent:
    expires_at = desired_time + dt.timedelta(minutes=callback.queue.max_wait_minutes)
    return _move(callback, "reschedule", actor=actor, user=user, reason="new_time", now=now,
                 metadata={"previous_desired_time": callback.desired_time and callback.desired_time.isoformat()},
                 desired_time=desired_time, due_at=desired_time, expires_at=expires_at)
