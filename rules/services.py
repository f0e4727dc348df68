"""Writes of the rules app: a new queue's default rules. (What the rules refused, callbacks records.)"""

from queues.models import VirtualQueue

from .models import QueueRules


def queue_rules_for_new_queue(sender, instance: VirtualQueue, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of VirtualQueue: a new queue gets its rules row with the defaults."""
    if created and not raw:
        QueueRules.objects.get_or_create(queue=instance)
