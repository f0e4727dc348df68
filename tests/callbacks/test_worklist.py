"""The agent's worklist page, /agent/, through the Django test client: who may open it, and every action."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from callbacks import services
from callbacks.models import Attempt, State
from queues.models import Agent
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, signed_in, working_agent

pytestmark = pytest.mark.django_db

PAGE = "/agent/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def queue():
    return QueueFactory(slug="support", name="Support", max_attempts=3, retry_delay_minutes=15, any_hour=True)


@pytest.fixture
def page(me):
    return signed_in(me)


@pytest.fixture
def waiting(queue):
    return CallbackFactory(
        queue=queue,
        first_name="Grace",
        last_name="Hopper",
        phone_number="+442079460958",
        notes="About my last bill",
        context={"page": "https://shop.example/billing", "cart": 2},
        now=timezone.now() - dt.timedelta(minutes=7),
    )


def claim(page):
    return page.post(PAGE + "next", **HTMX)


def act(page, callback, action, data=None):
    return page.post(f"{PAGE}callbacks/{callback.public_id}/{action}", data or {}, **HTMX)


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


class TestAccess:
    def test_it_sends_a_visitor_to_log_in(self, db):
        response = Client().get(PAGE)

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/agent/")

    @pytest.mark.parametrize("persona", ["supervisor", "manager", "developer", "administrator"])
    def test_it_refuses_someone_who_is_not_an_agent(self, request, persona):
        assert request.getfixturevalue(persona).get(PAGE).status_code == 403

    def test_it_tells_an_agent_without_a_profile_what_to_do(self, agent):
        response = agent.get(PAGE)

        assert response.status_code == 403
        assert "No agent profile yet" in response.content.decode()

    def test_it_refuses_a_profile_without_the_agent_role(self, queue):
        profile_only = AgentFactory()
        profile_only.queues.add(queue)

        assert signed_in(profile_only).get(PAGE).status_code == 403

    def test_it_refuses_an_action_without_the_csrf_token(self, me, waiting):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(me.user)

        assert strict.post(PAGE + "next").status_code == 403
        assert state_of(waiting) == State.QUEUED

    def test_it_shows_the_worklist_link_to_agents_only(self, page, supervisor):
        assert 'href="/agent/"' in page.get("/").content.decode()
        assert 'href="/agent/"' not in supervisor.get("/").content.decode()


class TestIdle:
    def test_it_says_clearly_when_nothing_is_waiting(self, page):
        response = page.get(PAGE)

        assert response.status_code == 200
        assert "Nothing is waiting right now." in response.content.decode()

    def test_it_counts_what_waits_in_the_agents_queues(self, page, waiting):
        body = page.get(PAGE).content.decode()

        assert "1 callback waiting in your queues." in body
        assert "1 waiting" in body

    def test_a_claim_with_nothing_waiting_says_so(self, page):
        response = claim(page)

        assert "Nothing is waiting for you right now." in response.content.decode()

    def test_it_asks_an_away_agent_to_become_available_first(self, page, me, waiting):
        Agent.objects.filter(pk=me.pk).update(status=Agent.Status.AWAY)

        response = claim(page)

        assert "You are away: set yourself available to take callbacks." in response.content.decode()
        assert state_of(waiting) == State.QUEUED

    def test_an_away_agent_is_offered_to_go_available(self, page, me):
        Agent.objects.filter(pk=me.pk).update(status=Agent.Status.AWAY)

        body = page.get(PAGE).content.decode()

        assert '<button type="submit" name="status" value="available" class="big">Go available</button>' in body
        assert "Next callback</button>" not in body

    def test_it_lists_the_scheduled_callbacks_of_the_agents_queues(self, page, queue):
        later = timezone.now() + dt.timedelta(days=1)
        CallbackFactory(queue=queue, first_name="Katherine", last_name="Johnson", desired_time=later)

        body = page.get(PAGE).content.decode()

        assert "Katherine Johnson" in body
        assert "No scheduled callbacks" not in body


class TestPanel:
    def test_an_htmx_request_gets_the_panel_alone(self, page):
        response = page.get(PAGE + "panel", **HTMX)

        body = response.content.decode()
        assert 'id="worklist"' in body
        assert "<html" not in body

    def test_it_polls_while_the_agent_waits(self, page):
        assert 'hx-trigger="every 5s' in page.get(PAGE + "panel").content.decode()

    def test_it_stops_polling_during_a_call_so_notes_are_not_wiped(self, page, waiting):
        claim(page)
        act(page, waiting, "start")

        assert "every 5s" not in page.get(PAGE + "panel").content.decode()


class TestCard:
    def test_claiming_shows_the_customer(self, page, waiting):
        body = claim(page).content.decode()

        assert state_of(waiting) == State.ASSIGNED
        assert "Grace Hopper" in body
        assert "About my last bill" in body
        assert "Support" in body

    def test_it_gives_the_number_as_a_tel_link_in_national_format(self, page, waiting):
        body = claim(page).content.decode()

        assert '<a href="tel:+442079460958" data-testid="tel">020 7946 0958</a>' in body

    def test_it_shows_the_journey_context(self, page, waiting):
        body = claim(page).content.decode()

        assert '<a href="https://shop.example/billing"' in body
        assert "<dt>cart</dt><dd>2</dd>" in body

    def test_it_counts_down_the_reservation(self, page, waiting, queue):
        body = claim(page).content.decode()

        assert (
            f'data-seconds-left="{queue.reservation_timeout_seconds}"' in body
            or f'data-seconds-left="{queue.reservation_timeout_seconds - 1}"' in body
        )

    def test_it_shows_how_long_the_customer_has_waited(self, page, waiting):
        assert "7 min" in claim(page).content.decode()

    def test_it_lists_earlier_attempts(self, page, waiting):
        claim(page)
        act(page, waiting, "start")
        act(page, waiting, "outcome", {"outcome": "no_answer", "notes": "Rang out"})
        services.callbacks_release_due(now=timezone.now() + dt.timedelta(minutes=16))

        body = claim(page).content.decode()

        assert "Attempts so far" in body
        assert "Rang out" in body


class TestTimes:
    # 21:34 UTC: 16:34 in New York, where the page once said 21:34.
    INSTANT = dt.datetime(2026, 1, 15, 21, 34, tzinfo=dt.UTC)

    def test_the_card_gives_the_customers_local_time_in_their_zone(self, page, queue):
        with time_machine.travel(self.INSTANT, tick=False):
            CallbackFactory(queue=queue, phone_number="+12125550123", customer_timezone="America/New_York")
            body = claim(page).content.decode()

        assert '<dd data-testid="customer-time">16:34 EST (America/New_York)</dd>' in body

    def test_a_booked_time_says_it_is_the_customers(self, page, queue):
        with time_machine.travel(self.INSTANT, tick=False):
            CallbackFactory(
                queue=queue,
                phone_number="+12125550123",
                customer_timezone="America/New_York",
                desired_time=self.INSTANT - dt.timedelta(minutes=4),
            )
            body = claim(page).content.decode()

        assert "Thu 15 Jan, 16:30 EST (America/New_York), their time" in body

    def test_the_agents_status_says_its_zone(self, page, me):
        with time_machine.travel(self.INSTANT, tick=False):
            page.post(PAGE + "status", {"status": "away"}, **HTMX)
            body = page.get(PAGE + "panel").content.decode()

        assert "since 21:34 UTC" in body


class TestSetAwayByTheTimeout:
    # 11:34 in London: inside the legal calling hours of the customer's UK number.
    INSTANT = dt.datetime(2026, 1, 15, 11, 34, tzinfo=dt.UTC)

    @pytest.fixture
    def clock(self):
        with time_machine.travel(self.INSTANT, tick=False) as traveller:
            yield traveller

    @pytest.fixture
    def lapsed(self, clock, page, waiting, queue):
        """The agent took the callback and let its reservation lapse; the beat took it back."""
        claim(page)
        clock.shift(dt.timedelta(seconds=queue.reservation_timeout_seconds + 1))
        services.callbacks_requeue_timed_out()
        clock.shift(dt.timedelta(minutes=1))

    def test_it_tells_the_agent_why_they_are_away(self, page, lapsed, queue):
        body = " ".join(page.get(PAGE + "panel").content.decode().split())

        assert (
            f'data-testid="timed-out"> You were set to Away at 11:35 UTC because the callback reserved for you '
            f"was not started within {queue.reservation_timeout_seconds} seconds. "
            f"Set yourself Available when you are back."
        ) in body

    def test_going_available_again_ends_the_message(self, page, lapsed):
        body = page.post(PAGE + "status", {"status": "available"}, **HTMX).content.decode()

        assert 'data-testid="timed-out"' not in body

    def test_an_agent_who_then_chose_away_gets_no_such_message(self, page, lapsed, clock):
        page.post(PAGE + "status", {"status": "available"}, **HTMX)
        clock.shift(dt.timedelta(minutes=1))

        body = page.post(PAGE + "status", {"status": "away"}, **HTMX).content.decode()

        assert 'data-testid="timed-out"' not in body


class TestActions:
    def test_start_begins_the_call(self, page, waiting):
        claim(page)

        body = act(page, waiting, "start").content.decode()

        assert state_of(waiting) == State.IN_PROGRESS
        assert "How did the call go?" in body

    def test_no_answer_waits_to_retry(self, page, waiting, me):
        claim(page)
        act(page, waiting, "start")

        body = act(page, waiting, "outcome", {"outcome": "no_answer", "notes": "Rang out"}).content.decode()

        assert state_of(waiting) == State.RETRY_WAIT
        assert "Recorded: no answer." in body
        assert Attempt.objects.get(callback=waiting).notes == "Rang out"
        me.refresh_from_db()
        assert me.status == Agent.Status.AVAILABLE

    def test_connected_completes_the_callback(self, page, waiting):
        claim(page)
        act(page, waiting, "start")

        act(page, waiting, "outcome", {"outcome": "connected"})

        assert state_of(waiting) == State.COMPLETED

    def test_an_unknown_outcome_is_refused_with_a_message(self, page, waiting):
        claim(page)
        act(page, waiting, "start")

        response = act(page, waiting, "outcome", {"outcome": "hung_up"})

        assert response.status_code == 200
        assert "Choose how the call went." in response.content.decode()
        assert state_of(waiting) == State.IN_PROGRESS

    def test_notes_with_a_null_character_are_refused_with_a_message(self, page, waiting):
        claim(page)
        act(page, waiting, "start")

        response = act(page, waiting, "outcome", {"outcome": "no_answer", "notes": "Rang\x00out"})

        assert response.status_code == 200
        assert "Notes cannot contain null characters." in response.content.decode()
        assert state_of(waiting) == State.IN_PROGRESS

    def test_an_outcome_before_the_call_started_explains_itself(self, page, waiting):
        claim(page)

        response = act(page, waiting, "outcome", {"outcome": "connected"})

        assert response.status_code == 200
        assert "moved on meanwhile" in response.content.decode()
        assert state_of(waiting) == State.ASSIGNED

    def test_give_back_requeues_it(self, page, waiting):
        claim(page)

        act(page, waiting, "release")

        assert state_of(waiting) == State.QUEUED

    def test_pass_to_another_agent_rejects_it(self, page, waiting):
        claim(page)

        act(page, waiting, "release", {"reject": "1"})

        waiting.refresh_from_db()
        assert (waiting.state, waiting.rejections) == (State.QUEUED, 1)

    def test_an_agent_cannot_act_on_another_agents_callback(self, queue, waiting, page):
        other = signed_in(working_agent(queue))
        claim(other)

        assert act(page, waiting, "start").status_code == 404
        assert state_of(waiting) == State.ASSIGNED

    def test_a_plain_form_post_comes_back_to_the_page(self, page, waiting):
        response = page.post(PAGE + "next")

        assert response.status_code == 302
        assert response["Location"] == PAGE


class TestStatus:
    def test_the_agent_sets_themselves_away(self, page, me):
        body = page.post(PAGE + "status", {"status": "away"}, **HTMX).content.decode()

        me.refresh_from_db()
        assert me.status == Agent.Status.AWAY
        assert "You are away." in body

    def test_busy_cannot_be_chosen_by_hand(self, page, me):
        body = page.post(PAGE + "status", {"status": "busy"}, **HTMX).content.decode()

        me.refresh_from_db()
        assert me.status == Agent.Status.AVAILABLE
        assert "Choose available, away or offline." in body

    def test_going_offline_gives_a_reservation_back(self, page, waiting):
        claim(page)

        page.post(PAGE + "status", {"status": "offline"}, **HTMX)

        assert state_of(waiting) == State.QUEUED
