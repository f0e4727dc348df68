"""The claim: an agent takes the next callback waiting for them.

The order of a claim: the agent's queues by priority, highest first; within one
priority, callbacks by their place in line (``place_at``: when an immediate
callback was asked for, the desired time of a scheduled one, or when it joined
if released early by the estimated wait), then by id. A retried or requeued
callback keeps its place, so the customer loses nothing when a call fails or an
agent gives it back.

One transaction of five statements when the head of line may be called: the
agent's row locked, the head of line locked, the compare-and-set to assigned
and its event (``lifecycle.assign``), the agent set busy. The customer's
calling window is judged in Python between them; a number with a calling
policy reads its policies there too (``queues.calling.reach_of``).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from queues import routing
from queues.models import Agent

from . import lifecycle
from .models import Callback, CallbackEvent, State
from .selectors import LOGGED_IN, callback_held_by
from .services.agents import AgentUnavailable, _lock_agent, _set_status, dial_blocked_until


def claimable(*, agent: Agent, now: dt.datetime) -> QuerySet[Callback]:
    """Queued callbacks the agent may take now, in any queue: not held back, not rejected by them."""
    rejected_by_agent = CallbackEvent.objects.filter(
        callback=OuterRef("pk"),
        type=lifecycle.TRANSITIONS["requeue"].event,
        reason=lifecycle.REJECTED,
        metadata__agent_id=agent.pk,
    )
    return (
        Callback.objects.filter(state=State.QUEUED)
        .filter(Q(hold_until__isnull=True) | Q(hold_until__lte=now))
        # A rejected callback goes to another agent; only the rare rejected
        # rows pay for the look at their events.
        .filter(Q(rejections=0) | ~Exists(rejected_by_agent))
    )


def _head_of_line(*, agent: Agent, now: dt.datetime) -> Callback | None:
    """The first callback in routing order the agent may take that no other claim holds, locked, its queue attached.

    One statement. Each queue the agent serves (skills met) gives its own head:
    a walk of the partial index ``callback_claim`` (queue, place_at, id) that
    stops at the first free row, however long the line. The few heads are then
    ordered by queue priority and place in line. Ordering all the queues'
    callbacks at once instead, PostgreSQL would sort every waiting one.
    """
    # SKIP LOCKED, in each queue's walk: agents claiming at once each lock a
    # different row; a row another claim holds is passed over, never waited for
    # nor taken twice, and not lost either: that claim assigns it or rolls back
    # and leaves it queued. A row another claim assigned and committed after
    # this statement began is re-read when locked, no longer queued, and the
    # walk goes on to the next. The heads not taken stay locked only until this
    # short transaction ends.
    first_free = (
        claimable(agent=agent, now=now)
        .filter(queue=OuterRef("pk"))
        .order_by("place_at", "id")
        .select_for_update(skip_locked=True)
        .values("pk")[:1]
    )
    heads = routing.served_by(agent).values(head=Subquery(first_free))
    held = Callback.objects.filter(agent=agent, state__in=[State.ASSIGNED, State.IN_PROGRESS])
    line = (
        Callback.objects.filter(pk__in=heads)
        # One held callback per agent: none while they hold one. Read after the
        # agent's lock, in a statement of its own, so a claim by the same agent
        # that committed while this one waited for that lock is seen.
        .filter(~Exists(held))
        .select_related("queue")
        .order_by("-queue__priority", "place_at", "id")
        # The heads are this transaction's own rows already; queues are not locked.
        .select_for_update(skip_locked=True, of=("self",))
    )
    return line.first()


@transaction.atomic
def callback_claim_next(*, agent: Agent, now: dt.datetime | None = None) -> Callback | None:
    """Reserve the next callback the agent may dial (its queue attached), or None when nothing is waiting for them.

    An agent holds one callback at a time: asking again returns the one they
    hold. An agent who is away or offline may not claim (``AgentUnavailable``).
    """
    now = now or timezone.now()
    # The agent's row lock serialises one agent's claims (two tabs, a double
    # click): both would otherwise find nothing held and reserve one each.
    # The unique callback_held index is the backstop should a path skip this lock.
    agent = _lock_agent(agent)
    if agent.status not in LOGGED_IN:
        if (held := callback_held_by(agent)) is not None:
            return held
        raise AgentUnavailable(agent)
    while (head := _head_of_line(agent=agent, now=now)) is not None:
        if (blocked := dial_blocked_until(head, now)) is None:
            lifecycle.assign(head, agent=agent, user=agent.user, now=now)
            _set_status(agent, Agent.Status.BUSY, now)
            return head
        # Too early or late to ring this customer, or rung too often today:
        # keep it out of line until they may be, or end it if it would expire
        # first; then the next head.
        until, reason = blocked
        if head.expires_at is not None and until >= head.expires_at:
            lifecycle.expire(head, reason=reason, now=now)
        else:
            lifecycle.hold(head, until=until, reason=reason, now=now)
    # Nothing waiting for them, or they hold one already.
    return callback_held_by(agent)
