import datetime as dt
import re
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from callbackproject import setup
from callbackproject.celery import app
from callbacks import tasks
from callbacks.models import State
from tests.callbacks.test_beat_services import run_at_once
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
    assert set(ticks) == {
        "callbacks.tasks.release_due",
        "callbacks.tasks.requeue_timed_out",
        "callbacks.tasks.expire_overdue",
        "callbacks.tasks.purge_personal_data",
    }


def ticks():
    return {
        t.name: (t.task, t.interval.every, t.interval.period, t.enabled, t.expire_seconds)
        for t in PeriodicTask.objects.select_related("interval")
    }


@pytest.mark.django_db
def test_the_ticks_after_migrate_are_those_of_the_code_enabled_and_expiring_after_their_interval():
    assert ticks() == {
        tick.name: (tick.task, tick.every_seconds, "seconds", True, tick.every_seconds) for tick in setup.PERIODIC_TASKS
    }


@pytest.mark.django_db
def test_migrating_twice_changes_no_tick():
    before = ticks()

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert ticks() == before
    assert IntervalSchedule.objects.count() == len({tick.every_seconds for tick in setup.PERIODIC_TASKS})


@pytest.mark.django_db
def test_an_administrators_schedule_and_pause_survive_the_next_migrate():
    tick = PeriodicTask.objects.get(task="callbacks.tasks.release_due")
    tick.interval = IntervalSchedule.objects.create(every=45, period=IntervalSchedule.SECONDS)
    tick.enabled = False
    tick.save()

    setup.periodic_tasks_apply()

    tick.refresh_from_db()
    assert (tick.interval.every, tick.enabled) == (45, False)


@pytest.mark.django_db
def test_a_tick_follows_the_codes_task_path():
    PeriodicTask.objects.filter(task="callbacks.tasks.release_due").update(task="callbacks.tasks.old_name")

    setup.periodic_tasks_apply()

    assert PeriodicTask.objects.filter(task="callbacks.tasks.release_due").count() == 1


@pytest.mark.django_db
def test_a_deleted_tick_comes_back():
    PeriodicTask.objects.filter(task="callbacks.tasks.expire_overdue").delete()

    setup.periodic_tasks_apply()

    assert ticks()["callbacks: expire overdue callbacks"] == ("callbacks.tasks.expire_overdue", 30, "seconds", True, 30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_migrates_at_once_make_each_missing_tick_and_schedule_once():
    # Two web machines starting at once, each migrating first, on a database whose ticks are gone.
    IntervalSchedule.objects.all().delete()  # and the ticks with them

    run_at_once(2, lambda: setup.after_migrate(None, using="default"))

    assert ticks() == {
        tick.name: (tick.task, tick.every_seconds, "seconds", True, tick.every_seconds) for tick in setup.PERIODIC_TASKS
    }
    assert IntervalSchedule.objects.count() == len({tick.every_seconds for tick in setup.PERIODIC_TASKS})


def test_every_tick_names_a_registered_task():
    app.loader.import_default_modules()

    for tick in setup.PERIODIC_TASKS:
        assert tick.task in app.tasks


def test_the_readmes_table_of_ticks_is_the_codes():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+\.tasks\.\w+)` \| (\d+) (s|h) \|", readme, re.MULTILINE)

    assert {task: int(every) * (3600 if unit == "h" else 1) for task, every, unit in rows} == {
        tick.task: tick.every_seconds for tick in setup.PERIODIC_TASKS
    }


redis_broker = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs CELERY_BROKER_URL=redis://… (make test sets it)"
)


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
