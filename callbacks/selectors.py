"""Reads about callbacks."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from queues import routing
from queues.models import Agent, VirtualQueue
from queues.selectors import estimated_wait_seconds

from .models import Attempt, Callback, State, Widget


def widget_get(key: str) -> Widget | None:
    return Widget.objects.select_related("queue").filter(public_key=key).first()


def callback_position(callback: Callback) -> int | None:
    """1 for the next callback an agent takes from the queue; None unless it is waiting in it."""
    if callback.state != State.QUEUED:
        return None
    ahead = Callback.objects.filter(queue_id=callback.queue_id, state=State.QUEUED).filter(
        Q(place_at__lt=callback.place_at) | Q(place_at=callback.place_at, pk__lt=callback.pk))
    return ahead.count() + 1


def queue_waiting_count(queue: VirtualQueue) -> int:
    return Callback.objects.filter(queue=queue, state=State.QUEUED).count()


def queue_estimated_wait(queue: VirtualQueue) -> int | None:
    """The wait of a customer asking now: behind everyone already queued."""
    return estimated_wait_seconds(queue, position=queue_waiting_count(queue) + 1)


def callback_estimated_wait(callback: Callback) -> int | None:
    position = callback_position(callback)
    return None if position is None else estimated_wait_seconds(callback.queue, position=position)


def callback_with_attempts(callback: Callback) -> Callback:
    """The callback afresh, with its queue and its attempts and their agents, for an agent's card."""
    return (Callback.objects.select_related("queue")
            .prefetch_related(Prefetch("dial_attempts", Attempt.objects.select_related("agent__user")))
            .get(pk=callback.pk))


@dataclass(frozen=True)
class QueueLoad:
    queue: VirtualQueue
    waiting: int


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


def agent_worklist(agent: Agent, *, upcoming: int = 10) -> Worklist:
    agent.refresh_from_db(fields=["status", "status_changed_at"])
    current = routing.held_by(agent)
    return Worklist(
        agent=agent,
        queues=[QueueLoad(queue, queue_waiting_count(queue)) for queue in routing.queues_served_by(agent)],
        current=callback_with_attempts(current) if current else None,
        upcoming=list(routing.upcoming_for(agent, limit=upcoming)),
    )
