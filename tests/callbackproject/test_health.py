"""/healthz names each dependency; it fails only when bookings cannot be taken (no database)."""

import logging
import time

import pytest
import redis
from django.db import connection, transaction
from rest_framework.test import APIClient

from callbackproject.celery import enqueue_after_commit
from callbacks import tasks
from tests.redis_server import redis_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_all_dependencies_up_is_ok(redis_server):  # noqa: F811
    response = APIClient().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_redis_down_is_degraded_but_200_as_bookings_are_still_taken(redis_server):  # noqa: F811
    redis_server.stop()

    response = APIClient().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unreachable", "broker": "unreachable"}


def test_redis_back_is_ok_again(redis_server):  # noqa: F811
    redis_server.stop()
    APIClient().get("/healthz")
    redis_server.start()

    assert APIClient().get("/healthz").json()["status"] == "ok"


@pytest.mark.postgres
def test_the_database_down_is_503(redis_server):  # noqa: F811
    # The check's connection goes to a closed port, as to a database server that is down.
    settings = connection.settings_dict
    port, settings["PORT"] = settings["PORT"], "1"
    connection.close()
    try:
        response = APIClient().get("/healthz")
    finally:
        settings["PORT"] = port
        connection.close()

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_after_commit_reaches_the_broker(redis_server):  # noqa: F811
    with transaction.atomic():
        enqueue_after_commit(tasks.release_due)

    assert redis.Redis.from_url(redis_server.url).llen("celery") == 1


@pytest.mark.django_db(transaction=True)
def test_enqueueing_after_commit_with_the_broker_down_logs_and_moves_on_quickly(redis_server, caplog):  # noqa: F811
    redis_server.stop()
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="callbackproject.celery"), transaction.atomic():
        enqueue_after_commit(tasks.release_due)

    assert time.monotonic() - started < 3
    assert "could not enqueue callbacks.tasks.release_due" in caplog.text
