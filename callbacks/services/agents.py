"""Agents working callbacks: status, start, outcome, release, and when a callback may be dialled."""

import datetime as dt
import logging
from typing import TypedDict

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callbackproject.base.errors import ServiceError
from queues import calling, routing
from queues.models import Agent
from queues.selectors import queues_visible_to
from rules.engine import Rejection
from rules.models import RejectionCode

from .. import lifecycle
from ..models import Attempt, Callback, CallbackEvent, Outcome, State
from ..selectors import LOGGED_IN, staffing_changed

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor

# -- agents working callbacks ---------------------------------------------------------------------

RETRY_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL)
QUIET_HOURS = "outside_calling_window"
ATTEMPT_LIMIT = "attempt_limit"


class NotYourCallback(ServiceError):
    """The callback is not assigned to this agent: to them it is not found."""

    status, code, default_message = 404, "not_found", "No callback of yours has this id."


class AgentUnavailable(ServiceError):
    """An agent who is away or offline asked for a callback."""

    status, code = 409, "agent_unavailable"

    def __init__(self, agent: Agent):
        super().__init__(
            f"You are {agent.get_status_display().lower()}: set yourself available to take callbacks.",
            status=agent.status,
        )


def _lock_agent(agent: Agent) -> Agent:
    return Agent.objects.select_for_update(of=("self",)).select_related("user").get(pk=agent.pk)


def _lock_callback(callback: Callback) -> Callback:
    return Callback.objects.select_for_update(of=("self",)).select_related("queue").get(pk=callback.pk)


def _lock_own(callback: Callback, agent: Agent) -> Callback:
    """Lock the callback and make sure it is still the agent's: a supervisor may have taken it back."""
    callback = _lock_callback(callback)
    if callback.agent_id != agent.pk:
        raise NotYourCallback()
    return callback


def _set_status(agent: Agent, status: str, now: dt.datetime) -> None:
    if agent.status != status:
        Agent.objects.filter(pk=agent.pk).update(status=status, status_changed_at=now)
        _status_moved(agent, status, now)


def _status_moved(agent: Agent, status: str, now: dt.datetime) -> None:
    # Logging in or out changes who can serve the agent's queues, and so their waits; busy and back does not.
    if (agent.status in LOGGED_IN) != (status in LOGGED_IN):
        staffing_changed(*agent.queues.values_list("pk", flat=True))
    agent.status, agent.status_changed_at = status, now


def _leave_busy(agent: Agent, status: str, now: dt.datetime) -> None:
    """From busy to ``status``, unless the agent chose another status meanwhile.

    Conditional rather than locked: a status set by a concurrent request
    stands, and no lock on the agent is taken while a callback is locked.
    """
    if Agent.objects.filter(pk=agent.pk, status=Agent.Status.BUSY).update(status=status, status_changed_at=now):
        agent.status = Agent.Status.BUSY  # what it was, whatever this copy said
        _status_moved(agent, status, now)


def _free(agent: Agent, now: dt.datetime) -> None:
    """Back to available after a callback."""
    _leave_busy(agent, Agent.Status.AVAILABLE, now)


def window_refusal(callback: Callback, opens: dt.datetime, *, why: str) -> Rejection:
    """What staff are told when a time or a dial is outside the customer's calling hours (422)."""
    zone = routing.dial_zone(callback)
    because = (
        "The number's calling policy allows no more attempts in 24 hours"
        if why == ATTEMPT_LIMIT
        else "Outside the customer's calling window"
    )
    return Rejection(
        RejectionCode.OUTSIDE_CALLING_WINDOW,
        f"{because}: they may be called from "
        f"{opens.astimezone(zone):%a %d %b %H:%M} ({zone.key}, the customer's time).",
        next_window_opens_at=opens.astimezone(dt.UTC).isoformat(),
        next_window_opens_local=opens.astimezone(zone).isoformat(),
    )


def dial_blocked_until(callback: Callback, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """None when the customer may be dialled now; else until when not, and why (a reason code).

    Their calling window (queue and policies, in each of their zones) first,
    then the policies' attempts per number per rolling 24 hours, counted over
    every callback of the number.
    """
    reach = calling.reach_of(callback)
    if (opens := calling.quiet_until(reach, now)) is not None:
        return opens, QUIET_HOURS
    limits = [policy.max_attempts_per_24h for policy in reach.policies if policy.max_attempts_per_24h]
    if not limits or not callback.phone_number:
        return None
    recent = list(
        Attempt.objects.filter(
            callback__phone_number=callback.phone_number, started_at__gt=now - dt.timedelta(hours=24)
        )
        .order_by("-started_at")
        .values_list("started_at", flat=True)[: min(limits)]
    )
    if len(recent) < min(limits):
        return None
    # Dialable again once the oldest attempt that counts leaves the 24 hours, inside the window.
    freed = recent[-1] + dt.timedelta(hours=24)
    return calling.next_callable(reach, freed) or freed + calling.LOOKAHEAD, ATTEMPT_LIMIT


@transaction.atomic
def callback_start(*, callback: Callback, agent: Agent, now: dt.datetime | None = None) -> Callback:
    """The agent starts dialling the callback reserved for them."""
    callback = _lock_own(callback, agent)
    lifecycle.start(callback, user=agent.user, now=now)
    return callback


class _AgentMove(TypedDict):
    """What every move ending an agent's dial is given alike."""

    actor: str
    user: User
    notes: str
    now: dt.datetime


@transaction.atomic
def callback_record_outcome(
    *, callback: Callback, agent: Agent, outcome: str, notes: str = "", now: dt.datetime | None = None
) -> Callback:
    """End the agent's dial with its outcome, and the callback as the queue's retry policy says.

    connected completes it; no answer, busy and voicemail try again after the
    queue's retry delay until its maximum attempts, then fail it
    (``attempts_exhausted``); a wrong number fails it; a customer who declines
    cancels it. The agent is available again.
    """
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": f"Unknown outcome “{outcome}”."})
    callback = _lock_own(callback, agent)
    if callback.state != State.IN_PROGRESS:
        raise lifecycle.IllegalTransition(callback, "record the outcome of")
    moves: _AgentMove = {"actor": Actor.AGENT, "user": agent.user, "notes": notes, "now": now}
    queue = callback.queue
    if outcome == Outcome.CONNECTED:
        lifecycle.complete(callback, **moves)
    elif outcome in RETRY_OUTCOMES and callback.attempts < queue.max_attempts:
        lifecycle.retry(
            callback, outcome=outcome, due_at=now + dt.timedelta(minutes=queue.retry_delay_minutes), **moves
        )
    elif outcome in RETRY_OUTCOMES:
        lifecycle.fail(callback, reason="attempts_exhausted", outcome=outcome, **moves)
    elif outcome == Outcome.WRONG_NUMBER:
        lifecycle.fail(callback, reason=Outcome.WRONG_NUMBER, outcome=outcome, **moves)
    else:
        lifecycle.cancel(callback, reason=Outcome.CUSTOMER_DECLINED, outcome=outcome, **moves)
    _free(agent, now)
    return callback


@transaction.atomic
def callback_release(
    *, callback: Callback, agent: Agent, reject: bool = False, now: dt.datetime | None = None
) -> Callback:
    """The agent gives a reserved callback back, keeping its place in line.

    ``reject``: after the preview, the agent will not take it; another agent
    gets it, and the queue's maximum rejections flag it for supervisors.
    """
    now = now or timezone.now()
    callback = _lock_own(callback, agent)
    if reject:
        lifecycle.reject(callback, user=agent.user, now=now)
    else:
        lifecycle.requeue(callback, reason="released_by_agent", actor=Actor.AGENT, user=agent.user, now=now)
    _free(agent, now)
    return callback


@transaction.atomic
def agent_set_status(*, agent: Agent, status: str, now: dt.datetime | None = None) -> Agent:
    """Set the agent's status; going away or offline gives a reservation back at once, not at its timeout."""
    now = now or timezone.now()
    if status not in Agent.Status.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    agent = _lock_agent(agent)
    if status in (Agent.Status.AWAY, Agent.Status.OFFLINE):
        # SKIP LOCKED: a reservation locked right now is being started or
        # released by another request; waiting for it while holding the agent
        # could deadlock with one that locks the callback, then the agent.
        reserved = Callback.objects.filter(agent=agent, state=State.ASSIGNED)
        for callback in reserved.select_for_update(skip_locked=True, of=("self",)).select_related("queue"):
            lifecycle.requeue(callback, reason="agent_unavailable", actor=Actor.AGENT, user=agent.user, now=now)
    _set_status(agent, status, now)
    return agent


class StaffMayNotSetStatus(ServiceError):
    status, code, default_message = 403, "permission_denied", "Your role may not set agents' statuses."


class AgentNotYours(ServiceError):
    """The agent serves none of the staff member's queues: to them the agent is unknown."""

    status, code, default_message = 404, "not_found", "No agent of your queues has this id."


# Staff take agents off the line; only the agent makes themselves available or busy again.
STAFF_STATUSES = (Agent.Status.AWAY, Agent.Status.OFFLINE)


@transaction.atomic
def agent_set_status_by_staff(*, agent: Agent, status: str, by: User, now: dt.datetime | None = None) -> Agent:
    """A supervisor or administrator sets an agent of their queues away or offline, in the agent's admin history.

    As when the agent does it, a callback reserved for them goes back in line
    (``agent_set_status``); one already on the call stays with them.
    """
    if not by.has_perm("callbacks.manage_callback"):
        raise StaffMayNotSetStatus()
    if status not in STAFF_STATUSES:
        raise ValidationError({"status": "Staff may set an agent away or offline only."})
    if not agent.queues.filter(pk__in=queues_visible_to(by)).exists():
        raise AgentNotYours()
    # The agent's row locked first, so the status the log says it was is the one this change replaced; of two
    # requests at once (two supervisors, or the agent themselves), the later one waits and its status stands.
    agent = _lock_agent(agent)
    previous = agent.get_status_display().lower()
    agent = agent_set_status(agent=agent, status=status, now=now)
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[agent],
        action_flag=CHANGE,
        change_message=f"Status set to {agent.get_status_display().lower()} from the live dashboard (was {previous}).",
        single_object=True,
    )
    # Ids, not names: logs hold no personal data.
    logger.info("Agent %s set %s by staff user %s", agent.pk, status, by.pk)
    return agent
