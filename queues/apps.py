from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = "Queues and agents"

    def ready(self):
        from . import signals

        signals.connect()
