"""Beat ticks of reporting: thin wrappers over its services, each safe to run twice at once."""

from celery import shared_task

from callbacks.tasks import RETRY

from . import rollups, services


@shared_task(**RETRY)
def purge_widget_events() -> int:
    return services.widget_events_purge()


@shared_task(**RETRY)
def roll_up_finished_days() -> int:
    """Roll each queue's finished days not rolled yet, and re-roll the late ones; returns how many days."""
    return len(rollups.rollups_write_due())
