"""What a change to the rules tells their cached reads (``rules.selectors``)."""

from collections.abc import Callable

from django.db.models.signals import post_delete, post_save

from . import selectors
from .models import CapacityOverride, GlobalRules, NumberEntry, QueueRules


def _queue_rules_changed(sender, instance: QueueRules, **kwargs) -> None:
    selectors.queue_rules_changed(queue_id=instance.queue_id)


def _override_changed(sender, instance: CapacityOverride, **kwargs) -> None:
    # Deleted with its rules, the rules row may be gone already: their own signal forgot them.
    if (
        queue_id := QueueRules.objects.filter(pk=instance.rules_id).values_list("queue_id", flat=True).first()
    ) is not None:
        selectors.queue_rules_changed(queue_id=queue_id)


def _global_rules_changed(sender, instance, **kwargs) -> None:
    selectors.global_rules_changed()


def _number_entries_changed(sender, instance, **kwargs) -> None:
    selectors.number_entries_changed()


def connect() -> None:
    receivers: dict[type, Callable[..., None]] = {
        QueueRules: _queue_rules_changed,
        CapacityOverride: _override_changed,
        GlobalRules: _global_rules_changed,
        NumberEntry: _number_entries_changed,
    }
    for name, signal in (("save", post_save), ("delete", post_delete)):
        for model, receiver in receivers.items():
            signal.connect(receiver, sender=model, dispatch_uid=f"rules-{name}-{model.__name__}")
