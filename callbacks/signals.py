"""What a change to a widget, a queue or a queue's agents tells the cached reads of them (``callbacks.selectors``).

Agents' statuses change through ``services.agents``, by UPDATE, which sends no signal: it forgets there.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from queues.models import Agent, AgentSkill, QueueSkill, VirtualQueue

from . import selectors
from .models import Widget


def _widget_renamed(sender, instance: Widget, **kwargs) -> None:
    # A new public key leaves the old one cached, answering for a widget that no longer has it.
    if instance.pk and (old := Widget.objects.filter(pk=instance.pk).values_list("public_key", flat=True).first()):
        selectors.widgets_changed(old)


def _widget_changed(sender, instance: Widget, **kwargs) -> None:
    selectors.widgets_changed(instance.public_key)


def _queue_changed(sender, instance: VirtualQueue, **kwargs) -> None:
    # Each cached widget carries its queue.
    selectors.widgets_changed(*instance.widgets.values_list("public_key", flat=True))


def _agent_changed(sender, instance: Agent | AgentSkill, **kwargs) -> None:
    agent_id = instance.pk if isinstance(instance, Agent) else instance.agent_id
    selectors.staffing_changed(
        *Agent.queues.through.objects.filter(agent_id=agent_id).values_list("virtualqueue_id", flat=True)
    )


def _skills_changed(sender, instance: QueueSkill, **kwargs) -> None:
    selectors.staffing_changed(instance.queue_id)


def _queues_served_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # queue.agents changed: that queue
        selectors.staffing_changed(instance.pk)
    elif action == "pre_clear":  # before the rows go, to know their queues
        _agent_changed(sender, instance)
    else:
        selectors.staffing_changed(*pk_set)


def connect() -> None:
    pre_save.connect(_widget_renamed, sender=Widget, dispatch_uid="callbacks-widget-renamed")
    m2m_changed.connect(_queues_served_changed, sender=Agent.queues.through, dispatch_uid="callbacks-queues-served")
    post_save.connect(_queue_changed, sender=VirtualQueue, dispatch_uid="callbacks-queue-save")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_widget_changed, sender=Widget, dispatch_uid=f"callbacks-widget-{name}")
        for model in (Agent, AgentSkill):
            signal.connect(_agent_changed, sender=model, dispatch_uid=f"callbacks-{name}-{model.__name__}")
        signal.connect(_skills_changed, sender=QueueSkill, dispatch_uid=f"callbacks-{name}-queueskill")
