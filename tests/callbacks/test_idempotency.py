"""Idempotency-Key on the widget's create: bound to the widget and the body, answered from PostgreSQL."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks import services
from callbacks.api.public.throttles import CreateByAddressThrottle, CreateByNumberThrottle
from callbacks.models import Callback, IdempotentRequest
from tests.factories import QueueFactory, WidgetFactory

PHONE = "+44 20 7946 0958"
DEAD_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6399/0"}
}


def send(api, widget_key="shop", key="key-1", **fields):
    return api.post(
        f"/api/v1/public/widgets/{widget_key}/callbacks",
        {"phone_number": PHONE, **fields},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.django_db
def test_a_retry_gets_the_first_status_and_body_token_included(api, widget):
    first = send(api)

    again = send(api)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.json()["token"]
    assert Callback.objects.count() == 1


@pytest.mark.django_db
def test_the_replayed_token_opens_the_callback(api, widget):
    send(api)
    again = send(api).json()

    status = api.get(f"/api/v1/public/callbacks/{again['id']}", HTTP_AUTHORIZATION=f"Bearer {again['token']}")

    assert status.status_code == 200


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(api, widget):
    send(api)

    response = send(api, phone_number="+44 20 7946 0000")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Callback.objects.count() == 1


@pytest.mark.django_db
def test_a_new_captcha_answer_is_the_same_request(api, widget):
    first = send(api, captcha="")

    again = send(api, captcha="another answer")

    assert again.json() == first.json()


@pytest.mark.django_db
def test_another_widget_with_the_same_key_gets_its_own_callback(api, widget):
    WidgetFactory(public_key="other", queue=widget.queue)
    widget.queue.max_open_per_number = 0
    widget.queue.save()
    first = send(api)

    other = send(api, widget_key="other")

    assert other.status_code == 201
    assert (other.json()["id"], other.json()["token"]) != (first.json()["id"], first.json()["token"])
    assert Callback.objects.count() == 2


@pytest.mark.django_db
def test_a_refusal_is_not_remembered(api, widget):
    send(api, key="first")  # the number's one open callback
    refused = send(api, key="second")
    Callback.objects.update(state="canceled", ended_at=timezone.now())

    retried = send(api, key="second")

    assert (refused.status_code, retried.status_code) == (409, 201)


@pytest.mark.django_db
def test_replays_work_with_the_cache_down(api, widget):
    with override_settings(CACHES=DEAD_REDIS):
        first = send(api)
        again = send(api)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.json()["token"]


@pytest.mark.django_db
def test_the_database_refuses_a_second_claim_of_one_key_by_one_caller(widget):
    IdempotentRequest.objects.create(caller=f"widget:{widget.pk}", key="abc", body_hash="x")

    with pytest.raises(IntegrityError):
        IdempotentRequest.objects.create(caller=f"widget:{widget.pk}", key="abc", body_hash="y")


@pytest.mark.django_db
def test_the_purge_forgets_keys_after_a_day(api, widget):
    send(api, key="old")
    IdempotentRequest.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    send(api, key="new", phone_number="+44 20 7946 0000")

    services.troubleshooting_records_purge()

    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_50_identical_requests_at_once_get_one_callback_and_50_identical_answers(monkeypatch):
    # Throttles are not what this is about: every one of the 50 gets through them.
    monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "1000/min")
    monkeypatch.setitem(CreateByNumberThrottle.THROTTLE_RATES, "public_number", "1000/hour")
    # One open callback a number: the number's lock, where a racing retry used to be told 409.
    WidgetFactory(
        public_key="shop", queue=QueueFactory(slug="support", time_zone="Europe/London", max_open_per_number=1)
    )
    start = threading.Barrier(50)

    def one(_):
        start.wait(timeout=30)
        try:
            response = send(APIClient())
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(one, range(50)))

    assert {code for code, _ in answers} == {201}
    assert all(body == answers[0][1] for _, body in answers) and answers[0][1]["token"]
    assert Callback.objects.count() == 1
