"""Reads for the troubleshooting page: what went wrong lately, where widgets may run, how queues are set up.

Everything is limited to the queues the user may see (lines of business).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from callbacks.lifecycle import TRANSITIONS
from callbacks.models import ApiProblem, CallbackEvent, RejectionRecord, Widget
from queues.models import OfficeHours, VirtualQueue, clock_range
from queues.selectors import agents_able_to_serve, queues_visible_to
from rules.models import QueueRules

RECENT_DAYS = 7
LATEST = 50


@dataclass(frozen=True)
class Problem:
    """One refusal of either kind, for one list: a rule's rejection or an API problem."""

    at: dt.datetime
    kind: str
    code: str
    where: str
    detail: str


@dataclass(frozen=True)
class QueueSetup:
    queue: VirtualQueue
    hours: list[str]
    closed_dates: list[dt.date]
    required_skills: list[str]
    slot_capacity: int | None
    daily_capacity: int | None
    agents_able: int
    warnings: list[str] = field(default_factory=list)


def recent_problems(user, *, now: dt.datetime | None = None) -> dict:
    """Counts by code and kind over the last days, and the latest of both kinds merged, newest first."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    queues = queues_visible_to(user)
    rejections = RejectionRecord.objects.filter(created_at__gte=since, queue__in=queues)
    # A problem refused before any widget was known (an unknown path) is nobody's queue: shown to all.
    problems = ApiProblem.objects.filter(created_at__gte=since).filter(
        Q(widget__isnull=True) | Q(widget__queue__in=queues)
    )
    latest = [
        Problem(r.created_at, "Rule", r.code, str(r.queue or "—"), r.message)
        for r in rejections.select_related("queue").order_by("-created_at")[:LATEST]
    ]
    latest += [
        Problem(p.created_at, p.get_kind_display(), p.kind, str(p.widget or p.path), p.detail or p.origin)
        for p in problems.select_related("widget").order_by("-created_at")[:LATEST]
    ]
    expiries = CallbackEvent.objects.filter(
        type=TRANSITIONS["expire"].event, created_at__gte=since, callback__queue__in=queues
    )
    return {
        "days": RECENT_DAYS,
        "by_code": list(rejections.values("code").annotate(count=Count("pk")).order_by("-count", "code")),
        # Expired callbacks are promises not kept: why, so a queue whose customers' windows close on them shows.
        "expiries": list(expiries.values("reason").annotate(count=Count("pk")).order_by("-count", "reason")),
        "by_kind": [
            {"kind": ApiProblem.Kind(row["kind"]).label, "count": row["count"]}
            for row in problems.values("kind").annotate(count=Count("pk")).order_by("-count", "kind")
        ],
        "latest": sorted(latest, key=lambda problem: problem.at, reverse=True)[:LATEST],
    }


def widgets_visible_to(user):
    return Widget.objects.filter(queue__in=queues_visible_to(user)).select_related("queue").order_by("name")


def widget_warnings(widget: Widget) -> list[str]:
    warnings = []
    if widget.active and not widget.origins:
        warnings.append("No allowed origin: browsers will refuse every call from a website.")
    if widget.active and not widget.queue.active:
        warnings.append("Books into an inactive queue: customers are refused.")
    if any(
        origin.startswith("http://") and "localhost" not in origin and "127.0.0.1" not in origin
        for origin in widget.origins
    ):
        warnings.append("An origin uses plain http: customers' details would cross the internet unencrypted.")
    return warnings


def queue_setups(user) -> list[QueueSetup]:
    queues = queues_visible_to(user).prefetch_related(
        Prefetch("office_hours", OfficeHours.objects.order_by("weekday", "opens")),
        "closed_dates",
        "required_skills__skill",
    )
    rules = {r.queue_id: r for r in QueueRules.objects.filter(queue__in=queues)}
    today = timezone.now().date()
    setups = []
    for queue in queues:
        queue_rules = rules.get(queue.pk)
        able = agents_able_to_serve(queue).count()
        hours = [str(h) for h in queue.office_hours.all()]
        slot_capacity = queue_rules.slot_capacity if queue_rules else None
        warnings = []
        if not able:
            warnings.append(
                "No agent serves this queue with its required skills: its callbacks will wait until they expire."
            )
        if not hours:
            warnings.append("No office hours: the queue is open around the clock.")
        if slot_capacity == 0:
            warnings.append("Capacity 0 per slot: no time slot can be booked.")
        if queue_rules and queue_rules.daily_capacity == 0:
            warnings.append("Capacity 0 per day: no callback can be booked.")
        if not queue.active:
            warnings.append("Inactive: every request is refused.")
        if outside := hours_outside_window(queue):
            window = clock_range(queue.calling_window_start, queue.calling_window_end)
            warnings.append(
                f"Office hours reach outside the calling window ({window}): {outside}. Customers may "
                f"not be called then, so those hours offer no slot and immediate requests wait for "
                f"the window."
            )
        setups.append(
            QueueSetup(
                queue=queue,
                hours=hours,
                closed_dates=[closed.date for closed in queue.closed_dates.all() if closed.date >= today],
                required_skills=[str(required) for required in queue.required_skills.all()],
                slot_capacity=slot_capacity,
                daily_capacity=queue_rules.daily_capacity if queue_rules else None,
                agents_able=able,
                warnings=warnings,
            )
        )
    return setups


def hours_outside_window(queue: VirtualQueue) -> str:
    """The office hours of the queue (its own zone) during which its own customers may not be called, in words."""
    start, end = queue.calling_window_start, queue.calling_window_end
    window_all_day = start == dt.time(0) and end == dt.time(0)
    hours = list(queue.office_hours.all())
    if window_all_day:
        return ""
    if not hours:
        return "open around the clock"

    def past_end(closes: dt.time) -> bool:
        return end != dt.time(0) and (closes == dt.time(0) or closes > end)

    return ", ".join(str(h) for h in hours if h.opens < start or past_end(h.closes))
