"""The live dashboard's reads: each queue's figures now and today, their total, the agent roster, the latest activity.

Everything is limited to the queues the user may see reports of (``report_queues``:
``view_reports`` within their lines of business). The number of statements does
not depend on the number of callbacks: the open ones are counted for all the
queues at once (``queue_overviews``); the agents, the wait estimate and today's
figures (``reporting.figures``, from the event log) are a few statements per queue.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Prefetch
from django.utils import timezone

from callbacks.models import HELD_STATES, Callback, CallbackEvent, State
from queues.hours import day_bounds
from queues.models import Agent, VirtualQueue

from .access import report_queues
from .figures import Figures, figures_between
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
class Expiry:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class Panel:
    """A queue's figures (``queue`` None: the total of the user's queues), with what the user pinned of them."""

    queue: VirtualQueue | None
    values: dict[str, int | float | None]
    today: Figures  # since the queue's local midnight (reporting.figures); the total's merge the queues'
    pinned: tuple[str, ...]
    day_start: dt.datetime | None = None  # the queue's local midnight, start of its "today"
    activity: tuple[Activity, ...] = ()

    @property
    def expired_by_reason(self) -> list[Expiry]:
        """Today's expiries by reason, as the figures' columns name them."""
        prefix = "expired_"
        return [
            Expiry(column.key.removeprefix(prefix), column.label, self.today.counts[column.key])
            for column in self.today.columns()
            if column.key.startswith(prefix)
        ]

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
    handled_today: int  # dials ended today in the user's queues (each queue's own today)
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
    zone: dt.tzinfo  # of the times that are no queue's: the server's
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


def _values(overview: QueueOverview | None, today: Figures) -> dict[str, int | float | None]:
    now = {key: getattr(overview, key) if overview else None for key, f in FIGURES.items() if not f.today}
    return now | {key: today.value(key) for key, figure in FIGURES.items() if figure.today}


def _total(panels: list[Panel]) -> Panel:
    """The queues' counts added up, the longest wait of all, their today's figures merged; a wait estimate is
    each queue's own."""

    def present(key: str) -> list[int | float]:
        return [value for panel in panels if (value := panel.values[key]) is not None]

    today = Figures.total(panel.today for panel in panels)
    values = _values(None, today)
    for key, figure in FIGURES.items():
        if figure.kind == "count" and not figure.today:
            values[key] = sum(present(key))
    values["oldest_wait_seconds"] = max(present("oldest_wait_seconds"), default=None)
    return Panel(queue=None, values=values, today=today, pinned=())


def _activity(queues: list[VirtualQueue], now: dt.datetime) -> dict[int, list[Activity]]:
    """The latest state changes of each queue: each queue's newest few of the last day.

    A short walk per queue of the events back from the newest, so a busy queue
    does not crowd a quiet one out and the events of a long history are never
    sorted; then those events read in one statement.
    """
    if not queues:
        return {}
    recent = CallbackEvent.objects.filter(created_at__gte=now - dt.timedelta(hours=ACTIVITY_HOURS))
    # Newest first by time, so each walk is of the event_time index and stops at the day's start
    # even for a queue with nothing in it; by id it would read a quiet queue's whole history.
    # The ids first, a short read per queue: an OR of IN subqueries would make PostgreSQL scan every
    # event, and SQLite allows no LIMIT inside a UNION.
    latest = [
        pk
        for queue in queues
        for pk in recent.filter(callback__queue=queue)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:ACTIVITY_ROWS]
    ]
    rows = (
        CallbackEvent.objects.filter(pk__in=latest)
        .order_by("-created_at", "-id")
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
    """Each queue's panel: its figures now and since its local midnight, and its activity."""
    activity = _activity(queues, now)
    panels = []
    for overview in queue_overviews(queues, now=now):
        queue = overview.queue
        # To the local midnight ahead rather than now: nothing has happened later, and a move made in this
        # very instant counts.
        day_start, day_end = day_bounds(queue, now.astimezone(queue.time_zone).date())
        today = figures_between(queue, day_start, day_end)
        panels.append(
            Panel(
                queue=queue,
                values=_values(overview, today),
                today=today,
                pinned=tuple(pins.get(queue.slug, ())),
                day_start=day_start,
                activity=tuple(activity[queue.pk]),
            )
        )
    return panels


# -- the roster -----------------------------------------------------------------------------------


def roster(queues: list[Panel], *, now: dt.datetime) -> list[RosterEntry]:
    """Every agent serving one of the queues, with the callback they hold there and their dials today.

    Three statements however many agents: the agents, their queues, their held
    callbacks; the dials are counted in each queue's figures of today.
    """
    visible = [panel.queue for panel in queues if panel.queue is not None]
    agents = (
        Agent.objects.filter(queues__in=visible)
        .distinct()
        .select_related("user")
        .prefetch_related(
            Prefetch("queues", VirtualQueue.objects.filter(pk__in=[q.pk for q in visible]), to_attr="visible_queues"),
            Prefetch(
                "callbacks",
                Callback.objects.filter(state__in=HELD_STATES, queue__in=visible).select_related("queue"),
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
            handled_today=sum(
                panel.today.agents[agent.pk].value("handled") or 0 for panel in queues if agent.pk in panel.today.agents
            ),
            status_seconds=max(0, round((now - agent.status_changed_at).total_seconds())),
        )
        for agent in agents
    ]


# -- the whole dashboard --------------------------------------------------------------------------


def live_figures(user, *, now: dt.datetime | None = None) -> LiveDashboard:
    """What the user's live dashboard shows now; PermissionDenied without ``view_reports``."""
    now = now or timezone.now()
    queues = list(report_queues(user).prefetch_related("required_skills"))
    chosen, customised = pinned_panels(user, queues)
    pins = {panel["queue"]: panel["figures"] for panel in chosen}
    panels = live_queues(queues, now=now, pins=pins)
    total = replace(_total(panels), pinned=tuple(pins.get(None, ())))
    by_slug = {panel.queue.slug: panel for panel in panels if panel.queue is not None}
    return LiveDashboard(
        now=now,
        queues=panels,
        total=total,
        panels=[total if pin["queue"] is None else by_slug[pin["queue"]] for pin in chosen],
        pins=chosen,
        roster=roster(panels, now=now),
        zone=timezone.get_current_timezone(),
        customised=customised,
    )
