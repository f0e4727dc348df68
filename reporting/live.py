"""The live dashboard's reads: each queue's figures now and today, their total, the agent roster, the latest activity.

Everything is limited to the queues the user may see reports of (``report_queues``:
``view_reports`` within their lines of business). The number of statements does
not depend on the number of callbacks: they are counted in one aggregate for all
the queues (``queue_overviews``); the agents, the wait estimate and today's
figures are a few statements per queue.
"""

import datetime as dt
import operator
from collections import Counter
from dataclasses import dataclass
from functools import reduce

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from callbacks.models import HELD_STATES, Attempt, Callback, CallbackEvent, State
from queues.hours import day_bounds
from queues.models import Agent, VirtualQueue

from .access import report_queues
from .models import Dashboard
from .selectors import QueueOverview, queue_overviews


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # "count", "seconds" or "share": how it is shown
    today: bool  # counted over the queue's local today, rather than now
    help: str = ""


FIGURES: dict[str, Figure] = {
    figure.key: figure
    for figure in (
        Figure("waiting", "Waiting", "count", False, "Queued for an agent now."),
        Figure(
            "held", "Held by calling window", "count", False, "Of those waiting, kept until the customer may be called."
        ),
        Figure("scheduled_next_hour", "Scheduled, next hour", "count", False, "Due within the hour."),
        Figure("scheduled_later_today", "Scheduled, later today", "count", False, "Due after that, before midnight."),
        Figure("retrying", "Waiting to retry", "count", False, "Not reached; tried again after the retry delay."),
        Figure("assigned", "Assigned", "count", False, "Reserved for an agent, not yet dialled."),
        Figure("in_progress", "In progress", "count", False, "An agent is on the call."),
        Figure("oldest_wait_seconds", "Oldest waiting", "seconds", False, "How long the first in line has waited."),
        Figure(
            "ewt_seconds",
            "Estimated wait",
            "seconds",
            False,
            "A customer asking now; none while nobody able to serve the queue is logged in.",
        ),
        Figure("completed", "Completed", "count", True),
        Figure("failed", "Failed", "count", True),
        Figure("canceled_by_customer", "Canceled by customer", "count", True),
        Figure("canceled_by_staff", "Canceled by staff", "count", True),
        Figure("expired", "Expired", "count", True),
        Figure(
            "service_level_share",
            "Service level",
            "share",
            True,
            "Immediate callbacks connected within the queue's target.",
        ),
        Figure(
            "promises_within_tolerance_share",
            "Promises kept",
            "share",
            True,
            "Scheduled callbacks first dialled within the queue's tolerance of the promised time.",
        ),
        Figure("first_attempt_success_share", "First-attempt success", "share", True, "Connected on the first dial."),
    )
}
# Not a figure: the queue's latest state changes, pinned like one.
ACTIVITY = "activity"
PANEL_ITEMS = (*FIGURES, ACTIVITY)
# The figures a total adds up; the wait estimate is a queue's own.
NOT_SUMMED = frozenset({"oldest_wait_seconds", "ewt_seconds"})

ACTIVITY_ROWS = 10
ACTIVITY_HOURS = 24


@dataclass(frozen=True)
class Activity:
    """One state change, without personal data: the callback by its public id only."""

    at: dt.datetime
    callback_id: str
    from_state: str
    to_state: str
    actor: str
    actor_username: str
    reason: str

    @property
    def callback_short(self) -> str:
        return self.callback_id[:8]

    @property
    def from_label(self) -> str:
        return State(self.from_state).label if self.from_state else ""

    @property
    def to_label(self) -> str:
        return State(self.to_state).label


@dataclass(frozen=True)
class Panel:
    """A queue's figures (``queue`` None: the total of the user's queues), with what the user pinned of them."""

    queue: VirtualQueue | None
    values: dict[str, int | float | None]
    expired_by_reason: dict[str, int]
    pinned: tuple[str, ...]
    day_start: dt.datetime | None = None  # the queue's local midnight, start of its "today"
    activity: tuple[Activity, ...] = ()

    @property
    def figures(self) -> list[Figure]:
        return [FIGURES[key] for key in self.pinned if key in FIGURES]

    @property
    def now_figures(self) -> list[Figure]:
        return [figure for figure in self.figures if not figure.today]

    @property
    def today_figures(self) -> list[Figure]:
        return [figure for figure in self.figures if figure.today]

    @property
    def shows_activity(self) -> bool:
        return self.queue is not None and ACTIVITY in self.pinned


@dataclass(frozen=True)
class RosterEntry:
    agent: Agent
    queues: list[VirtualQueue]  # those of the user's queues the agent serves
    holds: Callback | None  # the callback reserved for them or on the call, when in the user's queues
    handled_today: int
    status_seconds: int  # how long they have been in their status

    @property
    def queue_slugs(self) -> list[str]:
        return [queue.slug for queue in self.queues]


@dataclass(frozen=True)
class LiveDashboard:
    now: dt.datetime
    queues: list[Panel]  # every queue the user may see
    total: Panel
    panels: list[Panel]  # what the user pinned, in their order
    pins: list[dict]  # the same as they are saved: {"queue": slug or None, "figures": [names]}
    roster: list[RosterEntry]
    roster_day_start: dt.datetime
    customised: bool


# -- pins -----------------------------------------------------------------------------------------


def default_panels(queues: list[VirtualQueue]) -> list[dict]:
    """Without pins: the total and every queue, with every figure and the activity."""
    return [{"queue": None, "figures": list(PANEL_ITEMS)}] + [
        {"queue": queue.slug, "figures": list(PANEL_ITEMS)} for queue in queues
    ]


def pinned_panels(user, queues: list[VirtualQueue]) -> tuple[list[dict], bool]:
    """The user's pins and whether they chose them; a pin of a queue they may no longer see is left out."""
    dashboard = Dashboard.objects.filter(user=user).first()
    if dashboard is None:
        return default_panels(queues), False
    slugs = {queue.slug for queue in queues}
    return [panel for panel in dashboard.panels if panel["queue"] is None or panel["queue"] in slugs], True


# -- figures --------------------------------------------------------------------------------------


def _now_values(overview: QueueOverview) -> dict[str, int | float | None]:
    return {key: getattr(overview, key) for key, figure in FIGURES.items() if not figure.today}


def _today_values(queue: VirtualQueue, day_start: dt.datetime, now: dt.datetime) -> tuple[dict, dict[str, int]]:
    """Today's figures and expiries by reason. Pending: reporting.figures (H1) computes these, not this module."""
    return dict.fromkeys(key for key, figure in FIGURES.items() if figure.today), {}


def _total(panels: list[Panel]) -> tuple[dict[str, int | float | None], dict[str, int]]:
    """The queues' counts added up, and the longest wait of all; a wait estimate is each queue's own."""

    def present(key: str) -> list[int | float]:
        return [value for panel in panels if (value := panel.values[key]) is not None]

    values: dict[str, int | float | None] = {
        key: (sum(present(key)) if present(key) else None) if figure.kind == "count" else None
        for key, figure in FIGURES.items()
    }
    values["oldest_wait_seconds"] = max(present("oldest_wait_seconds"), default=None)
    expired: Counter[str] = Counter()
    for panel in panels:
        expired.update(panel.expired_by_reason)
    return values, dict(expired)


def _activity(queues: list[VirtualQueue], now: dt.datetime) -> dict[int, list[Activity]]:
    """The latest state changes of each queue, in one statement: each queue's newest few of the last day.

    One subquery per queue, each a short walk of the events back from the
    newest, so a busy queue does not crowd a quiet one out and the events of a
    long history are never sorted.
    """
    if not queues:
        return {}
    recent = CallbackEvent.objects.filter(created_at__gte=now - dt.timedelta(hours=ACTIVITY_HOURS))
    latest = reduce(
        operator.or_,
        [
            Q(pk__in=recent.filter(callback__queue=queue).order_by("-id").values("pk")[:ACTIVITY_ROWS])
            for queue in queues
        ],
    )
    rows = (
        CallbackEvent.objects.filter(latest)
        .order_by("-id")
        .values(
            "callback__queue_id",
            "callback__public_id",
            "created_at",
            "from_state",
            "to_state",
            "actor",
            "actor_user__username",
            "reason",
        )
    )
    by_queue: dict[int, list[Activity]] = {queue.pk: [] for queue in queues}
    for row in rows:
        by_queue[row["callback__queue_id"]].append(
            Activity(
                at=row["created_at"],
                callback_id=str(row["callback__public_id"]),
                from_state=row["from_state"],
                to_state=row["to_state"],
                actor=row["actor"],
                actor_username=row["actor_user__username"] or "",
                reason=row["reason"],
            )
        )
    return by_queue


def live_queues(queues: list[VirtualQueue], *, now: dt.datetime, pins: dict[str | None, list[str]]) -> list[Panel]:
    """Each queue's panel: its figures now and today, and its activity."""
    activity = _activity(queues, now)
    panels = []
    for overview in queue_overviews(queues, now=now):
        queue = overview.queue
        day_start = day_bounds(queue, now.astimezone(queue.time_zone).date())[0]
        today, expired = _today_values(queue, day_start, now)
        panels.append(
            Panel(
                queue=queue,
                values=_now_values(overview) | today,
                expired_by_reason=expired,
                pinned=tuple(pins.get(queue.slug, ())),
                day_start=day_start,
                activity=tuple(activity[queue.pk]),
            )
        )
    return panels


# -- the roster -----------------------------------------------------------------------------------


def roster_day_start(now: dt.datetime) -> dt.datetime:
    """The roster spans queues in many zones: its "today" is the server's day, shown with its zone."""
    return dt.datetime.combine(timezone.localdate(now), dt.time(0), tzinfo=timezone.get_current_timezone())


def roster(queues: list[VirtualQueue], *, now: dt.datetime, agents: QuerySet[Agent] | None = None) -> list[RosterEntry]:
    """Every agent serving one of ``queues`` (of ``agents``), with the callback they hold there and how many they
    handled today.

    Three statements however many agents: the agents with their count, their
    queues, their held callbacks.
    """
    day_start = roster_day_start(now)
    handled = (
        Attempt.objects.filter(agent=OuterRef("pk"), ended_at__gte=day_start)
        .order_by()
        .values("agent")
        .annotate(callbacks=Count("callback", distinct=True))
        .values("callbacks")
    )
    agents = (
        (Agent.objects.all() if agents is None else agents)
        .filter(queues__in=queues)
        .distinct()
        .select_related("user")
        .annotate(handled_today=Coalesce(Subquery(handled, output_field=IntegerField()), Value(0)))
        .prefetch_related(
            Prefetch("queues", VirtualQueue.objects.filter(pk__in=[q.pk for q in queues]), to_attr="visible_queues"),
            Prefetch(
                "callbacks",
                Callback.objects.filter(state__in=HELD_STATES, queue__in=queues).select_related("queue"),
                to_attr="held",
            ),
        )
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    return [
        RosterEntry(
            agent=agent,
            queues=agent.visible_queues,
            holds=next(iter(agent.held), None),
            handled_today=agent.handled_today,
            status_seconds=max(0, round((now - agent.status_changed_at).total_seconds())),
        )
        for agent in agents
    ]


def roster_entry(user, agent: Agent, *, now: dt.datetime | None = None) -> RosterEntry | None:
    """The agent's line of the user's roster; None when they serve none of the user's queues."""
    now = now or timezone.now()
    entries = roster(list(report_queues(user)), now=now, agents=Agent.objects.filter(pk=agent.pk))
    return entries[0] if entries else None


# -- the whole dashboard --------------------------------------------------------------------------


def live_figures(user, *, now: dt.datetime | None = None) -> LiveDashboard:
    """What the user's live dashboard shows now; PermissionDenied without ``view_reports``."""
    now = now or timezone.now()
    queues = list(report_queues(user).prefetch_related("required_skills"))
    chosen, customised = pinned_panels(user, queues)
    pins = {panel["queue"]: panel["figures"] for panel in chosen}
    panels = live_queues(queues, now=now, pins=pins)
    values, expired = _total(panels)
    total = Panel(queue=None, values=values, expired_by_reason=expired, pinned=tuple(pins.get(None, ())))
    by_slug = {panel.queue.slug: panel for panel in panels if panel.queue is not None}
    return LiveDashboard(
        now=now,
        queues=panels,
        total=total,
        panels=[total if pin["queue"] is None else by_slug[pin["queue"]] for pin in chosen],
        pins=chosen,
        roster=roster(queues, now=now),
        roster_day_start=roster_day_start(now),
        customised=customised,
    )
