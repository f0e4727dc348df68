"""The historical report: a range of local days of one or more queues, by day or by hour.

Finished days are read from their ``Rollup`` rows; today, and any finished day
not rolled yet, are computed from the events by the same code that rolls them
(``rollups.days_figures``), so a rolled day and a live one cannot differ.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from django.utils import timezone

from queues.hours import day_bounds
from queues.models import Agent, VirtualQueue

from .figures import AGENT_COLUMNS, FUNNEL_STEPS, AgentFigures, Column, Figures
from .models import Rollup
from .rollups import days_figures, local_hours

MAX_DAYS = 366
MAX_HOUR_DAYS = 31
BY = ("day", "hour")


@dataclass(frozen=True)
class ReportRow:
    label: str  # "2026-03-29" or "2026-03-29 02:00" (a repeated hour: "2026-10-25 02:00 CET"), local to the queues
    period_start: dt.datetime  # aware, in the (first) queue's zone
    figures: Figures


@dataclass(frozen=True)
class AgentRow:
    agent_name: str
    figures: AgentFigures


@dataclass(frozen=True)
class FunnelStep:
    name: str
    label: str
    sessions: int  # page views that reached this step or a later one
    share_of_previous: float | None
    left: int  # page views whose furthest step this was: where people leave


@dataclass(frozen=True)
class Report:
    queues: list[VirtualQueue]
    start: dt.date
    end: dt.date
    by: str
    time_zone_label: str  # the queues' zone, or "each queue's own zone"
    columns: list[Column]
    rows: list[ReportRow]
    total: Figures
    agent_columns: list[Column]
    agents: list[AgentRow]
    funnel: list[FunnelStep]


def report_period_errors(start: dt.date | None, end: dt.date | None, by: str | None) -> dict[str, str]:
    """What is wrong with a report's period, by field; empty when nothing. The page, the API and the command agree."""
    errors = {}
    if by not in BY:
        errors["by"] = "Choose “day” or “hour”."
    if start is None:
        errors["start"] = "Give the first day, as YYYY-MM-DD."
    if end is None:
        errors["end"] = "Give the last day, as YYYY-MM-DD."
    if start is None or end is None:
        return errors
    days = (end - start).days + 1
    if days < 1:
        errors["end"] = "The last day is before the first."
    elif days > MAX_DAYS:
        errors["end"] = f"At most {MAX_DAYS} days at a time."
    elif by == "hour" and days > MAX_HOUR_DAYS:
        errors["by"] = f"By hour, at most {MAX_HOUR_DAYS} days at a time; choose by day for a longer range."
    return errors


def _label(start: dt.datetime, queue: VirtualQueue, by: str) -> tuple[str, tuple]:
    """A period's row label and the key rows of several queues merge on: the same local date or local hour."""
    local = start.astimezone(queue.time_zone)
    if by == "day":
        return local.strftime("%Y-%m-%d"), (local.date(),)
    # The hour a DST change repeats says which one it is by its zone's abbreviation.
    repeated = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    label = local.strftime("%Y-%m-%d %H:%M") + (f" {local.tzname()}" if repeated else "")
    return label, (local.date(), local.hour, local.fold)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _periods(queue: VirtualQueue, days: list[dt.date], by: str, now: dt.datetime, rolled: dict) -> list:
    """The queue's (period start, figures) over ``days``: rolled rows where there are; each run of days without
    (today, days not rolled yet) computed from one read; days not begun are empty, without a read."""
    periods: list[tuple[dt.datetime, Figures]] = []
    run: list[dt.date] = []

    def computed() -> None:
        if not run:
            return
        for day, (total, hours) in zip(run, days_figures(queue, run), strict=True):
            if by == "day":
                periods.append((day_bounds(queue, day)[0], total))
            else:
                periods.extend(
                    (start, figures) for (start, _), figures in zip(local_hours(queue, day), hours, strict=True)
                )
        run.clear()

    for day in days:
        if (queue.pk, day) in rolled:
            computed()
            periods += rolled[queue.pk, day]
        elif day_bounds(queue, day)[0] > now:
            computed()
            bounds = [day_bounds(queue, day)] if by == "day" else local_hours(queue, day)
            periods += [(start, Figures()) for start, _ in bounds]
        else:
            run.append(day)
    computed()
    return periods


def report_build(
    *,
    queues: list[VirtualQueue],
    start: dt.date,
    end: dt.date,
    by: Literal["day", "hour"],
    now: dt.datetime | None = None,
) -> Report:
    """The report of ``queues`` (already limited to what the user may see) from ``start`` to ``end``, local days.

    Several queues: a row merges the same local date (or local hour) of each queue, each in its own zone.
    The caller checks the period with ``report_period_errors`` first.
    """
    now = now or timezone.now()
    queues = list(queues)
    days = _days(start, end)
    rolled: dict[tuple[int, dt.date], list] = defaultdict(list)
    # One read for every finished day in range; those without rows (today, not rolled yet) are computed.
    rollups = Rollup.objects.filter(queue__in=queues, grain=by, local_date__gte=start, local_date__lte=end)
    for queue_id, local_date, period_start, figures in rollups.values_list(
        "queue_id", "local_date", "period_start", "figures"
    ):
        rolled[queue_id, local_date].append((period_start, Figures.from_json(figures)))
    merged: dict[tuple, tuple[str, dt.datetime, Figures]] = {}
    for queue in queues:
        for period_start, figures in _periods(queue, days, by, now, rolled):
            label, key = _label(period_start, queue, by)
            if key not in merged:
                merged[key] = (label, period_start.astimezone(queue.time_zone), Figures())
            merged[key][2].add(figures)
    rows = [ReportRow(label, period_start, figures) for _, (label, period_start, figures) in sorted(merged.items())]
    total = Figures.total(row.figures for row in rows)
    zones = {str(queue.time_zone) for queue in queues}
    return Report(
        queues=queues,
        start=start,
        end=end,
        by=by,
        time_zone_label=zones.pop() if len(zones) == 1 else "each queue's own zone",
        columns=total.columns(),
        rows=rows,
        total=total,
        agent_columns=AGENT_COLUMNS,
        agents=_agents(total),
        funnel=_funnel(total),
    )


def _agents(total: Figures) -> list[AgentRow]:
    names = {
        agent.pk: agent.user.get_full_name() or agent.user.get_username()
        for agent in Agent.objects.filter(pk__in=total.agents).select_related("user")
    }
    rows = [
        AgentRow(names.get(pk, "Agent no longer on file"), figures)
        for pk, figures in total.agents.items()
        if figures.counts["handled"]
    ]
    return sorted(rows, key=lambda row: row.agent_name.casefold())


def _funnel(total: Figures) -> list[FunnelStep]:
    steps: list[FunnelStep] = []
    previous = 0
    for at, (name, label) in enumerate(FUNNEL_STEPS):
        sessions = sum(total.counts["funnel_" + later] for later, _ in FUNNEL_STEPS[at:])
        share = sessions / previous if at and previous else None
        steps.append(FunnelStep(name, label, sessions, share, total.counts["funnel_" + name]))
        previous = sessions
    return steps
