"""Redis stopped under the service: the booking path answers as usual (issue #10, degraded dependencies)."""

import logging

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from callbacks.api.public.throttles import CreateByAddressThrottle
from callbacks.models import Callback
from tests.callbacks.test_ges import KEY, api_key, create, support  # noqa: F401 (fixtures)
from tests.callbacks.test_public_api import book
from tests.redis_server import redis_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(redis_server):  # noqa: F811
    redis_server.stop()
    return redis_server


def test_the_widget_api_books_with_redis_down(redis_down, widget):
    response = book(APIClient(), widget)

    assert response.status_code == 201
    assert Callback.objects.count() == 1


def test_the_ges_api_books_with_redis_down(redis_down, api_key):  # noqa: F811
    response = create(APIClient(HTTP_X_API_KEY=KEY))

    assert response.status_code == 200  # GES answers a create with 200 and the id
    assert Callback.objects.filter(public_id=response.json()["data"]["id"]).exists()


def test_the_token_endpoint_answers_with_redis_down(redis_down, db):
    get_user_model().objects.create_user("ada", password="a-long-passphrase")

    response = APIClient().post(
        "/api/v1/auth/token", {"username": "ada", "password": "a-long-passphrase"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"]


def test_a_throttle_counts_again_once_redis_is_back(
    redis_server,  # noqa: F811
    widget,
    monkeypatch,
):
    monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "1/min")
    widget.queue.max_open_per_number = 0
    widget.queue.save()
    assert book(APIClient(), widget).status_code == 201

    redis_server.stop()
    assert book(APIClient(), widget).status_code == 201  # fails open: no counter to refuse with
    redis_server.start()  # empty: the window starts again

    assert [book(APIClient(), widget).status_code for _ in range(2)] == [201, 429]


def test_an_outage_is_logged_once_and_without_personal_data(redis_down, widget, caplog):
    widget.queue.max_open_per_number = 0
    widget.queue.save()
    with caplog.at_level(logging.WARNING, logger="callbackproject.base.cache"):
        for _ in range(3):
            book(APIClient(), widget)

    # Setting the widget up (its cached copy forgotten) was the first to find Redis gone.
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert [r.getMessage() for r in records if r.name == "callbackproject.base.cache"] == [
        "the cache is unreachable (ConnectionError); carrying on without it"
    ]
