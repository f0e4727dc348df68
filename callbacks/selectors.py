"""Reads about callbacks."""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from callbackproject.base.cache import cached, forget
from queues import calling, routing
from queues.models import Agent, VirtualQueue
from queues.selectors import agents_able_to_serve, queues_visible_to

from .conf import callback_settings
from .lifecycle import SCHEDULED_AT_OPENING, TRANSITIONS
from .models import ApiKey, Attempt, Callback, CallbackEvent, State, Widget
from .reasons import ENDED_WORDS


def _widget_key(public_key: str) -> str:
    return f"callbacks:widget:{public_key}"


def widget_get(key: str) -> Widget | None:
    """The widget with its queue, kept in the cache until either changes (``callbacks.signals``): every
    request of the widget's customers names it. None for an unknown key is kept too; creating it forgets."""
    return cached(_widget_key(key), lambda: Widget.objects.select_related("queue").filter(public_key=key).first())


def widgets_changed(*public_keys: str) -> None:
    forget(*map(_widget_key, public_keys))


def api_key_get(key: str) -> ApiKey | None:
    """The active API key sent, found by its digest: no key is ever compared as it was typed."""
    return ApiKey.objects.filter(key_digest=ApiKey.digest(key), active=True).first() if key else None


def callback_position(callback: Callback) -> int | None:
    """1 for the next callback an agent takes from the queue; None unless it is waiting in it."""
    if callback.state != State.QUEUED:
        return None
    ahead = Callback.objects.filter(queue_id=callback.queue_id, state=State.QUEUED).filter(
        Q(place_at__lt=callback.place_at) | Q(place_at=callback.place_at, pk__lt=callback.pk)
    )
    return ahead.count() + 1


def queue_waiting_count(queue: VirtualQueue) -> int:
    return Callback.objects.filter(queue=queue, state=State.QUEUED).count()


# -- handle time and the estimated wait ----------------------------------------------------------

LOGGED_IN = (Agent.Status.AVAILABLE, Agent.Status.BUSY)
HANDLE_TIME_SAMPLE = 200


def average_handle_seconds(queue: VirtualQueue, *, now: dt.datetime | None = None) -> float:
    """Mean talk time of the queue's recent completed callbacks, or the configured default with no history."""
    now = now or timezone.now()
    window = now - dt.timedelta(hours=callback_settings.handle_time_window_hours)
    recent = (
        Callback.objects.filter(queue=queue, state=State.COMPLETED, ended_at__gte=window, started_at__isnull=False)
        .order_by("-ended_at")
        .values_list("started_at", "ended_at")[:HANDLE_TIME_SAMPLE]
    )
    # The filter leaves neither time null; checking them again only tells the type checker.
    durations = [(ended - started).total_seconds() for started, ended in recent if started and ended]
    return sum(durations) / len(durations) if durations else float(callback_settings.default_handle_seconds)


@dataclass(frozen=True)
class Staffing:
    """The two figures of a queue's EWT."""

    agents: int  # logged in and able to serve
    handle_seconds: float  # 0 while nobody is logged in: there is no wait to estimate


# Every create and every status read estimates a wait, and both figures move slowly: kept a minute, and
# forgotten at once when the queue's agents log in or out or its skills change (``callbacks.signals``).
STAFFING_TIMEOUT = 60


def _staffing_key(queue_id: int) -> str:
    return f"callbacks:staffing:{queue_id}"


def queue_staffing(queue: VirtualQueue, *, now: dt.datetime | None = None) -> Staffing:
    def read() -> Staffing:
        agents = agents_able_to_serve(queue).filter(status__in=LOGGED_IN).count()
        return Staffing(agents, average_handle_seconds(queue, now=now) if agents else 0.0)

    return cached(_staffing_key(queue.pk), read, timeout=STAFFING_TIMEOUT)


def staffing_changed(*queue_ids: int) -> None:
    forget(*map(_staffing_key, queue_ids))


def estimated_wait_seconds(queue: VirtualQueue, *, position: int, now: dt.datetime | None = None) -> int | None:
    """How long the callback at ``position`` (1 = next) waits for an agent; None when nobody is logged in.

    EWT = ceil(position / logged-in agents able to serve) × average handle time.
    Every agent takes one callback at a time, so the customer waits for as
    many rounds of calls as there are full rows of agents ahead of them.
    """
    staffing = queue_staffing(queue, now=now)
    if not staffing.agents:
        return None
    return round(math.ceil(position / staffing.agents) * staffing.handle_seconds)


def queue_estimated_wait(queue: VirtualQueue) -> int | None:
    """The wait of a customer asking now: behind everyone already queued."""
    return estimated_wait_seconds(queue, position=queue_waiting_count(queue) + 1)


@dataclass(frozen=True)
class QueueStatus:
    waiting: int
    in_service: int  # held by agents: reserved or on the call
    ewt_seconds: int | None  # a customer asking now, behind everyone queued


def queue_status(queue: VirtualQueue, *, now: dt.datetime | None = None) -> QueueStatus:
    counts = Callback.objects.filter(
        queue=queue, state__in=(State.QUEUED, State.ASSIGNED, State.IN_PROGRESS)
    ).aggregate(
        waiting=Count("pk", filter=Q(state=State.QUEUED)), in_service=Count("pk", filter=~Q(state=State.QUEUED))
    )
    ewt = estimated_wait_seconds(queue, position=counts["waiting"] + 1, now=now)
    return QueueStatus(counts["waiting"], counts["in_service"], ewt)


def queue_wait_for_early_release(queue: VirtualQueue) -> int | None:
    """How long a scheduled callback joining now would likely wait: nothing while free agents outnumber the line.

    The EWT formula takes every agent as just starting a call, a safe promise
    to a customer. As a head start it would ring customers early: free agents
    take the first in line at once, and a busy agent is on average half-way
    through their call.
    """
    waiting = queue_waiting_count(queue)
    free = agents_able_to_serve(queue).filter(status=Agent.Status.AVAILABLE).count()
    if waiting < free:
        return 0
    ewt = estimated_wait_seconds(queue, position=waiting + 1 - free)
    return None if ewt is None else max(0, ewt - round(queue_staffing(queue).handle_seconds / 2))


def callback_estimated_wait(callback: Callback) -> int | None:
    position = callback_position(callback)
    return None if position is None else estimated_wait_seconds(callback.queue, position=position)


@dataclass(frozen=True)
class CustomerStatus:
    reason: str | None  # the code of why it is where it is, when that is not plain
    text: str  # in words, for the customer: the widget and the self-service page show it as it is


def callback_customer_status(callback: Callback, *, now: dt.datetime | None = None) -> CustomerStatus:
    """Where the callback is, in words a customer reads, with every time in their own zone."""
    now = now or timezone.now()
    reach = calling.reach_of(callback)

    def at(moment: dt.datetime) -> str:
        return f"{calling.local_time_words(moment, reach.zone, now=now)} your time"

    state = callback.state
    if state in (State.COMPLETED, State.FAILED, State.CANCELED, State.EXPIRED):
        last = callback.events.order_by("-id").values_list("reason", flat=True).first() or ""
        if state == State.COMPLETED:
            return CustomerStatus(None, "Done: we called you.")
        return CustomerStatus(last or None, ENDED_WORDS.get(last, f"{callback.get_state_display()}."))
    if state == State.SCHEDULED:
        assert callback.desired_time is not None  # booked (create, reschedule) for that time
        booked_at_opening = callback.events.filter(type="created", reason=SCHEDULED_AT_OPENING).exists()
        words = f"We will call you around {at(callback.desired_time)}."
        if booked_at_opening:
            return CustomerStatus(
                SCHEDULED_AT_OPENING, f"We could not call you right away, outside your calling hours. {words}"
            )
        return CustomerStatus(None, words)
    if state == State.RETRY_WAIT:
        assert callback.due_at is not None  # callback_due_fits_state
        return CustomerStatus(
            callback.outcome or None, f"We could not reach you; we will try again around {at(callback.due_at)}."
        )
    if state in (State.ASSIGNED, State.IN_PROGRESS):
        return CustomerStatus(
            None, "An agent is calling you now." if state == State.IN_PROGRESS else "An agent is about to call you."
        )
    # Queued: held until the customer's window opens, or met by its closing since it was booked.
    if callback.hold_until and callback.hold_until > now:
        opens: dt.datetime | None = calling.next_callable(reach, callback.hold_until) or callback.hold_until
    else:
        opens = calling.quiet_until(reach, now)
    if opens is not None:
        return CustomerStatus(
            "outside_calling_window",
            f"You are in line; we may not call you now, outside your calling hours. We can call you from {at(opens)}.",
        )
    return CustomerStatus(None, "You are in line; an agent will call you as soon as one is free.")


def callback_with_attempts(callback: Callback) -> Callback:
    """The callback afresh, with its queue and its attempts and their agents, for an agent's card."""
    return (
        Callback.objects.select_related("queue")
        .prefetch_related(Prefetch("dial_attempts", Attempt.objects.select_related("agent__user")))
        .get(pk=callback.pk)
    )


@dataclass(frozen=True)
class QueueLoad:
    queue: VirtualQueue
    waiting: int
    held: int = 0  # of those waiting, kept from agents until their customers' calling hours
    held_until: dt.datetime | None = None  # the first of them to open


def queue_load(queue: VirtualQueue, *, now: dt.datetime) -> QueueLoad:
    held = Callback.objects.filter(queue=queue, state=State.QUEUED, hold_until__gt=now).aggregate(
        count=Count("pk"), first=Min("hold_until")
    )
    return QueueLoad(queue, queue_waiting_count(queue), held["count"], held["first"])


@dataclass(frozen=True)
class Worklist:
    """What an agent's worklist shows: their queues, the callback they hold, what is booked next."""

    agent: Agent
    queues: list[QueueLoad]
    current: Callback | None
    upcoming: list[Callback]

    @property
    def waiting(self) -> int:
        return sum(load.waiting for load in self.queues)

    @property
    def held(self) -> int:
        return sum(load.held for load in self.queues)

    @property
    def held_until(self) -> dt.datetime | None:
        return min((load.held_until for load in self.queues if load.held_until), default=None)


def callback_held_by(agent: Agent) -> Callback | None:
    """The callback the agent holds (reserved or dialling), or None: through the callback_held index."""
    return (
        Callback.objects.select_related("queue")
        .filter(agent=agent, state__in=[State.ASSIGNED, State.IN_PROGRESS])
        .order_by("assigned_at")
        .first()
    )


def callbacks_upcoming_for(agent: Agent, *, limit: int = 10) -> QuerySet[Callback]:
    """Scheduled callbacks of the queues the agent can serve, soonest first."""
    return (
        Callback.objects.select_related("queue")
        .filter(queue__in=routing.served_by(agent), state=State.SCHEDULED)
        .order_by("desired_time", "id")[:limit]
    )


def agent_worklist(agent: Agent, *, upcoming: int = 10) -> Worklist:
    agent.refresh_from_db(fields=["status", "status_changed_at"])
    current = callback_held_by(agent)
    return Worklist(
        agent=agent,
        queues=[queue_load(queue, now=timezone.now()) for queue in routing.queues_served_by(agent)],
        current=callback_with_attempts(current) if current else None,
        upcoming=list(callbacks_upcoming_for(agent, limit=upcoming)),
    )


# -- staff: the management pages and the staff API ------------------------------------------------


def callbacks_visible_to(user) -> QuerySet[Callback]:
    """Every callback of the queues the user may see, newest first."""
    return (
        Callback.objects.filter(queue__in=queues_visible_to(user))
        .select_related("queue", "agent__user")
        .order_by("-created_at", "-id")
    )


def callback_for_staff(user, callback_id) -> Callback | None:
    """One callback with its timeline and attempts, or None when it is unknown or outside the user's queues."""
    return (
        callbacks_visible_to(user)
        .prefetch_related(
            Prefetch("events", CallbackEvent.objects.select_related("actor_user").order_by("id")),
            Prefetch("dial_attempts", Attempt.objects.select_related("agent__user")),
        )
        .filter(public_id=callback_id)
        .first()
    )


def agent_set_away_by_timeout(agent: Agent) -> CallbackEvent | None:
    """The reservation whose timeout set the agent away, while they still are; else None.

    Read from the event log: the beat's requeue of a lapsed reservation names
    the agent, and leaves them away from the same moment, so such an event at
    or after their last status change is why they are away now.
    """
    if agent.status != Agent.Status.AWAY:
        return None
    return (
        CallbackEvent.objects.select_related("callback__queue")
        .filter(
            type=TRANSITIONS["requeue"].event,
            reason="reservation_timeout",
            metadata__agent_id=agent.pk,
            created_at__gte=agent.status_changed_at,
        )
        .order_by("-id")
        .first()
    )
