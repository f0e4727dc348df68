"""Writes of the rules app: a new queue's default rules, a queue's rules changed. (What the rules refused, callbacks records.)"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from queues.models import VirtualQueue
from queues.selectors import queues_visible_to

from .models import QueueRules


def queue_rules_for_new_queue(sender, instance: VirtualQueue, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of VirtualQueue: a new queue gets its rules row with the defaults."""
    if created and not raw:
        QueueRules.objects.get_or_create(queue=instance)


def rules_queue_for(*, user, slug: str) -> VirtualQueue:
    """The queue whose rules ``user`` may change: one of their lines of business; PermissionDenied otherwise."""
    if not user.has_perm("rules.change_queuerules"):
        raise PermissionDenied("Your role may not change rules.")
    queue = queues_visible_to(user).filter(slug=slug).first()
    if queue is None:
        raise Http404("No such queue in your lines of business.")
    return queue


@transaction.atomic
def queue_rules_update(*, user, queue: VirtualQueue, fields: dict) -> QueueRules:
    """Save a queue's rules from checked ``fields``; they apply to the next booking."""
    queue = rules_queue_for(user=user, slug=queue.slug)
    rules = QueueRules.for_queue(queue)
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.full_clean()
    rules.save()
    return rules
