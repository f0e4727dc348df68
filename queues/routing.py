"""Routing: which queues an agent serves, where a customer's times are shown, when a scheduled callback joins.

Which callback a claim takes, and in what order, is ``callbacks.claim``'s to say;
when a customer may be dialled, ``queues.calling``'s.
"""

import datetime as dt
import zoneinfo

from django.db.models import Exists, OuterRef, QuerySet

from .calling import zone_or_none
from .models import Agent, AgentSkill, QueueSkill, VirtualQueue

# -- who serves what ----------------------------------------------------------------------------


def served_by(agent: Agent) -> QuerySet[VirtualQueue]:
    """Queues the agent serves and whose every required skill they hold at its minimum level.

    The converse of ``queues.selectors.agents_able_to_serve``; a subquery of every claim.
    """
    holds = AgentSkill.objects.filter(agent=agent, skill=OuterRef("skill"), level__gte=OuterRef("min_level"))
    unmet = QueueSkill.objects.filter(queue=OuterRef("pk")).exclude(Exists(holds))
    return agent.queues.exclude(Exists(unmet))


def queues_served_by(agent: Agent) -> list[VirtualQueue]:
    return list(served_by(agent))


def can_serve(agent: Agent, queue: VirtualQueue) -> bool:
    return served_by(agent).filter(pk=queue.pk).exists()


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
