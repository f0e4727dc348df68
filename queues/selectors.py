"""Reads about queues: who can serve them, when a customer can book."""

import bisect
import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from . import calling
from .hours import day_bounds, is_open, open_ranges
from .models import Agent, VirtualQueue

MAX_TIME = dt.datetime.max.replace(tzinfo=dt.UTC)


def agents_able_to_serve(queue: VirtualQueue) -> QuerySet[Agent]:
    """Agents who serve the queue and hold every required skill at its minimum level."""
    agents = Agent.objects.filter(queues=queue)
    for required in queue.required_skills.all():
        # One join per requirement: each must be met by some skill row of the agent.
        agents = agents.filter(skill_levels__skill_id=required.skill_id, skill_levels__level__gte=required.min_level)
    return agents.distinct()


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime


def bookable_slots(
    queue: VirtualQueue,
    *,
    start: dt.date,
    days: int,
    max_slots: int,
    now: dt.datetime | None = None,
    reach: calling.Reach | None = None,
) -> list[Slot]:
    """Slots inside office hours and wholly inside the customer's calling window (``reach``; the queue's
    window in its own zone when None), from the local date ``start`` for ``days`` days, never past the horizon."""
    now = now or timezone.now()
    reach = reach or calling.reach(queue)
    step = dt.timedelta(minutes=queue.slot_minutes)
    today = now.astimezone(queue.time_zone).date()
    horizon = today + dt.timedelta(days=queue.booking_horizon_days)
    if start > horizon:  # nothing to offer; and a start near date.max would overflow below
        return []
    last_day = min(start + dt.timedelta(days=days - 1), horizon)
    first_day = max(start, today)
    # The window once for the whole range: a slot is offered when one callable period holds all of it.
    window = calling.callable_periods(reach, day_bounds(queue, first_day)[0], day_bounds(queue, last_day)[1])
    slots: list[Slot] = []
    day = first_day
    while day <= last_day and len(slots) < max_slots:
        for opens, closes in open_ranges(queue, day):
            begin = opens
            while begin + step <= closes and len(slots) < max_slots:
                if begin > now and _inside(window, begin, begin + step):
                    slots.append(Slot(begin, begin + step))
                begin += step
        day += dt.timedelta(days=1)
    return slots


def _inside(periods: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> bool:
    i = bisect.bisect_right(periods, (start, MAX_TIME)) - 1
    return i >= 0 and periods[i][0] <= start and end <= periods[i][1]


def bookable_error(queue: VirtualQueue, desired_time: dt.datetime, *, now: dt.datetime | None = None) -> str | None:
    """Why a customer cannot ask to be called at ``desired_time``, or None when they can."""
    now = now or timezone.now()
    if desired_time <= now:
        return "The desired time is in the past."
    if desired_time > now + dt.timedelta(days=queue.booking_horizon_days):
        return f"Callbacks can be booked at most {queue.booking_horizon_days} days ahead."
    if not is_open(queue, desired_time):
        return "We are closed at that time; please pick one of the offered slots."
    return None


def agent_by_username(username: str) -> Agent | None:
    return Agent.objects.select_related("user").filter(user__username=username).first()


def limited_to_lines(user) -> bool:
    """Whether the user sees only the queues of their lines of business: superusers and staff in none see all."""
    return not user.is_superuser and user.lines_of_business.exists()


def queues_visible_to(user) -> QuerySet[VirtualQueue]:
    """The queues a member of staff may see and act on: their lines of business, or all when they have none."""
    if not limited_to_lines(user):
        return VirtualQueue.objects.all()
    return VirtualQueue.objects.filter(lines_of_business__members=user).distinct()
