"""A queue's figures over a period, computed from the event log; additive, so days and queues merge into a range.

Each fact counts once, in the period of the event that decided it (an instant,
so an hour's, a day's and a range's figures agree): a callback is offered when
it is created, completed/failed/canceled/expired when it ends (a callback asked
for before local midnight and completed after it counts as offered on the first
day and completed on the second), a promise is judged at its first dial, a wait,
a handle time and the service level when the callback ends. The queue's targets
(service level seconds, promise tolerance) are those it has when the period is
computed: a rolled day keeps the targets of its roll-up.

Definitions (``Figures.value(key)``; shares are 0..1, None without a denominator):

- ``offered``: callbacks created; ``offered_<channel>`` by channel; ``offered_scheduled`` those created
  with a desired time (read from the first reschedule's previous time when moved since, so a later move does
  not change a finished day), ``offered_immediate`` the others.
- ``refused``: bookings the rules refused (``RejectionRecord``, creates only); ``refused_<code>`` by code.
- ``completed``; ``failed``, ``failed_<outcome>`` by the last dial's outcome; ``expired``, ``expired_<reason>``.
- ``canceled_by_staff``: cancels whose actor is staff; ``canceled_by_customer``: every other cancel (the
  customer's own, or a customer who declined on the call, which the agent records).
- ``attempts_per_completed``: dials of the callbacks completed in the period, per completed callback.
- ``first_attempt_success_share``: completed on the first dial, among the callbacks that ended in the period
  after at least one dial (never dialled ones are not a first attempt's failure).
- ``wait_avg_seconds``, ``wait_p90_seconds``: the **true wait** of callbacks completed in the period, from the
  request (created) to the customer connected (the start of the connected dial), immediate and scheduled alike.
  The p90 is the upper edge of the histogram bucket holding the 90th percentile (nearest rank): buckets of
  5 s up to 2 min, 15 s up to 10 min, 1 min up to 2 h, 15 min beyond (``wait_bucket``), so it reads at most
  one bucket high.
- ``promises_kept_{2,5,15}m_share``, ``promises_within_tolerance_share``: scheduled callbacks first dialled
  in the period (the desired time as it was then) whose first dial was within ±2, ±5, ±15 minutes, or
  ±``queue.promise_tolerance_minutes``, of it. Never dialled ones show under expired or canceled.
  ``late_avg_seconds``, ``late_max_seconds``: how late the late ones were (first dialled more than the
  tolerance after the desired time), from the desired time.
- ``service_level_share``: immediate callbacks that ended in the period (connected ones end then too)
  connected within ``queue.service_level_seconds`` of asking, among all immediate callbacks that ended,
  however they ended. Immediate here: with no desired time when it ended (one moved to a time since it was
  asked for is judged as a promise instead).
- ``aht_seconds``: average duration of the connected dials that ended in the period.
- Per agent (``AgentFigures``): dials that ended in the period (``handled``), of them connected
  (``completed``), and their average handle time.
- The widget funnel: page views (widget sessions) of the queue's widgets, each counted in the period of its
  first event (a page view is taken to last less than a day), by the furthest step reached:
  ``opened`` → ``submitted`` → ``booked`` (the widget's ``scheduled`` step: a callback booked).
"""

import bisect
import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Min, Q

from callbacks.models import Attempt, CallbackEvent, Channel, Outcome, RejectionRecord
from callbacks.reasons import reason_label
from queues.models import VirtualQueue
from rules.models import RejectionCode

from .models import WidgetEvent

Actor = CallbackEvent.Actor
# The moves that end a dial (and its Attempt row); a cancel may end none.
DIAL_ENDINGS = ("completed", "retry_scheduled", "failed", "canceled")
PROMISE_MINUTES = (2, 5, 15)
FUNNEL_STEPS = (("opened", "Opened the widget"), ("submitted", "Submitted the form"), ("booked", "Booked a callback"))
# The widget's lifecycle step names (callbacks/widget/src/lifecycle.js) for each funnel step.
WIDGET_STEP = {"opened": "opened", "submitted": "submitted", "scheduled": "booked"}
PAGE_VIEW = dt.timedelta(days=1)


def wait_bucket(seconds: float) -> int:
    """The upper edge (seconds) of the wait histogram's bucket holding ``seconds``: buckets are (edge - width, edge]."""
    for top, width, base in ((120, 5, 0), (600, 15, 120), (7200, 60, 600)):
        if seconds <= top:
            return base + max(1, math.ceil((seconds - base) / width)) * width
    return 7200 + math.ceil((seconds - 7200) / 900) * 900


# Derived figures: (counter, denominator's counter).
SHARES = {
    "first_attempt_success_share": ("completed_first_attempt", "ended_after_attempt"),
    "service_level_share": ("service_level_met", "service_level_base"),
    "promises_within_tolerance_share": ("promises_tolerance", "promises"),
    **{f"promises_kept_{m}m_share": (f"promises_{m}m", "promises") for m in PROMISE_MINUTES},
}
AVERAGES = {
    "wait_avg_seconds": ("wait_seconds", "waits"),
    "late_avg_seconds": ("late_seconds", "late"),
    "aht_seconds": ("handle_seconds", "connected_dials"),
}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _average(total: int, count: int) -> int | None:
    return round(total / count) if count else None


@dataclass(frozen=True)
class Column:
    key: str  # CSV header, snake_case
    label: str  # table header
    kind: str  # "count" | "share" (0..1 or None) | "seconds" (int or None) | "number" (float or None)
    group: str  # "Offered", "Refused", "Outcomes", "Wait", "Promises", "Handling"


FIXED_COLUMNS = [
    Column("offered", "Offered", "count", "Offered"),
    Column("offered_immediate", "Immediate", "count", "Offered"),
    Column("offered_scheduled", "Scheduled", "count", "Offered"),
    Column("refused", "Refused", "count", "Refused"),
    Column("completed", "Completed", "count", "Outcomes"),
    Column("failed", "Failed", "count", "Outcomes"),
    Column("canceled_by_customer", "Canceled by customer", "count", "Outcomes"),
    Column("canceled_by_staff", "Canceled by staff", "count", "Outcomes"),
    Column("expired", "Expired", "count", "Outcomes"),
    Column("attempts_per_completed", "Attempts per completed", "number", "Outcomes"),
    Column("first_attempt_success_share", "First-attempt success", "share", "Outcomes"),
    Column("wait_avg_seconds", "True wait, average", "seconds", "Wait"),
    Column("wait_p90_seconds", "True wait, 90th percentile", "seconds", "Wait"),
    Column("service_level_share", "Service level", "share", "Wait"),
    Column("promises_kept_2m_share", "Promises kept ±2 min", "share", "Promises"),
    Column("promises_kept_5m_share", "Promises kept ±5 min", "share", "Promises"),
    Column("promises_kept_15m_share", "Promises kept ±15 min", "share", "Promises"),
    Column("promises_within_tolerance_share", "Promises within tolerance", "share", "Promises"),
    Column("late_avg_seconds", "Late by, average", "seconds", "Promises"),
    Column("late_max_seconds", "Late by, at most", "seconds", "Promises"),
    Column("aht_seconds", "Average handle time", "seconds", "Handling"),
]
# The by-kind counts, after their total: (prefix, group, total's column, label of a kind).
DYNAMIC = (
    ("offered_", "Offered", "offered_scheduled", lambda kind: f"Offered: {Channel(kind).label}"),
    ("refused_", "Refused", "refused", lambda kind: f"Refused: {RejectionCode(kind).label}"),
    ("failed_", "Outcomes", "failed", lambda kind: f"Failed: {reason_label(kind)}"),
    ("expired_", "Outcomes", "expired", lambda kind: f"Expired: {reason_label(kind)}"),
)
AGENT_COLUMNS = [
    Column("handled", "Dials", "count", "Handling"),
    Column("completed", "Connected", "count", "Handling"),
    Column("aht_seconds", "Average handle time", "seconds", "Handling"),
]


def _kinds(prefix: str, counts: Counter) -> list[str]:
    if prefix == "offered_":
        return [channel for channel in Channel.values if counts[prefix + channel]]
    fixed = {column.key for column in FIXED_COLUMNS}
    return sorted(key.removeprefix(prefix) for key in counts if key.startswith(prefix) and key not in fixed)


@dataclass
class AgentFigures:
    """One agent's counts: ``handled`` (dials ended), ``completed`` (connected), ``handle_seconds`` (of those)."""

    counts: Counter = field(default_factory=Counter)

    def value(self, key: str) -> int | None:
        if key == "aht_seconds":
            return _average(self.counts["handle_seconds"], self.counts["completed"])
        return self.counts[key]


@dataclass
class Figures:
    """Counters (and the wait histogram, the largest lateness, per-agent counts) that add up across periods.

    ``to_json`` is what ``Rollup.figures`` holds; ``value(key)`` derives each column's figure from them.
    """

    counts: Counter = field(default_factory=Counter)
    wait_histogram: Counter = field(default_factory=Counter)  # bucket's upper edge in seconds (wait_bucket) → waits
    late_max_seconds: int | None = None
    agents: dict[int, AgentFigures] = field(default_factory=dict)

    def merge(self, other: "Figures") -> "Figures":
        """These figures and ``other`` together, as one period: neither is changed."""
        return Figures.total((self, other))

    def add(self, other: "Figures") -> None:
        """Add ``other`` into these figures (a report's totals: no copy per row)."""
        for into, counts in ((self.counts, other.counts), (self.wait_histogram, other.wait_histogram)):
            for key, n in counts.items():
                into[key] += n
        for pk, theirs in other.agents.items():
            mine = self.agents.setdefault(pk, AgentFigures()).counts
            for key, n in theirs.counts.items():
                mine[key] += n
        if other.late_max_seconds is not None:
            self.late_max_seconds = max(self.late_max_seconds or 0, other.late_max_seconds)

    @classmethod
    def total(cls, many) -> "Figures":
        total = cls()
        for figures in many:
            total.add(figures)
        return total

    def to_json(self) -> dict:
        return {
            "counts": dict(+self.counts),  # without the zeros
            # Pairs, not an object: JSON's keys are strings, and a report turns them back into numbers once per row.
            "wait_histogram": sorted(self.wait_histogram.items()),
            "late_max_seconds": self.late_max_seconds,
            "agents": {str(pk): dict(+agent.counts) for pk, agent in self.agents.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Figures":
        return cls(
            counts=Counter(data.get("counts", {})),
            wait_histogram=Counter(dict(data.get("wait_histogram", []))),
            late_max_seconds=data.get("late_max_seconds"),
            agents={int(pk): AgentFigures(Counter(counts)) for pk, counts in data.get("agents", {}).items()},
        )

    def _wait_p90(self) -> int | None:
        rank, seen = math.ceil(0.9 * sum(self.wait_histogram.values())), 0
        for edge in sorted(self.wait_histogram):
            seen += self.wait_histogram[edge]
            if rank and seen >= rank:
                return edge
        return None

    def value(self, key: str) -> int | float | None:
        c = self.counts
        if key in SHARES:
            part, whole = SHARES[key]
            return _share(c[part], c[whole])
        if key in AVERAGES:
            total, count = AVERAGES[key]
            return _average(c[total], c[count])
        if key == "attempts_per_completed":
            return c["attempts_of_completed"] / c["completed"] if c["completed"] else None
        if key == "wait_p90_seconds":
            return self._wait_p90()
        if key == "late_max_seconds":
            return self.late_max_seconds
        return c[key]

    def columns(self) -> list[Column]:
        """The fixed columns, each by-kind count after its total, for the kinds that occur in these figures."""
        columns = list(FIXED_COLUMNS)
        for prefix, group, after, label in DYNAMIC:
            at = next(i for i, column in enumerate(columns) if column.key == after) + 1
            kinds = [
                Column(prefix + kind, _label_or_code(label, kind), "count", group)
                for kind in _kinds(prefix, self.counts)
            ]
            columns[at:at] = kinds
        return columns


def _label_or_code(label, kind: str) -> str:
    try:
        return label(kind)
    except ValueError:  # a code no longer in the choices: shown as written
        return kind


def figures_between(queue: VirtualQueue, start: dt.datetime, end: dt.datetime) -> Figures:
    """The queue's figures over [start, end)."""
    return figures_by_period(queue, [(start, end)])[0]


def figures_by_period(queue: VirtualQueue, periods: list[tuple[dt.datetime, dt.datetime]]) -> list[Figures]:
    """The queue's figures in each of ``periods`` (contiguous, in order), from one read of the whole span."""
    return _Tally(queue, periods).figures()


class _Tally:
    """Reads the span's rows once (a handful of statements) and counts each fact in the period of its instant."""

    def __init__(self, queue: VirtualQueue, periods: list[tuple[dt.datetime, dt.datetime]]):
        self.queue, self.periods = queue, periods
        self.start, self.end = periods[0][0], periods[-1][1]
        self.result = [Figures() for _ in periods]
        self.starts = [start for start, _ in periods]

    def at(self, instant: dt.datetime | None) -> Figures:
        """The figures of the period holding ``instant``; every row is read within the span (contiguous periods)."""
        assert instant is not None and self.start <= instant < self.end, f"{instant} is outside the periods read"
        return self.result[bisect.bisect_right(self.starts, instant) - 1]

    def figures(self) -> list[Figures]:
        span = Q(created_at__gte=self.start, created_at__lt=self.end)
        first_dial = Q(type="started", metadata__attempt=1)
        events = list(
            CallbackEvent.objects.filter(span, callback__queue=self.queue)
            .filter(Q(type__in=(*DIAL_ENDINGS, "created", "expired")) | first_dial)
            .order_by("id")
            .values(
                "callback_id", "type", "created_at", "actor", "reason", "callback__created_at",
                "callback__desired_time", "callback__channel", "callback__attempts", "callback__outcome",
            )
        )  # fmt: skip
        moves = self._reschedules({event["callback_id"] for event in events})
        connected = self._dials({event["callback_id"] for event in events if event["type"] in DIAL_ENDINGS})
        for event in events:
            if event["type"] != "retry_scheduled":
                self._event(self.at(event["created_at"]), event, moves.get(event["callback_id"], []), connected)
        self._refusals()
        self._funnel()
        return self.result

    def _reschedules(self, callback_ids: set[int]) -> dict[int, list[tuple[dt.datetime, dt.datetime | None]]]:
        """Each callback's desired times after each move, with the time it had before the first (index 0)."""
        moves: dict[int, list] = {}
        rows = CallbackEvent.objects.filter(callback_id__in=callback_ids, type="rescheduled").order_by("id")
        for callback_id, at, metadata in rows.values_list("callback_id", "created_at", "metadata"):
            history = moves.setdefault(callback_id, [(None, _parse(metadata.get("previous_desired_time")))])
            history.append((at, _parse(metadata.get("desired_time"))))
        return moves

    def _event(self, figures: Figures, event: Mapping[str, Any], moves: list, connected: dict) -> None:
        c, kind = figures.counts, event["type"]
        asked = event["callback__created_at"]
        at = event["created_at"]
        # The desired time as it was at the event: the callback's own unless moved since.
        desired = event["callback__desired_time"]
        if moves:
            desired = [time for moved_at, time in moves if moved_at is None or moved_at <= at][-1]
        original = moves[0][1] if moves else event["callback__desired_time"]
        if kind == "created":
            c["offered"] += 1
            c["offered_" + event["callback__channel"]] += 1
            c["offered_scheduled" if original else "offered_immediate"] += 1
        elif kind == "started":
            if desired is not None:
                self._promise(figures, (at - desired).total_seconds())
        else:
            attempts, wait = event["callback__attempts"], None
            if kind == "completed":
                c["completed"] += 1
                c["attempts_of_completed"] += attempts
                c["completed_first_attempt"] += attempts == 1
                wait = (connected[event["callback_id"]] - asked).total_seconds()
                c["waits"] += 1
                c["wait_seconds"] += round(wait)
                figures.wait_histogram[wait_bucket(wait)] += 1
            elif kind == "failed":
                c["failed"] += 1
                c["failed_" + (event["callback__outcome"] or event["reason"])] += 1
            elif kind == "canceled":
                c["canceled_by_staff" if event["actor"] == Actor.STAFF else "canceled_by_customer"] += 1
            else:
                c["expired"] += 1
                c["expired_" + event["reason"]] += 1
            c["ended_after_attempt"] += attempts >= 1
            if desired is None:
                c["service_level_base"] += 1
                c["service_level_met"] += wait is not None and wait <= self.queue.service_level_seconds

    def _promise(self, figures: Figures, offset: float) -> None:
        c = figures.counts
        c["promises"] += 1
        for minutes in PROMISE_MINUTES:
            c[f"promises_{minutes}m"] += abs(offset) <= minutes * 60
        tolerance = self.queue.promise_tolerance_minutes * 60
        c["promises_tolerance"] += abs(offset) <= tolerance
        if offset > tolerance:
            c["late"] += 1
            c["late_seconds"] += round(offset)
            figures.late_max_seconds = max(figures.late_max_seconds or 0, round(offset))

    def _dials(self, callback_ids: set[int]) -> dict[int, dt.datetime]:
        """Count the dials that ended in the span, by agent; returns when each connected one began, by callback.

        Found through the events that end them (attempts have no index on their end).
        """
        connected = {}
        dials = Attempt.objects.filter(
            callback_id__in=callback_ids, ended_at__gte=self.start, ended_at__lt=self.end
        ).values_list("callback_id", "agent_id", "started_at", "ended_at", "outcome")
        for callback_id, agent_id, started, ended, outcome in dials:
            figures = self.at(ended)
            assert ended is not None  # read by its end
            seconds = round((ended - started).total_seconds())
            agent = figures.agents.setdefault(agent_id or 0, AgentFigures())
            agent.counts["handled"] += 1
            if outcome == Outcome.CONNECTED:
                connected[callback_id] = started
                figures.counts["connected_dials"] += 1
                figures.counts["handle_seconds"] += seconds
                agent.counts["completed"] += 1
                agent.counts["handle_seconds"] += seconds
        return connected

    def _refusals(self) -> None:
        refusals = RejectionRecord.objects.filter(
            queue=self.queue,
            action=RejectionRecord.Action.CREATE,
            created_at__gte=self.start,
            created_at__lt=self.end,
        ).values_list("created_at", "code")
        for at, code in refusals:
            counts = self.at(at).counts
            counts["refused"] += 1
            counts["refused_" + code] += 1

    def _funnel(self) -> None:
        # A page view that began in the span may end after it, and one that began before may reach into it: read a
        # day either side, then count each by its first event.
        views = (
            WidgetEvent.objects.filter(
                widget__queue=self.queue, occurred_at__gte=self.start - PAGE_VIEW, occurred_at__lt=self.end + PAGE_VIEW
            )
            .values("widget_id", "session")
            .order_by()
            .annotate(
                first=Min("occurred_at"),
                **{step: Max("id", filter=Q(name=name)) for name, step in WIDGET_STEP.items()},
            )
            # django-stubs knows no annotation in filter().
            .filter(first__gte=self.start, first__lt=self.end)  # type: ignore[misc]
        )
        for view in views:
            reached = [step for step, _ in FUNNEL_STEPS if view[step] is not None]
            if reached:
                furthest = max(reached, key=[step for step, _ in FUNNEL_STEPS].index)
                self.at(view["first"]).counts["funnel_" + furthest] += 1


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
