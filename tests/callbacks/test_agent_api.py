"""The agents' API under /api/v1/agent/: every endpoint, its answers and its refusals."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from callbacks import lifecycle
from callbacks.models import Callback, State
from queues.models import Agent
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, signed_in, working_agent

pytestmark = pytest.mark.django_db

API = "/api/v1/agent/"


def post(client, path, data=None, **extra):
    return client.post(API + path, data or {}, content_type="application/json", **extra)


@pytest.fixture
def api(me):
    return signed_in(me)


@pytest.fixture
def claimed(queue, api):
    callback = CallbackFactory(
        queue=queue,
        phone_number="+442079460958",
        notes="About my bill",
        context={"page": "/pricing"},
        now=timezone.now() - dt.timedelta(minutes=2),
    )
    assert post(api, "next").status_code == 200
    callback.refresh_from_db()
    return callback


def act(client, callback, action, data=None):
    return post(client, f"callbacks/{callback.public_id}/{action}", data)


class TestAccess:
    def test_without_credentials_it_answers_401(self, db):
        response = Client().get(API + "me")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    @pytest.mark.parametrize("persona", ["supervisor", "manager", "developer"])
    def test_a_user_who_is_not_an_agent_gets_403(self, request, persona):
        response = request.getfixturevalue(persona).get(API + "me")

        assert response.status_code == 403

    def test_the_agent_role_without_an_agent_profile_gets_403_saying_so(self, agent):
        response = agent.post(API + "next")

        assert response.status_code == 403
        assert "no agent profile" in response.json()["detail"]

    def test_a_profile_without_the_agent_role_gets_403(self, queue):
        agent = AgentFactory()
        agent.queues.add(queue)

        assert signed_in(agent).get(API + "me").status_code == 403

    def test_a_token_works_as_well_as_the_session(self, me):
        token = Token.objects.create(user=me.user)

        response = Client().get(API + "me", HTTP_AUTHORIZATION=f"Token {token.key}")

        assert response.status_code == 200
        assert response.json()["username"] == "ada"

    def test_the_agent_api_is_in_the_openapi_schema(self, api):
        paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

        assert {
            "/api/v1/agent/me",
            "/api/v1/agent/status",
            "/api/v1/agent/next",
            "/api/v1/agent/callbacks/{callback_id}/start",
            "/api/v1/agent/callbacks/{callback_id}/outcome",
            "/api/v1/agent/callbacks/{callback_id}/release",
        } <= set(paths)
        assert set(paths["/api/v1/agent/next"]["post"]["responses"]) >= {"200", "204"}

    def test_the_schema_documents_the_errors_of_an_action(self, api):
        paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

        responses = paths["/api/v1/agent/callbacks/{callback_id}/outcome"]["post"]["responses"]
        assert set(responses) == {"200", "400", "401", "403", "404", "409"}


class TestMe:
    def test_it_shows_the_agent_and_their_queues(self, queue, api):
        CallbackFactory(queue=queue)
        CallbackFactory(queue=queue)
        CallbackFactory(queue=QueueFactory())  # not theirs

        body = api.get(API + "me").json()

        assert (body["username"], body["name"], body["status"]) == ("ada", "Ada Byron", "available")
        assert body["queues"] == [{"slug": "support", "name": "Support", "waiting": 2}]
        assert (body["current"], body["upcoming"]) == (None, [])
        assert body["status_changed_at"]

    def test_current_is_the_callback_they_hold(self, api, claimed):
        body = api.get(API + "me").json()

        assert body["current"]["id"] == str(claimed.public_id)
        assert body["status"] == "busy"

    def test_upcoming_lists_ten_scheduled_callbacks_of_their_queues_soonest_first(self, queue, api):
        now = timezone.now()
        later = [CallbackFactory(queue=queue, desired_time=now + dt.timedelta(hours=h)) for h in range(12, 0, -1)]
        CallbackFactory(queue=QueueFactory(), desired_time=now + dt.timedelta(minutes=30))  # not theirs

        upcoming = api.get(API + "me").json()["upcoming"]

        assert [item["id"] for item in upcoming] == [str(cb.public_id) for cb in reversed(later)][:10]
        assert set(upcoming[0]) == {"id", "queue", "first_name", "last_name", "desired_time"}


class TestStatus:
    def test_it_sets_the_status_and_answers_with_me(self, me, api):
        response = post(api, "status", {"status": "away"})

        assert response.status_code == 200
        assert response.json()["status"] == "away"
        me.refresh_from_db()
        assert me.status == Agent.Status.AWAY

    @pytest.mark.parametrize("data", [{"status": "lunch"}, {}])
    def test_a_bad_status_is_a_400_on_the_field(self, api, data):
        response = post(api, "status", data)

        assert response.status_code == 400
        assert "status" in response.json()

    def test_it_answers_400_for_a_status_with_a_lone_surrogate(self, api):
        # Echoed in "… is not a valid choice", it could not be encoded: a 500 before the parser refused it.
        response = post(api, "status", '{"status": "\\ud800"}')

        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error")


class TestNext:
    def test_it_claims_the_next_callback_and_shows_it(self, queue, me, api):
        callback = CallbackFactory(
            queue=queue,
            phone_number="+442079460958",
            first_name="Grace",
            last_name="Hopper",
            notes="About my bill",
            context={"page": "/pricing"},
            now=timezone.now() - dt.timedelta(minutes=2),
        )

        response = post(api, "next")

        assert response.status_code == 200
        body = response.json()
        callback.refresh_from_db()
        assert (callback.state, callback.agent) == (State.ASSIGNED, me)
        assert body["id"] == str(callback.public_id)
        assert body["state"] == "assigned"
        assert body["queue"] == {"slug": "support", "name": "Support"}
        assert (body["first_name"], body["last_name"]) == ("Grace", "Hopper")
        assert (body["phone_number"], body["phone_national"]) == ("+442079460958", "020 7946 0958")
        assert (body["notes"], body["context"]) == ("About my bill", {"page": "/pricing"})
        assert 115 <= body["waited_seconds"] <= 125
        assert body["reservation_expires_at"]
        assert (body["attempt_count"], body["max_attempts"], body["attempts"]) == (0, 3, [])
        assert body["desired_time"] is None and body["created_at"]

    def test_nothing_waiting_answers_204(self, api):
        response = post(api, "next")

        assert response.status_code == 204
        assert response.content == b""

    def test_asking_twice_returns_the_same_callback(self, api, claimed):
        assert post(api, "next").json()["id"] == str(claimed.public_id)


class TestStart:
    def test_it_starts_dialling_and_opens_an_attempt(self, api, claimed):
        response = act(api, claimed, "start")

        assert response.status_code == 200
        body = response.json()
        assert (body["state"], body["attempt_count"], body["reservation_expires_at"]) == ("in_progress", 1, None)
        [attempt] = body["attempts"]
        assert (attempt["number"], attempt["agent"], attempt["outcome"], attempt["ended_at"]) == (
            1,
            "Ada Byron",
            "",
            None,
        )

    def test_starting_twice_is_a_409(self, api, claimed):
        act(api, claimed, "start")

        response = act(api, claimed, "start")

        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"


class TestOutcome:
    def test_it_records_the_outcome_and_frees_the_agent(self, me, api, claimed):
        act(api, claimed, "start")

        response = act(api, claimed, "outcome", {"outcome": "connected", "notes": "Sorted the bill"})

        assert response.status_code == 200
        body = response.json()
        assert body["state"] == "completed"
        assert (body["attempts"][0]["outcome"], body["attempts"][0]["notes"]) == ("connected", "Sorted the bill")
        me.refresh_from_db()
        assert me.status == Agent.Status.AVAILABLE

    def test_no_answer_schedules_a_retry(self, api, claimed):
        act(api, claimed, "start")

        assert act(api, claimed, "outcome", {"outcome": "no_answer"}).json()["state"] == "retry_wait"

    def test_an_outcome_before_dialling_is_a_409(self, api, claimed):
        response = act(api, claimed, "outcome", {"outcome": "connected"})

        assert response.status_code == 409
        assert response.json()["state"] == "assigned"

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"outcome": "hung_up"}, "outcome"),
            ({}, "outcome"),
            ({"outcome": "connected", "notes": "x" * 2001}, "notes"),
        ],
    )
    def test_bad_input_is_a_400_on_the_field(self, api, claimed, data, field):
        act(api, claimed, "start")

        response = act(api, claimed, "outcome", data)

        assert response.status_code == 400
        assert field in response.json()


class TestRelease:
    def test_it_gives_the_callback_back(self, me, api, claimed):
        response = act(api, claimed, "release")

        assert response.status_code == 200
        assert response.json()["state"] == "queued"
        claimed.refresh_from_db()
        assert (claimed.agent, claimed.rejections, claimed.events.last().reason) == (None, 0, "released_by_agent")
        me.refresh_from_db()
        assert me.status == Agent.Status.AVAILABLE

    def test_a_reject_sends_it_to_another_agent(self, queue, api, claimed):
        response = act(api, claimed, "release", {"reject": True})

        assert response.status_code == 200
        claimed.refresh_from_db()
        assert (claimed.rejections, claimed.events.last().reason) == (1, "rejected")
        assert post(api, "next").status_code == 204
        assert post(signed_in(working_agent(queue)), "next").json()["id"] == str(claimed.public_id)

    def test_a_call_in_progress_cannot_be_released(self, api, claimed):
        act(api, claimed, "start")

        assert act(api, claimed, "release").status_code == 409

    def test_a_reject_that_is_not_a_boolean_is_a_400(self, api, claimed):
        response = act(api, claimed, "release", {"reject": "perhaps"})

        assert response.status_code == 400
        assert "reject" in response.json()


class TestSomeoneElsesCallback:
    @pytest.mark.parametrize(
        ("action", "data"), [("start", None), ("outcome", {"outcome": "connected"}), ("release", None)]
    )
    def test_another_agents_callback_is_a_404(self, queue, claimed, action, data):
        colleague = signed_in(working_agent(queue))

        response = act(colleague, claimed, action, data)

        assert response.status_code == 404
        assert Callback.objects.get(pk=claimed.pk).state == State.ASSIGNED

    def test_a_queued_callback_nobody_holds_is_a_404(self, queue, api):
        callback = CallbackFactory(queue=queue)

        assert act(api, callback, "start").status_code == 404

    def test_an_unknown_callback_is_a_404(self, api):
        assert post(api, "callbacks/00000000-0000-0000-0000-000000000000/start").status_code == 404

    def test_a_callback_taken_back_by_a_supervisor_is_a_404(self, api, claimed):
        lifecycle.requeue(claimed, reason="requeued_by_supervisor", actor=lifecycle.Actor.STAFF)

        assert act(api, claimed, "start").status_code == 404
