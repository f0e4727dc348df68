"""Routing: which callbacks an agent may take, and in what order.

The order of a claim: the agent's queues by priority, highest first; within one
priority, callbacks by their place in line (``place_at``: when an immediate
callback was asked for, the desired time of a scheduled one, or when it joined
if released early by the estimated wait), then by id. A
retried or requeued callback keeps its place, so the customer loses nothing
when a call fails or an agent gives it back.

When a customer may be dialled is ``queues.calling``'s to say.
"""

import datetime as dt
import zoneinfo
from itertools import groupby

from django.db.models import Exists, OuterRef, Q, QuerySet

from .calling import zone_or_none
from .models import Agent, AgentSkill, QueueSkill, VirtualQueue

# -- who serves what ----------------------------------------------------------------------------

def queues_served_by(agent: Agent) -> list[VirtualQueue]:
    """Queues the agent serves and whose every required skill they hold at its minimum level.

    The converse of ``queues.selectors.agents_able_to_serve``; one query, as every claim asks it.
    """
    holds = AgentSkill.objects.filter(agent=agent, skill=OuterRef("skill"), level__gte=OuterRef("min_level"))
    unmet = QueueSkill.objects.filter(queue=OuterRef("pk")).exclude(Exists(holds))
    return list(agent.queues.exclude(Exists(unmet)))


def can_serve(agent: Agent, queue: VirtualQueue) -> bool:
    return any(served.pk == queue.pk for served in queues_served_by(agent))


def priority_levels(queues: list[VirtualQueue]) -> list[list[VirtualQueue]]:
    """Queues grouped by priority, highest first: a claim empties a level before looking at the next."""
    ordered = sorted(queues, key=lambda queue: -queue.priority)
    return [list(level) for _, level in groupby(ordered, key=lambda queue: queue.priority)]


# -- the claim ----------------------------------------------------------------------------------

def claimable(queue_id: int, *, agent: Agent, now: dt.datetime) -> QuerySet:
    """Queued callbacks of one queue the agent may take now, in line order.

    One queue at a time: this walks the partial index ``callback_claim``
    (queue, place_at, id) and stops at the first free row, however many
    callbacks there are. Over several queues at once PostgreSQL cannot merge
    the index in (place_at, id) order and would sort every waiting callback.
    """
    # callbacks depends on queues, not the reverse
    from callbacks.lifecycle import REJECTED, TRANSITIONS
    from callbacks.models import Callback, CallbackEvent, State

    rejected_by_agent = CallbackEvent.objects.filter(
        callback=OuterRef("pk"), type=TRANSITIONS["requeue"].event, reason=REJECTED, metadata__agent_id=agent.pk)
    return (Callback.objects.filter(queue_id=queue_id, state=State.QUEUED)
            .filter(Q(hold_until__isnull=True) | Q(hold_until__lte=now))
            # A rejected callback goes to another agent; only the rare rejected
            # rows pay for the look at their events.
            .filter(Q(rejections=0) | ~Exists(rejected_by_agent))
            .order_by("place_at", "id"))


def held_by(agent: Agent):
    """The callback the agent holds (reserved or dialling), or None."""
    from callbacks.models import Callback, State

    return (Callback.objects.select_related("queue")
            .filter(agent=agent, state__in=[State.ASSIGNED, State.IN_PROGRESS]).order_by("assigned_at").first())


def upcoming_for(agent: Agent, *, limit: int = 10) -> QuerySet:
    """Scheduled callbacks of the queues the agent can serve, soonest first."""
    from callbacks.models import Callback, State

    served = [queue.pk for queue in queues_served_by(agent)]
    return (Callback.objects.select_related("queue")
            .filter(queue_id__in=served, state=State.SCHEDULED).order_by("desired_time", "id")[:limit])


# -- the customer's zone (calling hours: queues.calling) ------------------------------------------

def dial_zone(callback) -> zoneinfo.ZoneInfo:
    """The zone the customer's times are shown in; the queue's when none was resolved."""
    return zone_or_none(callback.dial_timezone) or callback.queue.time_zone


# -- on time, not late --------------------------------------------------------------------------

def early_release_lead(queue: VirtualQueue, ewt_seconds: int | None) -> dt.timedelta:
    """How long before its desired time a scheduled callback joins its queue: the current EWT, capped.

    A customer who picked 14:00 should be reached around 14:00, not one wait
    after it. Without an estimate (nobody logged in) there is no head start.
    """
    if not ewt_seconds:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=ewt_seconds), dt.timedelta(minutes=queue.early_release_cap_minutes))
