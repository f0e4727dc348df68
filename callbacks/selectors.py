"""Reads about callbacks."""

from django.db.models import Q

from queues.models import VirtualQueue
from queues.selectors import estimated_wait_seconds

from .models import Callback, State, Widget


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
