"""Contract tests: the exact requests of Genesys' own generated JavaScript client, replayed against our views.

Each fixture in ``fixtures/ges_client`` is one call of engagement-client-js as an integration makes
it, captured on the wire (see that folder's README): the request, the situation it meets (``given``)
and the answer the client must get. The client's own code is not part of this repository.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from callbacks import lifecycle
from callbacks.models import ApiKey, Callback
from tests.factories import CallbackFactory, OfficeHoursFactory, QueueFactory, QueueRulesFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "ges_client"
CASES = sorted(path.stem for path in FIXTURES.glob("*.json"))
# The moment the fixtures were captured at: the client's Dates (start, desiredTime…) are taken from it.
CAPTURED_AT = dt.datetime(2030, 6, 10, 17, 0, tzinfo=dt.UTC)  # a Monday
# Every method of the client's six APIs (src/api/*.js of engagement-client-js 9.0.84).
CLIENT_METHODS = {
    "bookCallbackExternal",
    "cancelCallback",
    "queryCallbackById",
    "queryAvailabilityV2",
    "openFor",
    "estimatedWaitTimeAPI1",
    "queryQueueStatus",
    "callInRequests",
    "statistics",
}


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def moment(text):
    return text and parse_datetime(text)


@pytest.fixture
def captured_time():
    with time_machine.travel(CAPTURED_AT, tick=False):
        yield


@pytest.fixture
def support(captured_time):
    # The demo's queue and key (seed_demo), which the client was run against.
    queue = QueueFactory(slug="support")
    key = ApiKey(name="Demo")
    key.set_key("demo-ges-key")
    key.save()
    key.queues.add(queue)
    return queue


def bring_about(given, support):
    """The situation a fixture's request meets."""
    if "slotCapacity" in given:
        QueueRulesFactory(queue=support, slot_capacity=given["slotCapacity"])
    if "officeHours" in given:
        hours = given["officeHours"]
        OfficeHoursFactory(
            queue=support,
            weekday=CAPTURED_AT.weekday(),
            opens=dt.time.fromisoformat(hours["opens"]),
            closes=dt.time.fromisoformat(hours["closes"]),
        )
    for name in given.get("alsoOnKey", []):
        ApiKey.objects.get().queues.add(QueueFactory(slug=name))
    for booked in given.get("callbacks", []):
        ids = {"public_id": booked["id"]} if "id" in booked else {}
        callback = CallbackFactory(
            queue=support, phone_number=booked["phoneNumber"], desired_time=moment(booked.get("desiredTime")), **ids
        )
        if booked.get("canceled"):
            lifecycle.cancel(callback, actor=lifecycle.Actor.CUSTOMER, reason="customer")


def replay(request):
    """The request exactly as the client sent it: method, path, raw query, headers and compact JSON body."""
    body = "" if request["body"] is None else json.dumps(request["body"], separators=(",", ":"), ensure_ascii=False)
    headers = {
        name: value for name, value in request["headers"].items() if name not in ("content-length", "content-type")
    }
    assert len(body.encode()) == int(request["headers"].get("content-length", 0))  # the bytes the client sent
    path = f"{request['path']}?{request['query']}" if request["query"] else request["path"]
    return APIClient().generic(
        request["method"], path, body, content_type=request["headers"]["content-type"], headers=headers
    )


def test_every_method_of_the_client_is_recorded():
    calls = " ".join(fixture(name)["call"] for name in CASES)

    assert {method for method in CLIENT_METHODS if f"{method}(" in calls} == CLIENT_METHODS


@pytest.mark.parametrize("name", CASES)
def test_the_clients_exact_request_gets_its_answer(support, name):
    case = fixture(name)
    bring_about(case["given"], support)
    expected = case["answer"]

    response = replay(case["request"])

    body = response.json()
    assert response.status_code == expected["status"]
    assert {key: body["status"][key] for key in ("code", "message")} == {
        "code": expected["code"],
        "message": expected["message"],
    }
    if "data" in expected:
        assert body["data"] == expected["data"]
    elif "callback" in expected:  # a create: its id, checked by what it stores
        assert list(body["data"]) == ["id"]
    else:
        assert "data" not in body


@pytest.mark.parametrize("name", [name for name in CASES if "callback" in fixture(name)["answer"]])
def test_what_the_clients_request_stores(support, name):
    case = fixture(name)
    bring_about(case["given"], support)
    expected = case["answer"]["callback"]

    callback = Callback.objects.get(public_id=replay(case["request"]).json()["data"]["id"])

    assert callback.state == expected["state"]
    if "desiredTime" in expected:
        assert callback.desired_time == moment(expected["desiredTime"])
    if "context" in expected:
        assert callback.context == expected["context"]
