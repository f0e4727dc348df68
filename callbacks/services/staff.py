"""Supervisors' moves on one callback: which the state allows, assigning it to an agent, putting it back in line."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from queues import routing
from queues.models import Agent

from .. import lifecycle
from ..models import Callback, CallbackEvent, State
from ..selectors import callback_held_by
from .agents import _free, _lock_agent, _lock_callback, _set_status, dial_blocked_until, window_refusal

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor

# -- supervisors ----------------------------------------------------------------------------------

# What staff may do to a callback in each state, beyond what the state machine itself allows:
# handing it to an agent (from any state an agent has not started) and putting it back in line.
STAFF_MOVES = {
    "assign": frozenset({State.SCHEDULED, State.QUEUED, State.RETRY_WAIT, State.ASSIGNED}),
    "requeue": frozenset({State.SCHEDULED, State.RETRY_WAIT, State.ASSIGNED}),
}


def callback_staff_actions(callback: Callback) -> dict[str, bool]:
    """Which staff actions the callback's state allows now: the pages offer these, the services below refuse the rest."""
    return {
        "reschedule": lifecycle.can(callback, "reschedule"),
        **{name: callback.state in states for name, states in STAFF_MOVES.items()},
        "cancel": callback.is_open,
    }


def _staff_may(callback: Callback, move: str) -> None:
    if callback.state not in STAFF_MOVES[move]:
        raise lifecycle.IllegalTransition(callback, move)


@transaction.atomic
def callback_assign_to(*, callback: Callback, agent: Agent, user, now: dt.datetime | None = None) -> Callback:
    """A supervisor hands a waiting or reserved callback to a named agent, ahead of the line."""
    now = now or timezone.now()
    # Callback, then agent: the order every blocking lock here is taken in (a
    # claim locks the agent first but never waits for a callback), so no two
    # requests wait for each other. The agent's lock keeps them from claiming
    # another callback meanwhile.
    callback = _lock_callback(callback)
    _staff_may(callback, "assign")
    agent = _lock_agent(agent)
    if not routing.can_serve(agent, callback.queue):
        raise ValidationError({"agent": f"{agent} does not serve {callback.queue} or lacks its skills."})
    # Checked under the agent's lock for a clear answer; the unique callback_held index is the backstop.
    if (held := callback_held_by(agent)) is not None and held.pk != callback.pk:
        raise ValidationError({"agent": f"{agent} is already working another callback."})
    if callback.state == State.ASSIGNED and callback.agent_id == agent.pk:
        return callback
    if (blocked := dial_blocked_until(callback, now)) is not None:
        opens, why = blocked
        raise window_refusal(callback, opens, why=why)
    staff = {"actor": Actor.STAFF, "user": user, "now": now}
    if callback.state in (State.SCHEDULED, State.RETRY_WAIT):
        lifecycle.release(callback, reason="assigned_by_supervisor", **staff)
    elif callback.state == State.ASSIGNED:
        previous = callback.agent
        assert previous is not None  # callback_agent_fits_state: an assigned one has its agent
        lifecycle.requeue(callback, reason="reassigned", **staff)
        _free(previous, now)
    lifecycle.assign(callback, agent=agent, reason="assigned_by_supervisor", **staff)
    _set_status(agent, Agent.Status.BUSY, now)
    return callback


@transaction.atomic
def callback_requeue(*, callback: Callback, user, now: dt.datetime | None = None) -> Callback:
    """A supervisor takes a reserved callback back from its agent, or puts a waiting one in line now."""
    now = now or timezone.now()
    callback = _lock_callback(callback)
    _staff_may(callback, "requeue")
    staff = {"actor": Actor.STAFF, "user": user, "now": now}
    if callback.state in (State.SCHEDULED, State.RETRY_WAIT):
        lifecycle.release(callback, reason="requeued_by_supervisor", **staff)
        return callback
    agent = callback.agent
    assert agent is not None  # assigned, the one state left (_staff_may), has its agent
    lifecycle.requeue(callback, reason="requeued_by_supervisor", **staff)
    _free(agent, now)
    return callback
