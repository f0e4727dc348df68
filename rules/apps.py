from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "rules"
    verbose_name = "Callback rules"

    def ready(self):
        from django.db.models.signals import post_save

        from queues.models import VirtualQueue

        from . import signals
        from .services import queue_rules_for_new_queue

        # Every new queue starts with the default rules (premium rate and shared cost refused),
        # without the queues app knowing about rules.
        post_save.connect(queue_rules_for_new_queue, sender=VirtualQueue, dispatch_uid="rules_for_new_queue")
        signals.connect()
