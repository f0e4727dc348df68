"""Beat ticks of reporting: thin wrappers over its services, each safe to run twice at once."""

from celery import shared_task

from callbacks.tasks import RETRY

from . import services


@shared_task(**RETRY)
def purge_widget_events() -> int:
    return services.widget_events_purge()
