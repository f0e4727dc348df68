import datetime as dt
import io
import json
import logging
import uuid
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks import lifecycle
from callbacks.api.public.throttles import CreateByNumberThrottle, ReadByAddressThrottle
from callbacks.compat.correlation import CorrIdFilter
from callbacks.compat.ges_mapping import GES_STATES, ges_state
from callbacks.models import ApiKey, ApiProblem, Callback, Channel, Outcome, RejectionRecord, State
from queues.models import Agent, ClosedDate
from tests.factories import (
    AgentFactory,
    CallbackFactory,
    NumberEntryFactory,
    OfficeHoursFactory,
    QueueFactory,
    QueueRulesFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db

KEY = "shop-ges-key-0123456789"
ORIGIN = "https://shop.example.com"
PHONE = "+44 20 7946 0958"
FIXTURES = Path(__file__).parent / "fixtures" / "ges_v3"
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _a_tuesday_morning_in_london():
    """Never the wall clock: inside the calling window, with next Monday within the booking horizon."""
    with time_machine.travel(dt.datetime(2030, 6, 11, 10, 0, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def support():
    return QueueFactory(slug="support", time_zone="Europe/London")


@pytest.fixture
def api_key(support):
    key = ApiKey(name="Shop", allowed_origins=f"{ORIGIN}\n")
    key.set_key(KEY)
    key.save()
    key.queues.add(support)
    return key


@pytest.fixture
def api(api_key):
    return APIClient(HTTP_X_API_KEY=KEY)


def ges(path):
    return f"/engagement/v3/{path}"


def create(api, **fields):
    """Books through the GES API; HTTP_* arguments are headers, the others fields of the body."""
    headers = {name: fields.pop(name) for name in list(fields) if name.startswith("HTTP_")}
    return api.post(
        ges("callbacks/create"), {"serviceName": "support", "phoneNumber": PHONE, **fields}, format="json", **headers
    )


def retrieve(api, callback_id):
    return api.post(ges("callbacks/retrieve"), {"id": str(callback_id)}, format="json")


def next_monday_at(hour, minute=0):
    today = timezone.now().astimezone(LONDON).date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return dt.datetime.combine(monday, dt.time(hour, minute), tzinfo=LONDON)


def utc_text(moment):
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_of(response):
    return response.json()["status"]


# -- the envelope, keys and their scope -----------------------------------------------------------


def test_every_answer_carries_a_new_corr_id_in_the_body_and_a_header(api):
    first, second = create(api), create(api, phoneNumber="+33 1 23 45 67 89")

    assert status_of(first)["code"] == 0 and status_of(first)["message"] == "Successful"
    assert status_of(first)["corrId"] == first["X-Correlation-ID"]
    assert status_of(first)["corrId"] != status_of(second)["corrId"]


def test_a_corr_id_sent_by_the_client_is_kept(api):
    response = create(api, phoneNumber="12345", HTTP_X_CORRELATION_ID="case-4711")

    assert status_of(response)["corrId"] == "case-4711"


def test_a_corr_id_that_could_forge_a_log_line_is_replaced(api):
    response = api.get(ges("callbacks/open-for/support"), HTTP_X_CORRELATION_ID="x\nERROR fake")

    assert "\n" not in status_of(response)["corrId"]


def test_the_log_lines_of_a_request_carry_its_corr_id_and_never_the_phone_number(api, caplog):
    caplog.handler.addFilter(CorrIdFilter())
    with caplog.at_level(logging.DEBUG):
        create(api, HTTP_X_CORRELATION_ID="case-4711")

    lines = [record.getMessage() + record.corr for record in caplog.records]
    assert any("created" in line and line.endswith(" corrId=case-4711") for line in lines)
    assert any("GES POST /engagement/v3/callbacks/create answered 200" in line for line in lines)
    assert not any("79460958" in line or "7946 0958" in line for line in lines)


def test_log_lines_outside_a_ges_request_carry_no_corr_id():
    record = logging.makeLogRecord({"msg": "hello"})

    CorrIdFilter().filter(record)

    assert record.corr == ""


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_API_KEY": "not-a-key"}])
def test_a_missing_or_unknown_key_is_401(api_key, headers):
    response = APIClient().get(ges("callbacks/queue-status/support"), **headers)

    assert response.status_code == 401
    assert status_of(response)["code"] == 401 and status_of(response)["corrId"]


def test_an_inactive_key_is_401(api, api_key):
    api_key.active = False
    api_key.save()

    assert create(api).status_code == 401
    assert not Callback.objects.exists()


def test_a_queue_outside_the_keys_scope_is_403_whether_it_exists_or_not(api):
    QueueFactory(slug="billing")

    for name in ("billing", "no-such-queue"):
        response = create(api, serviceName=name)
        assert response.status_code == 403, name
        assert name in status_of(response)["message"]
    assert not Callback.objects.exists()


def test_a_service_name_with_a_null_character_is_403_not_503(api):
    response = api.get(ges("callbacks/queue-status/support%00"))

    assert response.status_code == 403
    assert status_of(response)["code"] == 403


def test_a_key_with_no_queues_may_use_none(api, api_key):
    api_key.queues.clear()

    assert api.get(ges("callbacks/open-for/support")).status_code == 403


def test_a_callback_of_a_queue_outside_the_scope_is_unknown(api):
    other = CallbackFactory(queue=QueueFactory(slug="billing"))

    assert retrieve(api, other.public_id).status_code == 404
    assert api.post(ges("callbacks/cancel"), {"id": str(other.public_id)}, format="json").status_code == 404


def test_the_key_is_stored_as_a_digest_and_its_use_is_noted(api, api_key):
    create(api)

    api_key.refresh_from_db()
    assert KEY not in (api_key.key_digest, api_key.key_prefix)
    assert api_key.key_prefix == KEY[:6]
    assert api_key.last_used_at is not None


def test_an_unsupported_ges_path_is_404_in_the_envelope(api):
    response = api.post(ges("callbacks/call-in-requests/create"), {}, format="json")

    assert response.status_code == 404
    assert status_of(response)["code"] == 404


def test_a_wrong_method_is_405_in_the_envelope(api):
    response = api.get(ges("callbacks/create"))

    assert response.status_code == 405 and status_of(response)["code"] == 405


# -- origins --------------------------------------------------------------------------------------


def test_cors_allows_the_keys_origin(api):
    response = api.get(ges("callbacks/open-for/support"), HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Correlation-ID" in response["Access-Control-Expose-Headers"]


def test_a_preflight_passes_for_an_origin_of_an_active_key_and_allows_the_key_header(api):
    response = APIClient().options(
        ges("callbacks/create"),
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-api-key",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert {"x-api-key", "x-correlation-id"} <= set(response["Access-Control-Allow-Headers"].split(", "))


def test_a_preflight_from_an_origin_no_key_lists_gets_no_cors_headers(api):
    response = APIClient().options(
        ges("callbacks/create"), HTTP_ORIGIN="https://evil.example.net", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert "Access-Control-Allow-Origin" not in response


def test_another_origin_is_refused_served_nothing_and_recorded(api):
    response = create(api, HTTP_ORIGIN="https://evil.example.net")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert not Callback.objects.exists()
    problem = ApiProblem.objects.get()
    assert (problem.kind, problem.origin) == (ApiProblem.Kind.CORS, "https://evil.example.net")


def test_an_origin_of_another_key_is_refused_for_this_key(api):
    other = ApiKey(name="Other site", allowed_origins="https://other.example.org")
    other.set_key("other-ges-key-0123456789")
    other.save()

    response = api.get(ges("callbacks/open-for/support"), HTTP_ORIGIN="https://other.example.org")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_servers_and_ivrs_send_no_origin_and_need_none(api, api_key):
    api_key.allowed_origins = ""
    api_key.save()

    assert api.get(ges("callbacks/open-for/support")).status_code == 200


# -- create ---------------------------------------------------------------------------------------


def test_it_books_an_immediate_callback(api):
    response = create(
        api,
        userData={"orderId": "A-1001"},
        cbOfferType="ASAP",
        channel="web",
        language="en-GB",
        priority=5,
        captchaToken="token",
        surveyRP="ignored",
        routePoint="ignored",
    )

    assert response.status_code == 200
    callback = Callback.objects.get(public_id=response.json()["data"]["id"])
    assert (callback.state, callback.channel, callback.desired_time) == (State.QUEUED, Channel.API, None)
    assert str(callback.phone_number) == "+442079460958"
    assert callback.context == {
        "orderId": "A-1001",
        "ges": {"cbOfferType": "ASAP", "channel": "web", "language": "en-GB", "priority": 5},
    }


def test_a_reporting_field_too_long_to_keep_is_cut_not_refused(api):
    response = create(api, cbOfferType="ASAP " * 100, channel="c" * 100)

    assert response.status_code == 200
    reporting = Callback.objects.get(public_id=response.json()["data"]["id"]).context["ges"]
    assert reporting == {"cbOfferType": ("ASAP " * 40)[:200], "channel": "c" * 40}


def test_a_national_number_is_read_in_the_keys_default_country(api, api_key):
    ApiKey.objects.filter(pk=api_key.pk).update(default_country="US")

    response = create(api, phoneNumber="6479097867")

    callback = Callback.objects.get(public_id=response.json()["data"]["id"])
    assert str(callback.phone_number) == "+16479097867"


def test_a_national_number_without_a_default_country_is_refused(api):
    response = create(api, phoneNumber="6479097867")

    assert response.status_code == 400
    assert not Callback.objects.exists()


@pytest.fixture
def captcha_key(api_key, provider, settings):
    """The key checks captchaToken with Turnstile; the provider's stand-in answers by the URL's path."""
    ApiKey.objects.filter(pk=api_key.pk).update(captcha_provider="turnstile", captcha_secret_key="0xSECRET")

    def answering(behaviour):
        settings.CAPTCHA_VERIFY_URLS = {"turnstile": provider.url(behaviour)}

    return answering


def test_a_key_with_a_captcha_books_when_the_token_passes(api, captcha_key, provider):
    captcha_key("success")

    response = create(api, captchaToken="good-token")

    assert response.status_code == 200
    assert provider.received[0]["form"]["response"] == ["good-token"]


def test_a_key_with_a_captcha_refuses_a_failed_token_and_records_it(api, captcha_key):
    captcha_key("failure")

    response = create(api, captchaToken="bad-token")

    assert response.status_code == 400
    assert status_of(response)["message"].startswith("captcha_invalid: ")
    assert ApiProblem.objects.get().kind == ApiProblem.Kind.CAPTCHA
    assert not Callback.objects.exists()


def test_a_key_with_a_captcha_refuses_a_missing_token(api, captcha_key):
    captcha_key("success")

    assert create(api).status_code == 400


def test_a_captcha_provider_that_fails_is_503(api, captcha_key):
    captcha_key("error")

    response = create(api, captchaToken="token")

    assert response.status_code == 503
    assert status_of(response)["code"] == 503


def test_it_books_a_scheduled_callback(api):
    when = next_monday_at(10)

    response = create(api, desiredTime=utc_text(when))

    callback = Callback.objects.get(public_id=response.json()["data"]["id"])
    assert (callback.state, callback.desired_time) == (State.SCHEDULED, when)


def test_user_data_may_come_as_a_json_string_as_the_js_client_types_it(api):
    response = create(api, userData=json.dumps({"page": "/pricing"}))

    assert Callback.objects.get(public_id=response.json()["data"]["id"]).context == {"page": "/pricing"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phoneNumber": "12345"}, "phoneNumber"),
        ({"phoneNumber": ""}, "phoneNumber"),
        ({"serviceName": None}, "serviceName"),
        ({"desiredTime": "2020-01-01T10:00:00.000Z"}, "desiredTime"),
        ({"desiredTime": "soon"}, "desiredTime"),
        ({"userData": "not json"}, "userData"),
        ({"userData": [1, 2]}, "userData"),
        ({"userData": {f"k{i}": i for i in range(51)}}, "userData"),
        ({"priority": "high"}, "priority"),
        ({"userData": {"page": "a\x00b"}}, "userData"),
        ({"userData": '{"page": "\\ud800"}'}, "userData"),  # text holding JSON with a lone surrogate
        ({"userData": '{"total": 1e999}'}, "userData"),  # text holding JSON with an infinite number
    ],
)
def test_bad_input_is_400_naming_the_ges_field(api, fields, field):
    response = create(api, **fields)

    assert response.status_code == 400
    assert status_of(response)["code"] == 400
    assert status_of(response)["message"].startswith(f"{field}:")
    assert not Callback.objects.exists()


@pytest.mark.parametrize("body", ['{"serviceName": ', "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_400_never_500(api, body):
    response = api.post(ges("callbacks/create"), body, content_type="application/json")

    assert response.status_code == 400
    assert status_of(response)["corrId"]


def test_a_time_outside_office_hours_is_400(api, support):
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(17))

    response = create(api, desiredTime=utc_text(next_monday_at(20)))

    assert response.status_code == 400
    assert status_of(response)["message"].startswith("desiredTime:")


def test_a_rule_refusal_is_400_with_its_stable_code_and_is_recorded(api, support):
    NumberEntryFactory(rules=QueueRulesFactory(queue=support), value="+4420")

    response = create(api)

    assert response.status_code == 400
    assert status_of(response)["message"].startswith("number_blocked: ")
    assert RejectionRecord.objects.get().code == "number_blocked"


def test_a_duplicate_is_400_with_the_open_callbacks_id(api):
    first = create(api).json()["data"]["id"]

    response = create(api)

    assert response.status_code == 400
    assert status_of(response)["message"].startswith("duplicate: ")
    assert first in status_of(response)["message"]


def test_a_full_slot_is_429_proposing_the_next_free_slots(api, support):
    QueueRulesFactory(queue=support, slot_capacity=1)
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    full = next_monday_at(9)
    CallbackFactory(queue=support, desired_time=full)

    response = create(api, desiredTime=utc_text(full))

    assert response.status_code == 429
    assert status_of(response)["message"].startswith("capacity_full: ")
    assert response.json()["data"]["slots"] == {utc_text(next_monday_at(9, minute)): 1 for minute in (15, 30, 45)}
    assert Callback.objects.count() == 1


def test_a_national_number_is_throttled_as_the_same_number(api, api_key, support, monkeypatch):
    monkeypatch.setitem(CreateByNumberThrottle.THROTTLE_RATES, "public_number", "1/hour")
    ApiKey.objects.filter(pk=api_key.pk).update(default_country="GB")
    support.max_open_per_number = 0
    support.save()
    create(APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_API_KEY=KEY), phoneNumber="+44 20 7946 0958")

    response = create(APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_API_KEY=KEY), phoneNumber="020 7946 0958")

    assert response.status_code == 429


def test_one_number_is_throttled_across_addresses_and_across_our_apis(api, support, monkeypatch):
    monkeypatch.setitem(CreateByNumberThrottle.THROTTLE_RATES, "public_number", "2/hour")
    support.max_open_per_number = 0
    support.save()
    widget = WidgetFactory(queue=support)
    APIClient(REMOTE_ADDR="10.0.0.1").post(
        f"/api/v1/public/widgets/{widget.public_key}/callbacks", {"phone_number": PHONE}, format="json"
    )
    create(APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_API_KEY=KEY))

    response = create(APIClient(REMOTE_ADDR="10.0.0.3", HTTP_X_API_KEY=KEY))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert status_of(response)["code"] == 429 and "data" not in response.json()


def test_guessing_keys_is_throttled_by_address(api_key, monkeypatch):
    monkeypatch.setitem(ReadByAddressThrottle.THROTTLE_RATES, "public_read", "2/min")
    guesser = APIClient(HTTP_X_API_KEY="guess")
    for _ in range(2):
        assert guesser.get(ges("callbacks/open-for/support")).status_code == 401

    assert guesser.get(ges("callbacks/open-for/support")).status_code == 429


# -- cancel and retrieve --------------------------------------------------------------------------


def test_cancel_cancels_and_answers_the_id(api):
    callback_id = create(api).json()["data"]["id"]

    response = api.post(ges("callbacks/cancel"), {"id": callback_id}, format="json")

    assert response.status_code == 200
    assert response.json()["data"] == {"id": callback_id}
    assert Callback.objects.get(public_id=callback_id).state == State.CANCELED


@pytest.mark.parametrize("callback_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_cancel_of_an_unknown_callback_is_404(api, callback_id):
    response = api.post(ges("callbacks/cancel"), {"id": callback_id}, format="json")

    assert response.status_code == 404 and status_of(response)["code"] == 404


def test_cancel_of_a_finished_callback_is_400(api, support):
    callback = CallbackFactory(queue=support)
    lifecycle.cancel(callback, actor=lifecycle.Actor.STAFF, reason="test")

    response = api.post(ges("callbacks/cancel"), {"id": str(callback.public_id)}, format="json")

    assert response.status_code == 400
    assert status_of(response)["message"].startswith("illegal_transition: ")


def test_cancel_without_an_id_is_400(api):
    assert api.post(ges("callbacks/cancel"), {}, format="json").status_code == 400


def test_retrieve_gives_a_queued_callbacks_place_and_wait(api, support, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 240
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(support)
    CallbackFactory(queue=support)
    callback_id = create(api).json()["data"]["id"]
    callback = Callback.objects.get(public_id=callback_id)

    data = retrieve(api, callback_id).json()["data"]

    assert data == {
        "id": callback_id,
        "desiredTime": utc_text(callback.created_at),
        "callbackState": "QUEUED",
        "phoneNumber": "+442079460958",
        "positionInQueue": 2,
        "estimatedWaitTime": 480,
        "statusText": "You are in line; an agent will call you as soon as one is free.",
    }


def test_retrieve_says_in_words_why_a_queued_callback_waits_past_the_calling_window(api):
    with time_machine.travel(dt.datetime(2030, 6, 11, 20, 50, tzinfo=LONDON), tick=False):
        callback_id = create(api).json()["data"]["id"]
    with time_machine.travel(dt.datetime(2030, 6, 11, 22, 0, tzinfo=LONDON), tick=False):
        data = retrieve(api, callback_id).json()["data"]

    assert data["callbackState"] == "QUEUED"
    assert data["statusText"] == (
        "You are in line; we may not call you now, outside your calling hours. "
        "We can call you from Wed 09:00 your time."
    )


def test_retrieve_gives_minus_one_as_the_wait_while_no_agent_is_logged_in(api):
    data = retrieve(api, create(api).json()["data"]["id"]).json()["data"]

    assert data["estimatedWaitTime"] == -1


def test_retrieve_of_a_scheduled_callback_gives_its_time_and_no_place(api):
    when = next_monday_at(10)
    data = retrieve(api, create(api, desiredTime=utc_text(when)).json()["data"]["id"]).json()["data"]

    assert (data["callbackState"], data["desiredTime"]) == ("SCHEDULED", utc_text(when))
    assert "positionInQueue" not in data and "callbackReason" not in data


def test_retrieve_of_a_routing_callback_gives_place_zero(api, support):
    callback = CallbackFactory(queue=support)
    lifecycle.assign(callback, agent=AgentFactory())

    data = retrieve(api, callback.public_id).json()["data"]

    assert (data["callbackState"], data["positionInQueue"], data["estimatedWaitTime"]) == ("ROUTING", 0, 0)


def test_retrieve_of_a_completed_callback_gives_its_reason(api, support):
    callback = CallbackFactory(queue=support)
    lifecycle.assign(callback, agent=AgentFactory())
    lifecycle.start(callback)
    lifecycle.complete(callback)

    data = retrieve(api, callback.public_id).json()["data"]

    assert (data["callbackState"], data["callbackReason"]) == ("COMPLETED", "AGENT_CONNECTED")
    assert "positionInQueue" not in data


def test_retrieve_of_an_unknown_callback_is_404(api):
    assert retrieve(api, uuid.uuid4()).status_code == 404


# -- the mapping table ----------------------------------------------------------------------------


def test_the_table_maps_every_state_open_ones_without_a_reason_final_ones_completed_with_one():
    assert set(GES_STATES) == set(State.values)
    for state in State:
        ges, reason = ges_state(state)
        if state in lifecycle.OPEN_STATES:
            assert ges in {"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING"} and reason is None
        else:
            assert ges == "COMPLETED" and reason


def moved_to(state, outcome, support):
    """A callback brought to ``state`` by the lifecycle, its last outcome ``outcome``."""
    callback = CallbackFactory(queue=support)
    if state == State.SCHEDULED:
        lifecycle.reschedule(callback, desired_time=timezone.now() + dt.timedelta(hours=1), actor="customer")
    if state in (State.ASSIGNED, State.IN_PROGRESS, State.RETRY_WAIT, State.COMPLETED, State.FAILED):
        lifecycle.assign(callback, agent=AgentFactory())
    if state in (State.IN_PROGRESS, State.RETRY_WAIT, State.COMPLETED, State.FAILED):
        lifecycle.start(callback)
    if state == State.RETRY_WAIT:
        lifecycle.retry(callback, outcome=outcome, due_at=timezone.now() + dt.timedelta(minutes=5))
    elif state == State.COMPLETED:
        lifecycle.complete(callback)
    elif state == State.FAILED:
        lifecycle.fail(callback, reason="test", outcome=outcome)
    elif state == State.CANCELED:
        lifecycle.cancel(callback, actor="customer", reason="test", outcome=outcome)
    elif state == State.EXPIRED:
        lifecycle.expire(callback, reason="max_wait_exceeded")
    return callback


STATES_AND_OUTCOMES = [
    (State.SCHEDULED, "", "SCHEDULED", None),
    (State.QUEUED, "", "QUEUED", None),
    (State.ASSIGNED, "", "ROUTING", None),
    (State.IN_PROGRESS, "", "PROCESSING", None),
    *[
        (State.RETRY_WAIT, outcome, "SCHEDULED", None)
        for outcome in (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL)
    ],
    (State.COMPLETED, Outcome.CONNECTED, "COMPLETED", "AGENT_CONNECTED"),
    *[
        (State.FAILED, outcome, "COMPLETED", "FAIL_CALL_TO_CUSTOMER")
        for outcome in (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL, Outcome.WRONG_NUMBER)
    ],
    (State.CANCELED, "", "COMPLETED", "CANCELLED"),
    (State.CANCELED, Outcome.CUSTOMER_DECLINED, "COMPLETED", "CANCELLED"),
    (State.EXPIRED, "", "COMPLETED", "FAIL_TIMEOUT_TTL"),
]


def test_the_cases_cover_every_state_and_every_outcome():
    assert {state for state, *_ in STATES_AND_OUTCOMES} == set(State.values)
    assert {outcome for _, outcome, *_ in STATES_AND_OUTCOMES} - {""} == set(Outcome.values)


@pytest.mark.parametrize(("state", "outcome", "callback_state", "reason"), STATES_AND_OUTCOMES)
def test_retrieve_maps_each_state_and_outcome(api, support, state, outcome, callback_state, reason):
    callback = moved_to(state, outcome, support)
    assert (callback.state, callback.outcome) == (state, outcome)

    data = retrieve(api, callback.public_id).json()["data"]

    assert (data["callbackState"], data.get("callbackReason")) == (callback_state, reason)


# -- availability, open-for, estimated wait, queue status -----------------------------------------


def test_availability_lists_free_slots_in_utc_and_the_requested_zone(api, support):
    QueueRulesFactory(queue=support, slot_capacity=2)
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    monday = next_monday_at(9)
    CallbackFactory(queue=support, desired_time=monday)

    response = api.get(
        ges("callbacks/availability/support"),
        {"start": utc_text(monday - dt.timedelta(hours=9)), "numberOfDays": 1, "timezone": "Europe/Paris"},
    )

    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["durationMin"], data["timezone"]) == (15, "Europe/Paris")
    assert [slot["utcTime"] for slot in data["slots"]] == [utc_text(next_monday_at(9, m)) for m in (0, 15, 30, 45)]
    first = data["slots"][0]
    assert first["localTime"] == monday.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).isoformat(timespec="milliseconds")
    assert (first["capacity"], first["total"]) == (1, 2)


def test_availability_leaves_full_slots_out_and_caps_the_count(api, support):
    QueueRulesFactory(queue=support, slot_capacity=1)
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    monday = next_monday_at(9)
    CallbackFactory(queue=support, desired_time=monday)

    data = api.get(
        ges("callbacks/availability/support"),
        {
            "startMS": int(monday.timestamp() * 1000),
            "endMS": int((monday + dt.timedelta(hours=1)).timestamp() * 1000),
            "maxTimeSlots": 2,
        },
    ).json()["data"]

    assert [slot["utcTime"] for slot in data["slots"]] == [utc_text(next_monday_at(9, m)) for m in (15, 30)]
    assert data["timezone"] == "UTC"


def test_availability_reads_a_time_without_offset_in_the_requested_zone(api, support):
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    monday = next_monday_at(9)

    data = api.get(
        ges("callbacks/availability/support"),
        {"start": f"{monday.date()}T09:30:00", "end": f"{monday.date()}T10:00:00", "timezone": "Europe/London"},
    ).json()["data"]

    assert [slot["utcTime"] for slot in data["slots"]] == [utc_text(next_monday_at(9, m)) for m in (30, 45)]


def test_availability_skips_closed_dates(api, support):
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    monday = next_monday_at(9)
    ClosedDate.objects.create(queue=support, date=monday.date())

    data = api.get(ges("callbacks/availability/support"), {"start": utc_text(monday)}).json()["data"]

    assert data["slots"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"start": "tomorrow"},
        {"end": "2024-13-45T00:00:00Z"},
        {"startMS": "-5"},
        {"endMS": "1e30"},
        {"numberOfDays": "0"},
        {"maxTimeSlots": "many"},
        {"start": "9999-12-31T23:00:00Z"},
        {"start": "2024-06-10T09:00:00+99:00"},
        {"timezone": "../etc/passwd"},
    ],
)
def test_availability_refuses_bad_parameters_with_400_never_500(api, params):
    response = api.get(ges("callbacks/availability/support"), params)

    assert response.status_code == 400
    assert status_of(response)["code"] == 400


def test_open_for_counts_the_seconds_until_closing(api, support):
    now = timezone.now().astimezone(LONDON)
    OfficeHoursFactory(queue=support, weekday=now.weekday(), opens=dt.time(0), closes=dt.time(0))
    closing = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)

    open_for = api.get(ges("callbacks/open-for/support")).json()["data"]["openFor"]

    assert abs(open_for - (closing - now).total_seconds()) < 5


def test_open_for_is_zero_while_closed(api, support):
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    sunday_noon = next_monday_at(12) - dt.timedelta(days=1)

    response = api.get(ges("callbacks/open-for/support"), {"start": utc_text(sunday_noon)})

    assert response.json()["data"] == {"openFor": 0}


def test_open_for_at_the_end_of_the_calendar_is_400_never_500(api):
    response = api.get(ges("callbacks/open-for/support"), {"start": "9999-12-31T23:59:59Z"})

    assert response.status_code == 400


def test_open_for_at_a_given_start(api, support):
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(17))

    response = api.get(ges("callbacks/open-for/support"), {"start": utc_text(next_monday_at(16))})

    assert response.json()["data"] == {"openFor": 3600}


def test_estimated_wait_time_per_queue_minus_one_without_agents(api, api_key, support, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 240
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(support)
    billing = QueueFactory(slug="billing")
    api_key.queues.add(billing)

    response = api.get(ges("estimated-wait-time"), {"virtualQueues": "support, billing"})

    assert response.json()["data"] == [
        {"virtualQueue": "support", "estimatedWaitTime": 240, "message": ""},
        {
            "virtualQueue": "billing",
            "estimatedWaitTime": -1,
            "message": "No agent able to serve this queue is logged in.",
        },
    ]


@pytest.mark.parametrize(
    ("params", "status"), [({}, 400), ({"virtualQueues": " , "}, 400), ({"virtualQueues": "support,billing"}, 403)]
)
def test_estimated_wait_time_needs_queues_of_the_key(api, params, status):
    assert api.get(ges("estimated-wait-time"), params).status_code == status


def test_queue_status_gives_the_wait_the_offers_and_the_counts(api, support, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 240
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    agent.queues.add(support)
    CallbackFactory(queue=support)
    lifecycle.assign(CallbackFactory(queue=support), agent=AgentFactory())

    data = api.get(ges("callbacks/queue-status/support")).json()["data"]

    assert data == {
        "ewt": 480,
        "offerImmediateCallback": True,
        "offerScheduledCallback": True,
        "waiting": 1,
        "inService": 1,
    }


def test_queue_status_of_a_closed_queue_offers_no_immediate_callback(api, support):
    OfficeHoursFactory(queue=support, weekday=(timezone.now().astimezone(LONDON).weekday() + 1) % 7)

    data = api.get(ges("callbacks/queue-status/support")).json()["data"]

    assert (data["ewt"], data["offerImmediateCallback"]) == (-1, False)


# -- the contract: field names and types exactly as the GES v3 examples ---------------------------


def shape(value):
    """Field names and JSON types; a map keyed by times (proposed slots) by the shape of its values."""
    if isinstance(value, dict):
        if value and all(key[:2] == "20" and key.endswith("Z") for key in value):
            return {"<utcTime>": shape(next(iter(value.values())))}
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "string"


def example(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def merged(response, extensions):
    for key, value in extensions.items():
        response = response | {key: merged(response[key], value) if isinstance(value, dict) else value}
    return response


def contract_case(case, api, support):
    """Brings about one documented answer; returns our response and the example's."""
    name, status = case
    documented = example(name)
    request, expected = documented.get("request", {}), documented["responses"][status]
    expected = merged(expected, documented.get("extensions", {})) if status.startswith("200") else expected
    QueueRulesFactory(queue=support, slot_capacity=5)
    OfficeHoursFactory(queue=support, weekday=0, opens=dt.time(9), closes=dt.time(10))
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(support)
    monday = next_monday_at(9)
    if name == "create":
        body = request | {"desiredTime": utc_text(monday)}
        if status == "400":
            body["phoneNumber"] = "12345"
        if status == "429":
            for _ in range(5):
                CallbackFactory(queue=support, desired_time=monday)
        return api.post(ges("callbacks/create"), body, format="json"), expected
    if name in ("cancel", "retrieve"):
        callback = CallbackFactory(queue=support)
        if status in ("400", "200 completed"):
            lifecycle.assign(callback, agent=AgentFactory())
            lifecycle.start(callback)
            lifecycle.complete(callback)
        callback_id = str(uuid.uuid4()) if status == "404" else str(callback.public_id)
        return api.post(ges(f"callbacks/{name}"), request | {"id": callback_id}, format="json"), expected
    if name == "availability":
        params = request | {"start": utc_text(monday)} | ({"timezone": "Nowhere/Nothing"} if status == "400" else {})
        return api.get(ges("callbacks/availability/support"), params), expected
    if name == "open_for":
        return api.get(ges("callbacks/open-for/support"), {"start": utc_text(monday)}), expected
    if name == "estimated_wait_time":
        billing = QueueFactory(slug="billing")
        ApiKey.objects.get().queues.add(billing)
        return api.get(ges("estimated-wait-time"), request), expected
    if name == "queue_status":
        return api.get(ges("callbacks/queue-status/support")), expected
    headers = {"HTTP_X_API_KEY": "unknown"} if status == "401" else {}
    return api.get(ges("callbacks/queue-status/billing"), **headers), expected


CONTRACT_CASES = [
    (path.stem, status)
    for path in sorted(FIXTURES.glob("*.json"))
    for status in json.loads(path.read_text())["responses"]
]


def test_every_example_is_a_contract_case():
    assert {name for name, _ in CONTRACT_CASES} == {
        "create",
        "cancel",
        "retrieve",
        "availability",
        "open_for",
        "estimated_wait_time",
        "queue_status",
        "errors",
    }


@pytest.mark.parametrize("case", CONTRACT_CASES, ids=[f"{name}-{status}" for name, status in CONTRACT_CASES])
def test_our_answers_have_the_documented_field_names_and_types(api, support, case):
    response, expected = contract_case(case, api, support)

    assert response.status_code == int(case[1][:3])
    assert shape(response.json()) == shape(expected)


# -- seed_demo ------------------------------------------------------------------------------------


def test_seed_demo_makes_the_demo_key_on_support_once_and_prints_it():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())

    key = ApiKey.objects.get()
    assert key.key_digest == ApiKey.digest("demo-ges-key") and key.active
    assert list(key.queues.values_list("slug", flat=True)) == ["support"]
    assert "demo-ges-key" in out.getvalue()
    assert APIClient(HTTP_X_API_KEY="demo-ges-key").get(ges("callbacks/queue-status/support")).status_code == 200


# -- provisioning in the admin --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["developer", "administrator"])
def test_developers_and_administrators_add_keys_in_the_admin_stored_as_a_digest(request, persona, support):
    staff = request.getfixturevalue(persona)
    form = staff.get("/admin/callbacks/apikey/add/")
    assert form.status_code == 200

    response = staff.post(
        "/admin/callbacks/apikey/add/",
        {
            "name": "IVR",
            "key": "an-existing-ges-key-0123456789",
            "active": "on",
            "queues": [support.pk],
            "allowed_origins": "https://www.example.com",
            "captcha_provider": "none",
        },
    )

    assert response.status_code == 302
    key = ApiKey.objects.get(name="IVR")
    assert (key.key_digest, key.key_prefix) == (ApiKey.digest("an-existing-ges-key-0123456789"), "an-exi")
    assert (
        APIClient(HTTP_X_API_KEY="an-existing-ges-key-0123456789").get(ges("callbacks/open-for/support")).status_code
        == 200
    )


def test_the_admin_refuses_a_short_key_a_key_in_use_and_an_origin_with_a_path(developer, api_key):
    response = developer.post(
        "/admin/callbacks/apikey/add/",
        {
            "name": "Copy",
            "key": KEY,
            "active": "on",
            "allowed_origins": "https://www.example.com/page",
            "captcha_provider": "none",
        },
    )
    short = developer.post(
        "/admin/callbacks/apikey/add/", {"name": "Short", "key": "short", "active": "on", "captcha_provider": "none"}
    )

    assert set(response.context["adminform"].form.errors) == {"key", "allowed_origins"}
    assert set(short.context["adminform"].form.errors) == {"key"}
    assert ApiKey.objects.count() == 1


def test_changing_a_key_without_typing_one_keeps_it(developer, api_key, support):
    response = developer.post(
        f"/admin/callbacks/apikey/{api_key.pk}/change/",
        {
            "name": "Shop, renamed",
            "key": "",
            "active": "on",
            "queues": [support.pk],
            "allowed_origins": ORIGIN,
            "captcha_provider": "none",
        },
    )

    assert response.status_code == 302
    api_key.refresh_from_db()
    assert (api_key.name, api_key.key_digest) == ("Shop, renamed", ApiKey.digest(KEY))


def test_the_admin_asks_for_the_secret_of_a_captcha_provider(developer, support):
    response = developer.post(
        "/admin/callbacks/apikey/add/",
        {"name": "Web", "key": "a-web-key-0123456789abcdef", "active": "on", "captcha_provider": "turnstile"},
    )

    assert "captcha_secret_key" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_agents_and_supervisors_cannot_reach_api_keys(agent, supervisor):
    for client in (agent, supervisor):
        assert client.get("/admin/callbacks/apikey/").status_code == 302
