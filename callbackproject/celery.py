import logging
import os

from celery import Celery
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callbackproject.settings")

app = Celery("callbackproject")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    """Send ``task(*args)`` once the current transaction commits, never failing the request for it.

    The rows are the truth and the beat's ticks find their work there, so a broker
    outage costs only latency: the publish is tried once, quickly, and logged when refused.
    """

    def send():
        try:
            task.apply_async(args=args, retry=False)
        except (OperationalError, RedisError, OSError) as exc:
            logger.warning("could not enqueue %s (%s); the beat will pick the work up", task.name, type(exc).__name__)

    transaction.on_commit(send)
