import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks.api.public.throttles import CreateByAddressThrottle, CreateByNumberThrottle
from callbacks.models import Callback, Channel, State
from queues.models import Agent, ClosedDate
from reporting.models import WidgetEvent
from tests.factories import AgentFactory, CallbackFactory, OfficeHoursFactory, WidgetFactory

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example.com"
PHONE = "+44 20 7946 0958"


def url(path):
    return f"/api/v1/public/{path}"


def book(api, widget, **fields):
    body = {"phone_number": PHONE, **fields}
    return api.post(url(f"widgets/{widget.public_key}/callbacks"), body, format="json")


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def next_monday_at(hour, zone="Europe/London"):
    import zoneinfo

    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return dt.datetime.combine(monday, dt.time(hour), tzinfo=zoneinfo.ZoneInfo(zone))


# -- config ---------------------------------------------------------------------------------------


def test_config_gives_the_form_theme_and_queue(api, widget):
    response = api.get(url("widgets/shop/config"))

    assert response.status_code == 200
    body = response.json()
    assert body["queue"] == {"slug": "support", "name": widget.queue.name, "time_zone": "Europe/London"}
    assert [f["name"] for f in body["form"]][-2:] == ["phone_number", "notes"]
    assert body["captcha"] == {"provider": "none", "site_key": ""}
    assert body["theme"] == {"mode": "light", "accent_color": "#2563eb"}
    assert body["open_now"] is True and body["offer_immediate"] is True


def test_config_gives_no_wait_estimate_while_no_agent_is_logged_in(api, widget):
    assert api.get(url("widgets/shop/config")).json()["ewt_seconds"] is None


def test_config_estimates_the_wait_from_the_agents_logged_in(api, widget, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 240
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(widget.queue)
    CallbackFactory(queue=widget.queue)

    # One callback ahead, one agent: the new customer is second in line, two rounds of calls.
    assert api.get(url("widgets/shop/config")).json()["ewt_seconds"] == 480


def test_config_of_an_unknown_widget_is_404(api):
    assert api.get(url("widgets/nope/config")).status_code == 404


def test_config_of_an_inactive_widget_is_422_with_a_code(api, widget):
    widget.active = False
    widget.save()

    response = api.get(url("widgets/shop/config"))

    assert response.status_code == 422
    assert response.json()["code"] == "widget_inactive"


# -- availability ---------------------------------------------------------------------------------


def test_availability_offers_slots_inside_office_hours_in_the_queues_zone(api, widget):
    OfficeHoursFactory(queue=widget.queue, weekday=0, opens=dt.time(9), closes=dt.time(10))
    monday = next_monday_at(9)

    response = api.get(url("widgets/shop/availability"), {"start": monday.date().isoformat(), "days": 1})

    body = response.json()
    assert response.status_code == 200
    assert (body["time_zone"], body["slot_minutes"]) == ("Europe/London", 15)
    assert [s["local_start"][11:16] for s in body["slots"]] == ["09:00", "09:15", "09:30", "09:45"]
    first = body["slots"][0]
    assert dt.datetime.fromisoformat(first["start"].replace("Z", "+00:00")) == monday
    assert first["label"].endswith("09:00")
    assert (first["capacity"], first["total"]) == (None, None)


def test_availability_skips_closed_dates(api, widget):
    OfficeHoursFactory(queue=widget.queue, weekday=0, opens=dt.time(9), closes=dt.time(10))
    monday = next_monday_at(9)
    ClosedDate.objects.create(queue=widget.queue, date=monday.date())

    body = api.get(url("widgets/shop/availability"), {"start": monday.date().isoformat(), "days": 1}).json()

    assert body["slots"] == []


def test_availability_never_offers_a_slot_in_the_past(api, widget):
    body = api.get(url("widgets/shop/availability"), {"days": 1}).json()

    assert all(dt.datetime.fromisoformat(s["start"].replace("Z", "+00:00")) > timezone.now() for s in body["slots"])


def test_availability_caps_the_number_of_slots(api, widget):
    body = api.get(url("widgets/shop/availability"), {"days": 3, "max_slots": 5}).json()

    assert len(body["slots"]) == 5


def test_availability_refuses_bad_parameters_field_by_field(api, widget):
    response = api.get(url("widgets/shop/availability"), {"start": "tomorrow", "days": 0})

    assert response.status_code == 400
    assert set(response.json()) == {"start", "days"}


def test_availability_from_a_date_far_past_the_booking_horizon_is_empty_not_an_error(api, widget):
    response = api.get(url("widgets/shop/availability"), {"start": "9999-12-31", "days": 90})

    assert response.status_code == 200
    assert response.json()["slots"] == []


def test_availability_is_empty_when_the_widget_offers_no_scheduling(api, widget):
    widget.offer_scheduling = False
    widget.save()

    assert api.get(url("widgets/shop/availability")).json()["slots"] == []


# -- creating -------------------------------------------------------------------------------------


def test_it_books_an_immediate_callback(api, widget):
    response = book(api, widget, first_name="Ada", context={"page": "/pricing"}, timezone="Europe/Paris")

    assert response.status_code == 201
    body = response.json()
    callback = Callback.objects.get(public_id=body["id"])
    assert (body["state"], body["position"], body["desired_time"]) == ("queued", 1, None)
    assert body["token"]
    assert (callback.channel, callback.widget, str(callback.phone_number)) == (Channel.WIDGET, widget, "+442079460958")
    assert callback.context == {"page": "/pricing"}


def test_it_books_a_scheduled_callback(api, widget):
    when = next_monday_at(10)

    response = book(api, widget, desired_time=when.isoformat())

    assert response.status_code == 201
    assert response.json()["state"] == "scheduled"
    assert Callback.objects.get(public_id=response.json()["id"]).desired_time == when


def test_a_number_without_country_code_is_read_with_the_country_picked(api, widget):
    response = book(api, widget, phone_number="020 7946 0958", country="GB")

    assert Callback.objects.get(public_id=response.json()["id"]).phone_number == "+442079460958"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone_number": "12345"}, "phone_number"),
        ({"phone_number": ""}, "phone_number"),
        ({"desired_time": "2020-01-01T10:00:00Z"}, "desired_time"),
        ({"desired_time": "soon"}, "desired_time"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"notes": "x" * 2001}, "notes"),
        ({"email": "not-an-email"}, "email"),
        ({"context": {f"k{i}": i for i in range(51)}}, "context"),
        ({"context": {"big": "x" * 9000}}, "context"),
        ({"context": "a string"}, "context"),
    ],
)
def test_bad_input_is_400_with_a_message_for_the_field(api, widget, fields, field):
    response = book(api, widget, **fields)

    assert response.status_code == 400
    assert field in response.json()
    assert not Callback.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"phone_number": "+44 20 7946 0958", "context": {"page": "\\ud800"}}',  # a lone surrogate: no text
        '{"phone_number": "+44 20 7946 0958", "context": {"total": 1e999}}',  # read as infinity
        '{"phone_number": "+44 20 7946 0958", "context": ' + "[" * 5000 + "1" + "]" * 5000 + "}",
    ],
    ids=["lone-surrogate", "infinite-number", "deep-nesting"],
)
def test_it_answers_400_for_json_that_decodes_to_no_text_or_number(api, widget, body):
    response = api.post(url("widgets/shop/callbacks"), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not Callback.objects.exists()


def test_it_answers_400_for_a_null_character_in_the_context(api, widget):
    response = book(api, widget, context={"page": "/pricing", "ref\x00": "x"})

    assert response.status_code == 400
    assert "context" in response.json()


def test_a_time_outside_office_hours_is_400(api, widget):
    OfficeHoursFactory(queue=widget.queue, weekday=0, opens=dt.time(9), closes=dt.time(17))

    response = book(api, widget, desired_time=next_monday_at(20).isoformat())

    assert response.status_code == 400
    assert "closed" in response.json()["desired_time"][0]


def test_an_immediate_callback_while_closed_is_422_queue_closed(api, widget):
    ClosedDate.objects.create(queue=widget.queue, date=timezone.now().astimezone(widget.queue.time_zone).date())

    response = book(api, widget)

    assert response.status_code == 422
    assert response.json()["code"] == "queue_closed"


def test_an_inactive_widget_books_nothing(api, widget):
    widget.active = False
    widget.save()

    assert book(api, widget).status_code == 422
    assert not Callback.objects.exists()


def test_a_second_open_callback_for_the_number_is_409_with_the_first_ones_id(api, widget):
    first = book(api, widget).json()

    response = book(api, widget, phone_number="+442079460958")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert response.json()["id"] == first["id"]


def test_too_many_requests_from_one_address_are_429_with_retry_after(api, widget, monkeypatch):
    monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "3/min")
    for n in range(3):
        book(api, widget, phone_number=f"+44 20 7946 09{n:02d}")

    response = book(api, widget, phone_number="+44 20 7946 0999")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_requests_for_one_number_are_throttled_across_addresses(widget, monkeypatch):
    monkeypatch.setitem(CreateByNumberThrottle.THROTTLE_RATES, "public_number", "2/hour")
    widget.queue.max_open_per_number = 0
    widget.queue.save()
    for n in range(2):
        book(APIClient(REMOTE_ADDR=f"10.0.0.{n}"), widget)

    assert book(APIClient(REMOTE_ADDR="10.0.0.9"), widget).status_code == 429


def test_the_default_rate_lets_a_busy_office_through():
    assert CreateByAddressThrottle().num_requests >= 30


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(api, widget, monkeypatch):
    monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "1/min")
    book(api, widget, HTTP_X_FORWARDED_FOR="1.1.1.1")

    response = api.post(
        url("widgets/shop/callbacks"),
        {"phone_number": "+44 20 7946 0001"},
        format="json",
        HTTP_X_FORWARDED_FOR="2.2.2.2",
    )

    assert response.status_code == 429


# -- following a callback -------------------------------------------------------------------------


def test_the_token_opens_the_callbacks_state(api, widget):
    booked = book(api, widget).json()

    response = api.get(url(f"callbacks/{booked['id']}"), **bearer(booked["token"]))

    assert response.status_code == 200
    assert response.json() | {"ewt_seconds": None} == {
        "id": booked["id"],
        "state": "queued",
        "desired_time": None,
        "ewt_seconds": None,
        "position": 1,
        "can_cancel": True,
        "can_reschedule": True,
        "reason": None,
        "status_text": "You are in line; an agent will call you as soon as one is free.",
    }


def test_without_a_token_it_is_401(api, widget):
    booked = book(api, widget).json()

    response = api.get(url(f"callbacks/{booked['id']}"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_one_customers_token_cannot_read_another_callback(api, widget):
    mine = book(api, widget).json()
    theirs = book(api, widget, phone_number="+33 1 42 68 53 00").json()

    assert api.get(url(f"callbacks/{theirs['id']}"), **bearer(mine["token"])).status_code == 404
    assert api.post(url(f"callbacks/{theirs['id']}/cancel"), **bearer(mine["token"])).status_code == 404
    assert Callback.objects.get(public_id=theirs["id"]).state == State.QUEUED


def test_an_unknown_callback_is_404(api):
    assert api.get(url(f"callbacks/{uuid.uuid4()}"), **bearer("whatever")).status_code == 404


def test_the_customer_cancels(api, widget):
    booked = book(api, widget).json()

    response = api.post(url(f"callbacks/{booked['id']}/cancel"), **bearer(booked["token"]))

    assert response.status_code == 200
    assert response.json()["state"] == "canceled"
    assert Callback.objects.get(public_id=booked["id"]).events.last().actor == "customer"


def test_canceling_twice_is_409(api, widget):
    booked = book(api, widget).json()
    api.post(url(f"callbacks/{booked['id']}/cancel"), **bearer(booked["token"]))

    response = api.post(url(f"callbacks/{booked['id']}/cancel"), **bearer(booked["token"]))

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_the_customer_reschedules(api, widget):
    booked = book(api, widget).json()
    when = next_monday_at(11)

    response = api.post(
        url(f"callbacks/{booked['id']}/reschedule"),
        {"desired_time": when.isoformat()},
        format="json",
        **bearer(booked["token"]),
    )

    assert response.status_code == 200
    assert response.json()["state"] == "scheduled"
    assert Callback.objects.get(public_id=booked["id"]).desired_time == when


def test_rescheduling_into_the_past_is_400(api, widget):
    booked = book(api, widget).json()

    response = api.post(
        url(f"callbacks/{booked['id']}/reschedule"),
        {"desired_time": "2020-01-01T10:00:00Z"},
        format="json",
        **bearer(booked["token"]),
    )

    assert response.status_code == 400
    assert "desired_time" in response.json()


# -- events ---------------------------------------------------------------------------------------


def event(name="opened", **metadata):
    return {"name": name, "occurred_at": timezone.now().isoformat(), "metadata": metadata}


def test_it_stores_a_batch_of_widget_events(api, widget):
    response = api.post(
        url("widgets/shop/events"), {"session": "s1", "events": [event(opens=1), event("closed")]}, format="json"
    )

    assert response.status_code == 202
    assert list(WidgetEvent.objects.values_list("name", "session")) == [("opened", "s1"), ("closed", "s1")]
    assert WidgetEvent.objects.first().metadata == {"opens": 1}


def test_an_event_from_a_clock_far_ahead_is_kept_no_later_than_five_minutes_from_now(api, widget):
    ahead = {**event(), "occurred_at": (timezone.now() + dt.timedelta(hours=3)).isoformat()}

    before = timezone.now()
    api.post(url("widgets/shop/events"), {"session": "s1", "events": [ahead]}, format="json")

    slack = dt.timedelta(minutes=5)
    assert before + slack <= WidgetEvent.objects.get().occurred_at <= timezone.now() + slack


def test_a_bad_event_is_dropped_not_the_batch(api, widget):
    response = api.post(
        url("widgets/shop/events"), {"session": "s1", "events": [event(), {"name": "no time"}]}, format="json"
    )

    assert response.json() == {"accepted": 1}


def test_an_event_with_a_null_character_in_its_metadata_is_dropped_not_the_batch(api, widget):
    response = api.post(
        url("widgets/shop/events"), {"session": "s1", "events": [event(page="a\x00b"), event()]}, format="json"
    )

    assert response.json() == {"accepted": 1}


def test_events_sent_as_a_beacon_in_plain_text_are_accepted(api, widget):
    import json

    response = api.post(
        url("widgets/shop/events"), json.dumps({"session": "s1", "events": [event()]}), content_type="text/plain"
    )

    assert response.status_code == 202
    assert WidgetEvent.objects.count() == 1


def test_an_oversized_batch_is_400(api, widget):
    response = api.post(url("widgets/shop/events"), {"session": "s1", "events": [event()] * 51}, format="json")

    assert response.status_code == 400


# -- CORS -----------------------------------------------------------------------------------------


def test_cors_allows_the_widgets_configured_origin(api, widget):
    response = api.get(url("widgets/shop/config"), HTTP_ORIGIN=ORIGIN)

    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_preflight_passes_for_the_configured_origin(api, widget):
    response = api.options(
        url("widgets/shop/callbacks"),
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, idempotency-key",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "idempotency-key" in response["Access-Control-Allow-Headers"]


def test_cors_refuses_any_other_origin(api, widget):
    response = api.get(url("widgets/shop/config"), HTTP_ORIGIN="https://evil.example.net")

    assert "Access-Control-Allow-Origin" not in response


def test_cors_for_a_callback_follows_the_widget_it_was_booked_through(api, widget):
    booked = book(api, widget).json()

    allowed = api.get(url(f"callbacks/{booked['id']}"), HTTP_ORIGIN=ORIGIN, **bearer(booked["token"]))
    refused = api.get(
        url(f"callbacks/{booked['id']}"), HTTP_ORIGIN="https://evil.example.net", **bearer(booked["token"])
    )

    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in refused


def test_cors_headers_never_reach_staff_pages(api, widget):
    response = api.get("/api/schema/", HTTP_ORIGIN=ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


def test_the_public_api_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "/api/v1/public/widgets/{key}/callbacks" in schema["paths"]
    assert "/api/v1/public/callbacks/{callback_id}/reschedule" in schema["paths"]


def test_the_schema_documents_the_errors_a_booking_answers(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    responses = schema["paths"]["/api/v1/public/widgets/{key}/callbacks"]["post"]["responses"]
    assert set(responses) == {"201", "400", "404", "409", "422", "429", "503"}


def test_the_schema_says_a_required_text_field_refuses_a_blank(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert schema["components"]["schemas"]["CreateInputRequest"]["properties"]["phone_number"]["minLength"] == 1


# -- CAPTCHA --------------------------------------------------------------------------------------


def test_a_widget_with_a_captcha_refuses_a_request_without_one(api):
    widget = WidgetFactory(captcha_provider="image")

    response = book(api, widget)

    assert response.status_code == 400
    assert "captcha" in response.json()
    assert not Callback.objects.exists()


def test_the_image_challenge_answered_right_books_the_callback(api):
    from captcha.models import CaptchaStore

    widget = WidgetFactory(captcha_provider="image")
    challenge = api.get(url(f"widgets/{widget.public_key}/captcha")).json()
    answer = CaptchaStore.objects.get(hashkey=challenge["key"]).response

    response = book(api, widget, captcha=f"{challenge['key']}:{answer}")

    assert response.status_code == 201


def test_a_widget_without_the_image_captcha_has_no_challenge(api, widget):
    assert api.get(url("widgets/shop/captcha")).status_code == 404
