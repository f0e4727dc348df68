"""Beat ticks of the lifecycle: thin wrappers over services, each safe to run twice at once."""

from celery import shared_task
from django.db import OperationalError

from . import services

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 3, "acks_late": True}


@shared_task(**RETRY)
def release_due() -> int:
    return services.callbacks_release_due()


@shared_task(**RETRY)
def requeue_timed_out() -> int:
    return services.callbacks_requeue_timed_out()


@shared_task(**RETRY)
def expire_overdue() -> int:
    return services.callbacks_expire_overdue()


@shared_task(**RETRY)
def purge_personal_data() -> int:
    # The hourly housekeeping tick: old troubleshooting records go with it.
    services.troubleshooting_records_purge()
    return services.callbacks_purge_personal_data()
