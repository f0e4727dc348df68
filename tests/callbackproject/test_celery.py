import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from callbackproject.celery import app
from callbacks import tasks
from callbacks.models import State
from tests.factories import CallbackFactory


def test_a_task_is_acknowledged_only_after_it_ran():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_have_time_limits():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


@pytest.mark.django_db
def test_the_lifecycle_ticks_exist_after_migrate():
    ticks = {t.task: t.interval.every for t in PeriodicTask.objects.filter(task__startswith="callbacks.tasks.")}

    assert ticks["callbacks.tasks.release_due"] <= 30
    assert ticks["callbacks.tasks.requeue_timed_out"] <= 30
    assert set(ticks) == {"callbacks.tasks.release_due", "callbacks.tasks.requeue_timed_out",
                          "callbacks.tasks.expire_overdue", "callbacks.tasks.purge_personal_data"}


def test_every_tick_names_a_registered_task():
    app.loader.import_default_modules()

    for name in ("release_due", "requeue_timed_out", "expire_overdue", "purge_personal_data"):
        assert f"callbacks.tasks.{name}" in app.tasks


redis_broker = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                                  reason="needs CELERY_BROKER_URL=redis://… (make test sets it)")


@redis_broker
def test_the_redis_visibility_timeout_outlasts_the_task_time_limit():
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


@redis_broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_task_enqueued_on_commit():
    callback = CallbackFactory(desired_time=timezone.now(), now=timezone.now() - dt.timedelta(minutes=1))

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            transaction.on_commit(tasks.release_due.delay)
        deadline = time.monotonic() + 20
        while callback.state != State.QUEUED and time.monotonic() < deadline:
            time.sleep(0.1)
            callback.refresh_from_db()

    assert callback.state == State.QUEUED
