"""Calling windows at booking, not only at dial time: what the APIs offer, book and refuse after hours."""

import datetime as dt

import pytest
import time_machine

from callbacks import claim, services
from callbacks.models import Attempt, Callback, Outcome, State
from queues.models import Agent, VirtualQueue
from tests.callbacks.test_agent_api import API as AGENT_API
from tests.callbacks.test_public_api import bearer, book, url
from tests.callbacks.test_staff_api import act
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, WidgetFactory, signed_in, working_agent
from tests.queues.test_calling import FLORIDA_NUMBER, LONDON_NUMBER

pytestmark = pytest.mark.django_db

UTC = dt.UTC
TUESDAY_NIGHT_IN_LONDON = dt.datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def night():
    with time_machine.travel(TUESDAY_NIGHT_IN_LONDON, tick=False):
        yield TUESDAY_NIGHT_IN_LONDON


def availability(api, widget, **params):
    return api.get(url(f"widgets/{widget.public_key}/availability"), {"days": 2, **params}).json()


class TestOffering:
    def test_after_hours_in_london_no_slot_is_offered_before_nine(self, api, widget, night):
        slots = availability(api, widget, timezone="Europe/London")["slots"]

        assert slots[0]["customer_local_start"] == "2026-12-02T09:00:00+00:00"
        assert all("09:00" <= slot["customer_local_start"][11:16] < "21:00" for slot in slots)

    def test_after_hours_in_london_an_immediate_callback_is_not_offered_and_it_says_when(self, api, widget, night):
        config = api.get(url("widgets/shop/config"), {"timezone": "Europe/London"}).json()

        assert config["immediate"] == {
            "available": False,
            "code": "outside_calling_window",
            "detail": "We may not call you right now, outside your calling hours. "
            "We can call you from Wed 09:00 your time.",
            "next_window_opens_at": "2026-12-02T09:00:00+00:00",
            "next_window_opens_local": "2026-12-02T09:00:00+00:00",
            "books_at_opening": True,
        }

    def test_a_new_yorker_is_offered_their_own_morning(self, api, widget, night):
        body = availability(api, widget, timezone="America/New_York")

        assert body["customer_time_zone"] == "America/New_York"
        assert body["immediate"]["available"] is True  # 17:00 there
        assert body["slots"][0]["customer_label"] == "Tue 1 Dec, 17:15"
        tonight = [slot["customer_local_start"] for slot in body["slots"] if slot["start"] < "2026-12-02T14:00"]
        assert tonight[-1] == "2026-12-01T20:45:00-05:00"  # then nothing until 09:00 there

    def test_a_sydney_customer_is_told_their_opening(self, api, widget):
        with time_machine.travel(utc(2026, 12, 1, 19, 0), tick=False):  # 06:00 in Sydney
            body = availability(api, widget, timezone="Australia/Sydney")

        assert body["immediate"]["detail"].endswith("We can call you from 09:00 your time.")
        assert body["slots"][0]["customer_local_start"] == "2026-12-02T09:00:00+11:00"

    def test_a_traveller_is_offered_only_the_hours_callable_in_both_zones(self, api, widget, night):
        # Browser in Tokyo, number in London: nine hours apart.
        body = api.post(
            url("widgets/shop/availability"),
            {"timezone": "Asia/Tokyo", "phone_number": LONDON_NUMBER, "days": 2},
            format="json",
        ).json()

        starts = {slot["start"][11:16] for slot in body["slots"]}
        assert starts and min(starts) >= "09:00" and max(starts) < "12:00"  # UTC

    def test_a_number_in_the_query_string_is_not_read(self, api, widget, night):
        # Personal data never goes in a URL: a GET takes the zone and country, a POST the number.
        body = availability(api, widget, timezone="Asia/Tokyo", phone_number=LONDON_NUMBER)

        assert min(slot["start"][11:16] for slot in body["slots"]) < "09:00"

    def test_an_unknown_zone_is_a_400(self, api, widget):
        response = api.get(url("widgets/shop/availability"), {"timezone": "Mars/Olympus"})

        assert response.status_code == 400
        assert response.json() == {"timezone": ["Unknown time zone “Mars/Olympus”."]}


class TestBookingAfterHours:
    def test_an_immediate_request_is_booked_for_the_opening_and_says_so(self, api, widget, night):
        response = book(api, widget, timezone="Europe/London")

        assert response.status_code == 201
        body = response.json()
        assert (body["state"], body["desired_time"], body["scheduled_at_opening"]) == (
            "scheduled",
            "2026-12-02T09:00:00Z",
            True,
        )
        assert body["message"] == (
            "We could not call you right away, outside your calling hours. We will call you around Wed 09:00 your time."
        )

    def test_config_says_a_queue_set_to_refuse_will_not_book_at_the_opening(self, api, widget, night):
        VirtualQueue.objects.filter(pk=widget.queue_id).update(after_hours=VirtualQueue.AfterHours.REFUSE)

        config = api.get(url("widgets/shop/config"), {"timezone": "Europe/London"}).json()

        assert (config["immediate"]["code"], config["immediate"]["books_at_opening"]) == (
            "outside_calling_window",
            False,
        )

    def test_a_queue_set_to_refuse_answers_422_with_the_next_opening(self, api, widget, night):
        VirtualQueue.objects.filter(pk=widget.queue_id).update(after_hours=VirtualQueue.AfterHours.REFUSE)

        response = book(api, widget, timezone="Europe/London")

        assert response.status_code == 422
        assert response.json()["code"] == "outside_calling_window"
        assert response.json()["next_window_opens_at"] == "2026-12-02T09:00:00+00:00"
        assert not Callback.objects.exists()

    def test_a_desired_time_outside_the_window_is_422(self, api, widget, night):
        response = book(api, widget, timezone="Europe/London", desired_time="2026-12-02T03:00:00Z")

        assert response.status_code == 422
        assert response.json()["code"] == "outside_calling_window"

    def test_a_florida_number_at_half_past_eight_in_the_evening_is_refused(self, api):
        queue = QueueFactory(slug="late", time_zone="America/New_York", calling_window_end=dt.time(22))
        widget = WidgetFactory(public_key="late", queue=queue)

        response = book(api, widget, phone_number=FLORIDA_NUMBER, desired_time="2026-12-03T01:30:00Z")

        assert response.status_code == 422
        assert "outside your calling hours" in response.json()["detail"]


class TestStaff:
    def test_a_reschedule_to_three_in_the_morning_is_refused_with_422(self, supervisor, widget):
        callback = CallbackFactory(queue=widget.queue, desired_time=utc(2026, 12, 2, 12, 0))

        response = act(supervisor, callback, "reschedule", {"desired_time": "2026-12-03T03:00:00Z"})

        assert response.status_code == 422
        assert response.json()["code"] == "outside_calling_window"

    def test_the_manage_page_says_why_a_reschedule_was_refused(self, supervisor, widget):
        callback = CallbackFactory(queue=widget.queue, desired_time=utc(2026, 12, 2, 12, 0))

        response = supervisor.post(
            f"/manage/callbacks/{callback.public_id}/reschedule", {"desired_time": "2026-12-03T03:00"}, follow=True
        )

        assert (
            "Outside the customer&#x27;s calling window: they may be called from Thu 03 Dec 09:00 "
            "(Europe/London, the customer&#x27;s time)."
        ) in response.content.decode()

    def test_an_assignment_outside_the_window_is_refused_with_422(self, supervisor, widget, night):
        callback = CallbackFactory(queue=widget.queue, customer_timezone="Europe/London")
        agent = AgentFactory(user__username="ada", status=Agent.Status.AVAILABLE)
        agent.queues.add(widget.queue)

        response = act(supervisor, callback, "assign", {"agent": "ada"})

        assert response.status_code == 422
        assert response.json()["code"] == "outside_calling_window"


class TestDialTime:
    def test_a_florida_number_gets_at_most_three_attempts_in_24_hours(self):
        queue = QueueFactory(
            time_zone="America/New_York", max_attempts=10, retry_delay_minutes=1, max_wait_minutes=3 * 24 * 60
        )
        agent = AgentFactory(status=Agent.Status.AVAILABLE)
        agent.queues.add(queue)
        callback = CallbackFactory(queue=queue, phone_number=FLORIDA_NUMBER, now=utc(2026, 12, 1, 15, 0))
        now = utc(2026, 12, 1, 15, 0)  # 10:00 in Miami
        for _attempt in range(3):
            assert claim.callback_claim_next(agent=agent, now=now) == callback
            services.callback_start(callback=callback, agent=agent, now=now)
            services.callback_record_outcome(callback=callback, agent=agent, outcome=Outcome.NO_ANSWER, now=now)
            now += dt.timedelta(minutes=5)
            services.callbacks_release_due(now=now)

        assert claim.callback_claim_next(agent=agent, now=now) is None
        callback.refresh_from_db()
        assert callback.state == State.QUEUED
        assert callback.hold_until == utc(2026, 12, 2, 15, 0)  # 24 hours after the first attempt
        assert Attempt.objects.filter(callback=callback).count() == 3

    def test_an_immediate_callback_still_waiting_when_the_window_closes_says_why(self, api, widget):
        with time_machine.travel(utc(2026, 12, 1, 20, 50), tick=False):
            booked = book(api, widget, timezone="Europe/London").json()
        with time_machine.travel(TUESDAY_NIGHT_IN_LONDON, tick=False):
            status = api.get(url(f"callbacks/{booked['id']}"), **bearer(booked["token"])).json()

        assert (status["state"], status["reason"]) == ("queued", "outside_calling_window")
        assert status["status_text"] == (
            "You are in line; we may not call you now, outside your calling hours. "
            "We can call you from Wed 09:00 your time."
        )


class TestAgents:
    def test_the_agent_api_refuses_a_claim_from_an_away_agent_with_409(self, widget):
        me = working_agent(widget.queue, username="ada")
        Agent.objects.filter(pk=me.pk).update(status=Agent.Status.AWAY)
        CallbackFactory(queue=widget.queue)

        response = signed_in(me).post(AGENT_API + "next", {}, content_type="application/json")

        assert response.status_code == 409
        assert response.json() == {
            "code": "agent_unavailable",
            "status": "away",
            "detail": "You are away: set yourself available to take callbacks.",
        }


class TestWhichRuleSetTheWindowIsShown:
    def test_on_the_manage_detail(self, supervisor, widget):
        callback = CallbackFactory(queue=widget.queue, phone_number=FLORIDA_NUMBER)

        body = supervisor.get(f"/manage/callbacks/{callback.public_id}/").content.decode()

        assert (
            "Today 09:00–20:00 customer&#x27;s time (America/New_York); opens per the queue&#x27;s calling "
            "window 09:00–21:00 (America/New_York), closes per the US-FL calling policy"
        ) in body

    def test_on_the_worklist_card(self, widget):
        me = working_agent(widget.queue, username="ada")
        CallbackFactory(queue=widget.queue, phone_number=FLORIDA_NUMBER)
        page = signed_in(me)
        page.post("/agent/next")

        body = page.get("/agent/").content.decode()

        assert "closes per the US-FL calling policy (America/New_York)" in body

    def test_the_worklist_says_what_waits_for_its_customers_calling_hours(self, widget, night):
        widget.queue.max_wait_minutes = 24 * 60  # it outlives the night
        widget.queue.save()
        me = working_agent(widget.queue, username="ada")
        CallbackFactory(queue=widget.queue, customer_timezone="Europe/London")
        page = signed_in(me)

        body = page.post("/agent/next", follow=True).content.decode()

        assert "Nothing you may call right now: what waits is outside its customers&#x27; calling hours." in body
        assert (
            "1 of them may not be called yet, outside their customers' calling hours; the first from 09:00 UTC."
        ) in body
        assert "1 held for calling hours" in body
