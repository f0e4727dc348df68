"""Figures about queues now: the overview the management pages and the staff API show, and the live dashboard."""

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from django.db.models import Count, Min, Q
from django.utils import timezone

from callbacks.models import OPEN_STATES, Callback, State
from callbacks.selectors import estimated_wait_seconds
from queues.hours import day_bounds
from queues.models import Agent, VirtualQueue
from queues.selectors import agents_able_to_serve, queues_visible_to

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class QueueOverview:
    queue: VirtualQueue
    waiting: int
    held: int  # of those waiting, kept from agents until their customers' calling hours
    scheduled_today: int
    scheduled_next_hour: int  # due within the hour (or overdue for release)
    scheduled_later_today: int  # due after that, before the queue's local midnight
    retrying: int
    assigned: int
    in_progress: int
    done_today: int
    flagged: int
    agents_able: int
    agents_available: int
    ewt_seconds: int | None
    oldest_wait_seconds: int | None


def _local_today(queues: list[VirtualQueue], field: str, now: dt.datetime) -> Q:
    """``field`` within each queue's own local today: one range per time zone, so the condition stays short."""
    by_zone: dict[str, list[VirtualQueue]] = defaultdict(list)
    for queue in queues:
        by_zone[str(queue.time_zone)].append(queue)
    ranges = []
    for same_zone in by_zone.values():
        start, end = day_bounds(same_zone[0], now.astimezone(same_zone[0].time_zone).date())
        ranges.append(Q(queue__in=same_zone, **{f"{field}__gte": start, f"{field}__lt": end}))
    return reduce(operator.or_, ranges)


def _counts(queues: list[VirtualQueue], now: dt.datetime) -> dict[int, dict]:
    """The queues' callback counts in one statement, by queue id: open callbacks and those ended today only."""
    ended_today = _local_today(queues, "ended_at", now)
    scheduled = Q(state=State.SCHEDULED)
    rows = (
        Callback.objects.filter(queue__in=queues)
        .filter(Q(state__in=OPEN_STATES) | ended_today)
        .values("queue_id")
        .order_by()
        .annotate(
            waiting=Count("pk", filter=Q(state=State.QUEUED)),
            held=Count("pk", filter=Q(state=State.QUEUED, hold_until__gt=now)),
            scheduled_today=Count("pk", filter=scheduled & _local_today(queues, "desired_time", now)),
            scheduled_next_hour=Count("pk", filter=scheduled & Q(desired_time__lt=now + HOUR)),
            scheduled_later_today=Count(
                "pk", filter=scheduled & Q(desired_time__gte=now + HOUR) & _local_today(queues, "desired_time", now)
            ),
            retrying=Count("pk", filter=Q(state=State.RETRY_WAIT)),
            assigned=Count("pk", filter=Q(state=State.ASSIGNED)),
            in_progress=Count("pk", filter=Q(state=State.IN_PROGRESS)),
            done_today=Count("pk", filter=Q(state=State.COMPLETED) & ended_today),
            flagged=Count("pk", filter=Q(flagged=True, state__in=OPEN_STATES)),
            oldest=Min("place_at", filter=Q(state=State.QUEUED)),
        )
    )
    return {row.pop("queue_id"): row for row in rows}


NO_CALLBACKS = dict.fromkeys(
    (
        "waiting",
        "held",
        "scheduled_today",
        "scheduled_next_hour",
        "scheduled_later_today",
        "retrying",
        "assigned",
        "in_progress",
        "done_today",
        "flagged",
    ),
    0,
) | {"oldest": None}


def queue_overviews(queues: Iterable[VirtualQueue], *, now: dt.datetime | None = None) -> list[QueueOverview]:
    """Each queue's figures now; "today" is each queue's own local day.

    The callbacks are counted for all the queues in one statement; the agents
    and the estimated wait are a few small statements per queue, however many
    callbacks there are.
    """
    now = now or timezone.now()
    queues = list(queues)
    counts = _counts(queues, now) if queues else {}
    overviews = []
    for queue in queues:
        figures = dict(counts.get(queue.pk, NO_CALLBACKS))
        oldest = figures.pop("oldest")
        able = agents_able_to_serve(queue)
        overviews.append(
            QueueOverview(
                queue=queue,
                **figures,
                agents_able=able.count(),
                agents_available=able.filter(status=Agent.Status.AVAILABLE).count(),
                ewt_seconds=estimated_wait_seconds(queue, position=figures["waiting"] + 1, now=now),
                oldest_wait_seconds=max(0, round((now - oldest).total_seconds())) if oldest else None,
            )
        )
    return overviews


def queue_overview(queue: VirtualQueue, *, now: dt.datetime | None = None) -> QueueOverview:
    """One queue's figures now; "today" is the queue's own local day."""
    return queue_overviews([queue], now=now)[0]


def queues_overview(user, *, now: dt.datetime | None = None) -> list[QueueOverview]:
    return queue_overviews(queues_visible_to(user).prefetch_related("required_skills"), now=now)
