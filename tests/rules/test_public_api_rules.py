"""The rules through the real public API: 422 codes, availability, the widget config, the records kept."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from callbacks.models import Callback, RejectionRecord, State
from queues.models import Agent, ClosedDate
from rules.models import GlobalRules
from tests.callbacks.test_public_api import url
from tests.factories import (
    AgentFactory,
    CallbackFactory,
    NumberEntryFactory,
    QueueFactory,
    QueueRulesFactory,
    WidgetFactory,
    forced_into,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
LANDLINE = "+44 20 7946 0958"
# A Tuesday, ten minutes before the queue of the closing-time test closes.
TEN_TO_SIX_IN_LONDON = dt.datetime(2026, 12, 1, 17, 50, tzinfo=LONDON)


def book(api, phone_number=LANDLINE, **fields):
    return api.post(url("widgets/shop/callbacks"), {"phone_number": phone_number, **fields}, format="json")


def next_monday_at(hour, minute=0):
    today = timezone.now().astimezone(LONDON).date()
    return dt.datetime.combine(today + dt.timedelta(days=7 - today.weekday()), dt.time(hour, minute), tzinfo=LONDON)


def rules(widget, **fields):
    return QueueRulesFactory(queue=widget.queue, **fields)


def assert_refused(response, code):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"].endswith(".")


# -- each code answers 422 ------------------------------------------------------------------------


def test_a_full_slot_is_422_capacity_full(api, widget):
    rules(widget, slot_capacity=1)
    assert book(api, desired_time=next_monday_at(10).isoformat()).status_code == 201

    response = book(api, "+44 20 7946 0959", desired_time=next_monday_at(10, 5).isoformat())

    assert_refused(response, "capacity_full")
    assert Callback.objects.count() == 1


def test_a_number_from_a_refused_country_is_422_country_not_allowed(api, widget):
    rules(widget, country_policy="deny", countries="FR")

    assert_refused(book(api, "+33 6 12 34 56 78"), "country_not_allowed")


def test_a_denied_number_is_422_number_blocked(api, widget):
    NumberEntryFactory(rules=widget.queue.rules, match="exact", value="+442079460958")

    assert_refused(book(api), "number_blocked")


def test_a_premium_number_is_422_number_type_not_allowed(api, widget):
    assert_refused(book(api, "+44 90 1234 5678"), "number_type_not_allowed")


def test_a_number_with_too_many_open_callbacks_is_422_too_many_open(api, widget):
    rules(widget, max_open_across_queues=1)
    CallbackFactory(queue=QueueFactory(), phone_number="+442079460958")

    assert_refused(book(api), "too_many_open")


def test_a_number_over_its_daily_requests_is_422_daily_limit(api, widget):
    rules(widget, max_requests_per_day=1)
    forced_into(CallbackFactory(queue=widget.queue, phone_number="+442079460958"), State.CANCELED)

    assert_refused(book(api), "daily_limit")


def test_an_immediate_callback_as_the_queue_is_about_to_close_is_422_queue_closed(api, widget):
    widget.queue.office_hours.create(weekday=TEN_TO_SIX_IN_LONDON.weekday(), opens=dt.time(9), closes=dt.time(18))
    rules(widget, immediate_cutoff_minutes=30)

    with time_machine.travel(TEN_TO_SIX_IN_LONDON, tick=False):
        response = book(api)

    assert_refused(response, "queue_closed")


def test_an_immediate_callback_while_too_many_wait_is_422_not_offered(api, widget):
    rules(widget, offer_max_waiting=0)
    CallbackFactory(queue=widget.queue)

    assert_refused(book(api), "not_offered")


def test_a_duplicate_in_the_queue_is_still_409_before_any_rule(api, widget):
    rules(widget, max_open_across_queues=1)
    first = book(api).json()

    response = book(api)

    assert response.status_code == 409
    assert response.json()["id"] == first["id"]


def test_rescheduling_into_a_full_slot_is_422_capacity_full(api, widget):
    rules(widget, slot_capacity=1)
    book(api, "+44 20 7946 0001", desired_time=next_monday_at(10).isoformat())
    mine = book(api, desired_time=next_monday_at(11).isoformat()).json()

    response = api.post(
        url(f"callbacks/{mine['id']}/reschedule"),
        {"desired_time": next_monday_at(10).isoformat()},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {mine['token']}",
    )

    assert_refused(response, "capacity_full")
    assert Callback.objects.get(public_id=mine["id"]).desired_time == next_monday_at(11)


def test_rescheduling_within_a_full_slot_it_holds_is_allowed(api, widget):
    rules(widget, slot_capacity=1)
    mine = book(api, desired_time=next_monday_at(10).isoformat()).json()

    response = api.post(
        url(f"callbacks/{mine['id']}/reschedule"),
        {"desired_time": next_monday_at(10, 10).isoformat()},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {mine['token']}",
    )

    assert response.status_code == 200


# -- rejections are recorded ----------------------------------------------------------------------


def test_a_rejection_is_recorded_with_its_code_queue_widget_and_channel(api, widget):
    book(api, "+44 90 1234 5678")

    record = RejectionRecord.objects.get()
    assert (record.code, record.queue, record.widget, record.channel, record.action) == (
        "number_type_not_allowed",
        widget.queue,
        widget,
        "widget",
        "create",
    )
    assert record.message.startswith("We cannot call premium rate numbers")


def test_a_rejection_record_keeps_only_the_last_four_digits(api, widget):
    book(api, "+44 90 1234 5678")

    record = RejectionRecord.objects.values().get()
    assert record["number_last_digits"] == "5678"
    assert not any("12345678" in str(value) or "9012345678" in str(value) for value in record.values())


def test_a_refused_reschedule_is_recorded_as_one(api, widget):
    rules(widget, slot_capacity=1)
    book(api, "+44 20 7946 0001", desired_time=next_monday_at(10).isoformat())
    mine = book(api, desired_time=next_monday_at(11).isoformat()).json()

    api.post(
        url(f"callbacks/{mine['id']}/reschedule"),
        {"desired_time": next_monday_at(10).isoformat()},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {mine['token']}",
    )

    record = RejectionRecord.objects.get()
    assert (record.action, record.code, record.number_last_digits, record.desired_time) == (
        "reschedule",
        "capacity_full",
        "0958",
        next_monday_at(10),
    )


def test_bad_input_and_duplicates_are_no_rule_rejections(api, widget):
    book(api)
    book(api)  # 409
    book(api, "12345")  # 400

    assert not RejectionRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_record_outlives_the_refused_bookings_rollback(api):
    WidgetFactory(public_key="shop", queue=QueueFactory(slug="support", time_zone="Europe/London"))

    response = book(api, "+44 90 1234 5678")

    assert response.status_code == 422
    assert not Callback.objects.exists()
    assert RejectionRecord.objects.filter(code="number_type_not_allowed", number_last_digits="5678").count() == 1


# -- availability ---------------------------------------------------------------------------------


def slots_on_monday(api):
    body = api.get(url("widgets/shop/availability"), {"start": next_monday_at(0).date().isoformat(), "days": 1})
    return {s["local_start"][11:16]: s for s in body.json()["slots"]}


def test_availability_shows_what_is_left_of_each_slot_beside_its_total(api, widget):
    rules(widget, slot_capacity=3)
    book(api, desired_time=next_monday_at(10).isoformat())

    slots = slots_on_monday(api)

    assert (slots["10:00"]["capacity"], slots["10:00"]["total"]) == (2, 3)
    assert (slots["10:15"]["capacity"], slots["10:15"]["total"]) == (3, 3)


def test_availability_hides_a_full_slot(api, widget):
    rules(widget, slot_capacity=1)
    book(api, desired_time=next_monday_at(10).isoformat())

    slots = slots_on_monday(api)

    assert "10:00" not in slots
    assert "09:45" in slots and "10:15" in slots


def test_availability_hides_every_slot_of_a_full_day(api, widget):
    rules(widget, daily_capacity=1)
    book(api, desired_time=next_monday_at(10).isoformat())

    assert slots_on_monday(api) == {}


def test_availability_shows_the_days_remaining_room_when_it_is_the_tighter_limit(api, widget):
    rules(widget, slot_capacity=5, daily_capacity=3)
    book(api, desired_time=next_monday_at(10).isoformat())

    slots = slots_on_monday(api)

    assert (slots["12:00"]["capacity"], slots["12:00"]["total"]) == (2, 5)


# -- is an immediate callback offered now? --------------------------------------------------------


def test_config_and_availability_say_an_immediate_callback_is_offered(api, widget):
    config = api.get(url("widgets/shop/config")).json()
    availability = api.get(url("widgets/shop/availability"), {"days": 1}).json()

    assert config["offer_immediate"] is True and availability["immediate_available"] is True
    assert (
        config["immediate"]
        == availability["immediate"]
        == {
            "available": True,
            "code": None,
            "detail": None,
            "next_window_opens_at": None,
            "next_window_opens_local": None,
            "books_at_opening": False,
        }
    )


def test_config_says_why_no_immediate_callback_is_offered_while_too_many_wait(api, widget):
    rules(widget, offer_max_waiting=0)
    CallbackFactory(queue=widget.queue)

    config = api.get(url("widgets/shop/config")).json()

    assert config["offer_immediate"] is False
    assert config["immediate"]["code"] == "not_offered"
    assert "too many callbacks waiting" in config["immediate"]["detail"]


def test_availability_says_why_no_immediate_callback_is_offered_while_closed(api, widget):
    ClosedDate.objects.create(queue=widget.queue, date=timezone.now().astimezone(LONDON).date())

    body = api.get(url("widgets/shop/availability"), {"days": 1}).json()

    assert body["immediate_available"] is False
    assert body["immediate"]["code"] == "queue_closed"


def test_config_says_no_immediate_callback_while_the_wait_is_short(api, widget, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 60
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(widget.queue)
    rules(widget, offer_min_ewt_minutes=5)

    assert api.get(url("widgets/shop/config")).json()["immediate"]["code"] == "not_offered"


def test_config_says_no_immediate_callback_when_today_is_fully_booked(api, widget):
    rules(widget, daily_capacity=1)
    CallbackFactory(queue=widget.queue)

    assert api.get(url("widgets/shop/config")).json()["immediate"]["code"] == "capacity_full"


def test_the_global_country_default_applies_through_the_api(api, widget):
    GlobalRules.objects.update_or_create(pk=1, defaults={"country_policy": "allow", "countries": "GB"})

    assert book(api).status_code == 201
    assert_refused(book(api, "+1 201 555 0123"), "country_not_allowed")
