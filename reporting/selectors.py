"""Figures about queues now: the overview the management pages and the staff API show."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from callbacks.models import OPEN_STATES, Callback, State
from callbacks.selectors import estimated_wait_seconds
from queues.hours import day_bounds
from queues.models import Agent, VirtualQueue
from queues.selectors import agents_able_to_serve, queues_visible_to


@dataclass(frozen=True)
class QueueOverview:
    queue: VirtualQueue
    waiting: int
    scheduled_today: int
    assigned: int
    in_progress: int
    done_today: int
    flagged: int
    agents_able: int
    agents_available: int
    ewt_seconds: int | None
    oldest_wait_seconds: int | None


def queue_overview(queue: VirtualQueue, *, now: dt.datetime | None = None) -> QueueOverview:
    """One queue's figures now; "today" is the queue's own local day."""
    now = now or timezone.now()
    day_start, day_end = day_bounds(queue, now.astimezone(queue.time_zone).date())
    today = Q(ended_at__gte=day_start, ended_at__lt=day_end)
    # Open callbacks and those ended today only: the queue's history can be long.
    figures = (
        Callback.objects.filter(queue=queue)
        .filter(Q(state__in=OPEN_STATES) | today)
        .aggregate(
            waiting=Count("pk", filter=Q(state=State.QUEUED)),
            scheduled_today=Count(
                "pk", filter=Q(state=State.SCHEDULED, desired_time__gte=day_start, desired_time__lt=day_end)
            ),
            assigned=Count("pk", filter=Q(state=State.ASSIGNED)),
            in_progress=Count("pk", filter=Q(state=State.IN_PROGRESS)),
            done_today=Count("pk", filter=Q(state=State.COMPLETED) & today),
            flagged=Count("pk", filter=Q(flagged=True, state__in=OPEN_STATES)),
            oldest=Min("place_at", filter=Q(state=State.QUEUED)),
        )
    )
    able = agents_able_to_serve(queue)
    oldest = figures.pop("oldest")
    return QueueOverview(
        queue=queue,
        **figures,
        agents_able=able.count(),
        agents_available=able.filter(status=Agent.Status.AVAILABLE).count(),
        ewt_seconds=estimated_wait_seconds(queue, position=figures["waiting"] + 1, now=now),
        oldest_wait_seconds=max(0, round((now - oldest).total_seconds())) if oldest else None,
    )


def queues_overview(user, *, now: dt.datetime | None = None) -> list[QueueOverview]:
    return [queue_overview(queue, now=now) for queue in queues_visible_to(user)]
