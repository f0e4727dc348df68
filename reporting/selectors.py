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
    for each in queues:
        by_zone[str(each.time_zone)].append(each)
    ranges = []
    for same_zone in by_zone.values():
        start, end = day_bounds(same_zone[0], now.astimezone(same_zone[0].time_zone).date())
        ranges.append(Q(**{"queue__in": same_zone, f"{field}__gte": start, f"{field}__lt": end}))
    return reduce(operator.or_, ranges)


HELD_OR_RETRYING = {State.RETRY_WAIT: "retrying", State.ASSIGNED: "assigned", State.IN_PROGRESS: "in_progress"}
# A queue without open callbacks or any completed today.
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


def _counts(queues: list[VirtualQueue], now: dt.datetime) -> dict[int, dict]:
    """The queues' callback counts by queue id, in two statements whatever the number of queues.

    The open callbacks by queue and state, and those completed today by
    their end time: each an index range, so a long history of finished
    callbacks is never read.
    """
    today = _local_today(queues, "desired_time", now)
    # Grouped by state too, so each figure's filter is a plain comparison: counting every open callback of a
    # long line is the one cost that grows with it.
    rows = (
        Callback.objects.filter(queue__in=queues, state__in=OPEN_STATES)
        .values("queue_id", "state")
        .order_by()
        .annotate(
            count=Count("*"),
            held=Count("pk", filter=Q(hold_until__gt=now)),
            next_hour=Count("pk", filter=Q(desired_time__lt=now + HOUR)),
            later_today=Count("pk", filter=Q(desired_time__gte=now + HOUR) & today),
            today=Count("pk", filter=today),
            flagged=Count("pk", filter=Q(flagged=True)),
            oldest=Min("place_at"),
        )
    )
    counts: dict[int, dict] = {}
    for row in rows:
        figures = counts.setdefault(row["queue_id"], dict(NO_CALLBACKS))
        figures["flagged"] += row["flagged"]
        if row["state"] == State.QUEUED:
            figures |= {"waiting": row["count"], "held": row["held"], "oldest": row["oldest"]}
        elif row["state"] == State.SCHEDULED:
            figures |= {
                "scheduled_today": row["today"],
                "scheduled_next_hour": row["next_hour"],
                "scheduled_later_today": row["later_today"],
            }
        else:
            figures[HELD_OR_RETRYING[row["state"]]] = row["count"]
    # A callback completes once, and its end is its "completed" event's time (lifecycle.complete): counted from
    # the callbacks' handle-time index alone, never a join of each of today's events to its callback.
    completed = (
        Callback.objects.filter(_local_today(queues, "ended_at", now), state=State.COMPLETED)
        .values("queue_id")
        .order_by()
        .annotate(count=Count("*"))
    )
    for row in completed:
        counts.setdefault(row["queue_id"], dict(NO_CALLBACKS))["done_today"] = row["count"]
    return counts


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
        agents = agents_able_to_serve(queue).aggregate(
            able=Count("pk"), available=Count("pk", filter=Q(status=Agent.Status.AVAILABLE))
        )
        overviews.append(
            QueueOverview(
                queue=queue,
                **figures,
                agents_able=agents["able"],
                agents_available=agents["available"],
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
