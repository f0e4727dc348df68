"""The staff API under /api/v1/: every endpoint, each role's rights, lines of business, filters and errors."""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from callbacks import claim, services
from callbacks.api.public.throttles import CreateByAddressThrottle
from callbacks.models import Callback, Channel, State
from queues.models import LineOfBusiness
from tests.factories import CallbackFactory, OfficeHoursFactory, QueueFactory, working_agent

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PERSONAS = ["administrator", "developer", "supervisor", "manager", "agent"]
READERS = {"administrator", "developer", "supervisor", "manager"}
ACTORS = {"administrator", "supervisor"}


def get(client, path, **params):
    return client.get(API + path, params)


def post(client, path, data=None, **extra):
    return client.post(API + path, data or {}, content_type="application/json", **extra)


def act(client, callback, action, data=None):
    return post(client, f"callbacks/{callback.public_id}/{action}", data)


def user_of(client):
    return get_user_model().objects.get(pk=client.session[SESSION_KEY])


def limit_to(client, *queues):
    """Puts the client's user in a line of business of ``queues`` only."""
    line = LineOfBusiness.objects.create(name=f"Line of {user_of(client).username}")
    line.queues.add(*queues)
    line.members.add(user_of(client))


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def later(**delta):
    return timezone.now() + dt.timedelta(**delta)


@pytest.fixture
def other_queue():
    return QueueFactory(slug="sales", name="Sales", any_hour=True)


@pytest.fixture
def ada(queue):
    return working_agent(queue, username="ada", first_name="Ada", last_name="Byron")


@pytest.fixture
def scheduled(queue):
    return CallbackFactory(queue=queue, phone_number="+442079460958", desired_time=later(days=1))


@pytest.fixture
def queued(queue):
    return CallbackFactory(queue=queue, phone_number="+442079460958")


@pytest.fixture
def held(queue, queued, ada):
    """Reserved for Ada by a claim of hers."""
    claim.callback_claim_next(agent=ada)
    queued.refresh_from_db()
    return queued


# -- who may do what ------------------------------------------------------------------------------


def a_valid_request(endpoint, callback):
    """(method, path, data) of a request each endpoint accepts from a user allowed to make it."""
    return {
        "list": ("get", "callbacks/", None),
        "detail": ("get", f"callbacks/{callback.public_id}", None),
        "queues": ("get", "queues/", None),
        "create": ("post", "callbacks/", {"queue": "support", "phone_number": "+44 20 7946 0001"}),
        "cancel": ("post", f"callbacks/{callback.public_id}/cancel", None),
        "reschedule": (
            "post",
            f"callbacks/{callback.public_id}/reschedule",
            {"desired_time": later(days=2).isoformat()},
        ),
        "assign": ("post", f"callbacks/{callback.public_id}/assign", {"agent": "ada"}),
        "requeue": ("post", f"callbacks/{callback.public_id}/requeue", None),
    }[endpoint]


def send(client, endpoint, callback):
    method, path, data = a_valid_request(endpoint, callback)
    return get(client, path) if method == "get" else post(client, path, data)


class TestAccess:
    def test_without_credentials_it_answers_401(self, db):
        response = Client().get(API + "callbacks/")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("endpoint", ["list", "detail", "queues"])
    def test_reading_needs_the_view_callback_permission(self, request, scheduled, persona, endpoint):
        response = send(request.getfixturevalue(persona), endpoint, scheduled)

        assert response.status_code == (200 if persona in READERS else 403)

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("endpoint", ["create", "cancel", "reschedule", "assign", "requeue"])
    def test_creating_and_acting_need_the_manage_callback_permission(self, request, scheduled, ada, persona, endpoint):
        response = send(request.getfixturevalue(persona), endpoint, scheduled)

        if persona in ACTORS:
            assert response.status_code == (201 if endpoint == "create" else 200), response.content
        else:
            assert response.status_code == 403
            scheduled.refresh_from_db()
            assert (Callback.objects.count(), scheduled.state, scheduled.events.count()) == (1, State.SCHEDULED, 1)

    def test_a_token_works_as_well_as_the_session(self, supervisor, queued):
        token = Token.objects.create(user=user_of(supervisor))

        response = Client().get(API + "callbacks/", HTTP_AUTHORIZATION=f"Token {token.key}")

        assert response.status_code == 200
        assert ids(response) == [str(queued.public_id)]

    def test_a_token_may_act_without_a_csrf_token(self, supervisor, queued):
        token = Token.objects.create(user=user_of(supervisor))

        response = post(
            Client(enforce_csrf_checks=True),
            f"callbacks/{queued.public_id}/cancel",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )

        assert response.status_code == 200

    def test_the_staff_api_is_in_the_openapi_schema(self, supervisor):
        paths = supervisor.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

        staff = {
            "/api/v1/callbacks/",
            "/api/v1/callbacks/{callback_id}",
            "/api/v1/callbacks/{callback_id}/cancel",
            "/api/v1/callbacks/{callback_id}/reschedule",
            "/api/v1/callbacks/{callback_id}/assign",
            "/api/v1/callbacks/{callback_id}/requeue",
            "/api/v1/queues/",
        }
        assert staff <= set(paths)
        assert all(operation["tags"] == ["staff"] for path in staff for operation in paths[path].values())
        listed = {parameter["name"] for parameter in paths["/api/v1/callbacks/"]["get"]["parameters"]}
        assert listed >= {"queue", "state", "channel", "created_from", "created_to", "flagged", "cursor", "page_size"}
        # 201, never 200, and the errors of the contract (README: staff API).
        assert set(paths["/api/v1/callbacks/"]["post"]["responses"]) == {"201", "400", "401", "403", "409", "422"}


# -- lines of business ----------------------------------------------------------------------------


class TestLinesOfBusiness:
    def test_the_list_shows_only_the_callbacks_of_the_users_queues(self, supervisor, queue, other_queue):
        theirs = CallbackFactory(queue=queue)
        CallbackFactory(queue=other_queue)
        limit_to(supervisor, queue)

        assert ids(get(supervisor, "callbacks/")) == [str(theirs.public_id)]

    def test_staff_in_no_line_of_business_see_every_queue(self, manager, queue, other_queue):
        CallbackFactory(queue=queue)
        CallbackFactory(queue=other_queue)

        assert len(ids(get(manager, "callbacks/"))) == 2

    def test_filtering_on_a_queue_outside_them_is_a_400(self, supervisor, queue, other_queue):
        limit_to(supervisor, queue)

        response = get(supervisor, "callbacks/", queue="sales")

        assert response.status_code == 400
        assert "queue" in response.json()

    def test_a_callback_outside_them_is_404(self, manager, queue, other_queue):
        elsewhere = CallbackFactory(queue=other_queue)
        limit_to(manager, queue)

        assert get(manager, f"callbacks/{elsewhere.public_id}").status_code == 404

    @pytest.mark.parametrize("action", ["cancel", "reschedule", "assign", "requeue"])
    def test_no_action_reaches_a_callback_outside_them(self, supervisor, queue, other_queue, ada, action):
        elsewhere = CallbackFactory(queue=other_queue, desired_time=later(days=1))
        limit_to(supervisor, queue)
        _, path, data = a_valid_request(action, elsewhere)

        response = post(supervisor, path, data)

        assert response.status_code == 404
        elsewhere.refresh_from_db()
        assert (elsewhere.state, elsewhere.events.count()) == (State.SCHEDULED, 1)

    def test_creating_into_a_queue_outside_them_is_a_400_on_queue(self, supervisor, queue, other_queue):
        limit_to(supervisor, queue)

        response = post(supervisor, "callbacks/", {"queue": "sales", "phone_number": "+44 20 7946 0001"})

        assert response.status_code == 400
        assert "queue" in response.json()
        assert not Callback.objects.exists()

    def test_the_queues_overview_shows_only_their_queues(self, manager, queue, other_queue):
        limit_to(manager, other_queue)

        assert [row["slug"] for row in get(manager, "queues/").json()] == ["sales"]


# -- the list -------------------------------------------------------------------------------------


class TestList:
    def test_it_lists_callbacks_newest_first_with_what_staff_need(self, manager, queue, ada):
        older = CallbackFactory(queue=queue, now=later(minutes=-5))
        newer = CallbackFactory(
            queue=queue,
            phone_number="+442079460958",
            first_name="Grace",
            last_name="Hopper",
            desired_time=later(days=1),
        )
        claim.callback_claim_next(agent=ada)

        body = get(manager, "callbacks/").json()

        assert [item["id"] for item in body["results"]] == [str(newer.public_id), str(older.public_id)]
        item = body["results"][0]
        assert item["queue"] == {"slug": "support", "name": "Support"}
        assert (item["state"], item["channel"], item["first_name"], item["last_name"]) == (
            "scheduled",
            "api",
            "Grace",
            "Hopper",
        )
        assert item["phone_number"] == "+442079460958"
        assert item["desired_time"] and item["created_at"]
        assert (item["attempts"], item["agent"], item["flagged"], item["outcome"]) == (0, None, False, "")
        assert body["results"][1]["agent"] == "ada"

    def test_it_filters_by_queue(self, manager, queue, other_queue):
        wanted = CallbackFactory(queue=other_queue)
        CallbackFactory(queue=queue)

        assert ids(get(manager, "callbacks/", queue="sales")) == [str(wanted.public_id)]

    def test_it_filters_by_several_states(self, manager, queue):
        waiting = CallbackFactory(queue=queue)
        booked = CallbackFactory(queue=queue, desired_time=later(days=1))
        services.callback_cancel(callback=CallbackFactory(queue=queue), actor="staff", reason="test")

        response = manager.get(API + "callbacks/?state=queued&state=scheduled")

        assert set(ids(response)) == {str(waiting.public_id), str(booked.public_id)}

    def test_it_filters_by_channel(self, manager, queue):
        from_widget = CallbackFactory(queue=queue, channel=Channel.WIDGET)
        CallbackFactory(queue=queue)

        assert ids(get(manager, "callbacks/", channel="widget")) == [str(from_widget.public_id)]

    def test_it_filters_from_a_creation_date(self, manager, queue):
        recent = CallbackFactory(queue=queue, now=later(days=-1))
        CallbackFactory(queue=queue, now=later(days=-3))
        since = timezone.localdate(later(days=-1))

        assert ids(get(manager, "callbacks/", created_from=since.isoformat())) == [str(recent.public_id)]

    def test_it_filters_up_to_a_creation_date(self, manager, queue):
        CallbackFactory(queue=queue, now=later(days=-1))
        old = CallbackFactory(queue=queue, now=later(days=-3))
        until = timezone.localdate(later(days=-2))

        assert ids(get(manager, "callbacks/", created_to=until.isoformat())) == [str(old.public_id)]

    def test_it_filters_flagged_callbacks(self, manager, queue):
        flagged = CallbackFactory(queue=queue)
        Callback.objects.filter(pk=flagged.pk).update(flagged=True)
        CallbackFactory(queue=queue)

        assert ids(get(manager, "callbacks/", flagged="true")) == [str(flagged.public_id)]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"state": "lost"}, "state"),
            ({"channel": "fax"}, "channel"),
            ({"created_from": "yesterday"}, "created_from"),
            ({"created_to": "2025-02-30"}, "created_to"),
            ({"queue": "no-such-queue"}, "queue"),
        ],
    )
    def test_a_bad_filter_value_is_a_400_on_the_field(self, manager, queue, params, field):
        response = get(manager, "callbacks/", **params)

        assert response.status_code == 400
        assert field in response.json()


class TestPagination:
    def test_a_page_holds_25_callbacks_and_links_to_the_next_by_cursor(self, manager, queue):
        for _ in range(26):
            CallbackFactory(queue=queue)

        body = get(manager, "callbacks/").json()

        assert (set(body), len(body["results"]), body["previous"]) == ({"next", "previous", "results"}, 25, None)
        assert "cursor=" in body["next"]
        assert len(manager.get(body["next"]).json()["results"]) == 1

    def test_page_size_sets_the_length_of_a_page(self, manager, queue):
        for _ in range(3):
            CallbackFactory(queue=queue)

        assert len(get(manager, "callbacks/", page_size=2).json()["results"]) == 2

    def test_page_size_is_capped_at_100(self, manager, queue):
        for _ in range(101):
            CallbackFactory(queue=queue)

        assert len(get(manager, "callbacks/", page_size=500).json()["results"]) == 100

    def test_an_unreadable_cursor_is_a_404(self, manager, queue):
        CallbackFactory(queue=queue)

        assert get(manager, "callbacks/", cursor="not-a-cursor").status_code == 404


# -- one callback ---------------------------------------------------------------------------------


class TestDetail:
    def test_it_shows_the_callback_with_its_timeline_and_attempts(self, manager, queue, held, ada):
        services.callback_start(callback=held, agent=ada)

        response = get(manager, f"callbacks/{held.public_id}")

        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["state"], body["agent"], body["attempts"]) == (
            str(held.public_id),
            "in_progress",
            "ada",
            1,
        )
        assert [event["type"] for event in body["events"]] == ["created", "assigned", "started"]
        created, assigned, _ = body["events"]
        assert (created["from_state"], created["to_state"], created["actor"], created["user"]) == (
            "",
            "queued",
            "customer",
            None,
        )
        assert (assigned["actor"], assigned["user"], assigned["reason"]) == ("agent", "ada", "claimed")
        assert assigned["time"] and assigned["metadata"]["agent_id"] == ada.pk
        [attempt] = body["dial_attempts"]
        assert (attempt["number"], attempt["agent"], attempt["outcome"]) == (1, "Ada Byron", "")

    def test_an_unknown_callback_is_404(self, manager):
        assert get(manager, "callbacks/6d1f0a8e-4b5c-4a7e-9a55-3d0c1f2e9b10").status_code == 404

    def test_the_schema_allows_the_empty_email_of_a_customer_who_gave_none(self, manager):
        schema = manager.get("/api/schema/", HTTP_ACCEPT="application/json").json()

        email = schema["components"]["schemas"]["StaffCallbackDetailOutput"]["properties"]["email"]
        assert email["type"] == "string" and "format" not in email


# -- create ---------------------------------------------------------------------------------------


class TestCreate:
    def test_it_creates_a_callback_on_the_customers_behalf(self, supervisor, queue):
        response = post(
            supervisor,
            "callbacks/",
            {
                "queue": "support",
                "phone_number": "+44 20 7946 0958",
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@example.com",
                "notes": "Called about her bill",
                "context": {"crm_case": "42"},
            },
        )

        assert response.status_code == 201, response.content
        body = response.json()
        callback = Callback.objects.get(public_id=body["id"])
        assert (callback.channel, callback.state, callback.queue) == (Channel.STAFF, State.QUEUED, queue)
        assert (body["phone_number"], body["email"], body["context"]) == (
            "+442079460958",
            "grace@example.com",
            {"crm_case": "42"},
        )
        [created] = body["events"]
        assert (created["type"], created["actor"], created["user"]) == (
            "created",
            "staff",
            user_of(supervisor).username,
        )

    def test_a_desired_time_schedules_it(self, supervisor, queue):
        desired = later(days=1).replace(microsecond=0)

        body = post(
            supervisor,
            "callbacks/",
            {"queue": "support", "phone_number": "+44 20 7946 0958", "desired_time": desired.isoformat()},
        ).json()

        assert body["state"] == "scheduled"
        assert dt.datetime.fromisoformat(body["desired_time"]) == desired

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"phone_number": "12"}, "phone_number"),
            ({"phone_number": "+44 20 7946 0958", "desired_time": "2020-01-01T10:00:00Z"}, "desired_time"),
            ({"phone_number": "+44 20 7946 0958", "timezone": "Mars/Olympus"}, "timezone"),
            ({"phone_number": "+44 20 7946 0958", "queue": "no-such-queue"}, "queue"),
            ({"phone_number": "+44 20 7946 0958", "queue": None}, "queue"),
            ({"queue": "support"}, "phone_number"),
        ],
    )
    def test_bad_input_is_a_400_on_the_field(self, supervisor, queue, fields, field):
        response = post(supervisor, "callbacks/", {"queue": "support", **fields})

        assert response.status_code == 400
        assert field in response.json()

    def test_options_describes_what_a_create_takes(self, supervisor, queue):
        response = supervisor.options(API + "callbacks/")

        assert response.status_code == 200
        assert {"queue", "phone_number"} <= set(response.json()["actions"]["POST"])

    def test_it_answers_400_for_a_queue_slug_with_a_null_character(self, supervisor, queue):
        response = post(supervisor, "callbacks/", {"queue": "support\x00", "phone_number": "+44 20 7946 0958"})

        assert response.status_code == 400
        assert "queue" in response.json()

    def test_a_second_open_callback_for_the_number_is_a_409_with_the_first_ones_id(self, supervisor, queued):
        response = post(supervisor, "callbacks/", {"queue": "support", "phone_number": "+44 20 7946 0958"})

        assert response.status_code == 409
        assert (response.json()["code"], response.json()["id"]) == ("duplicate", str(queued.public_id))

    def test_an_inactive_queue_is_a_422_queue_closed(self, supervisor, queue):
        queue.active = False
        queue.save()

        response = post(supervisor, "callbacks/", {"queue": "support", "phone_number": "+44 20 7946 0958"})

        assert response.status_code == 422
        assert response.json()["code"] == "queue_closed"

    def test_asap_outside_office_hours_is_a_422_queue_closed(self, supervisor, queue):
        OfficeHoursFactory(queue=queue, weekday=(timezone.now().weekday() + 3) % 7)

        response = post(supervisor, "callbacks/", {"queue": "support", "phone_number": "+44 20 7946 0958"})

        assert response.status_code == 422
        assert response.json()["code"] == "queue_closed"

    def test_it_is_not_throttled_like_the_public_api(self, supervisor, queue, monkeypatch):
        monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "1/min")

        statuses = [
            post(supervisor, "callbacks/", {"queue": "support", "phone_number": f"+44 20 7946 000{n}"}).status_code
            for n in range(3)
        ]

        assert statuses == [201, 201, 201]


# -- actions --------------------------------------------------------------------------------------


def last_event(callback):
    return callback.events.order_by("created_at", "id").last()


class TestCancel:
    def test_it_cancels_and_records_who_did(self, supervisor, queued):
        response = act(supervisor, queued, "cancel")

        assert response.status_code == 200
        assert response.json()["state"] == "canceled"
        event = last_event(queued)
        assert (event.type, event.actor, event.actor_user, event.reason) == (
            "canceled",
            "staff",
            user_of(supervisor),
            "canceled_by_staff",
        )

    def test_the_reason_given_is_kept_in_the_event(self, supervisor, queued):
        act(supervisor, queued, "cancel", {"reason": "customer_called_in"})

        assert last_event(queued).reason == "customer_called_in"

    def test_cancelling_a_reserved_callback_frees_its_agent(self, supervisor, held, ada):
        act(supervisor, held, "cancel")

        ada.refresh_from_db()
        assert ada.status == "available"

    def test_an_ended_callback_cannot_be_canceled_409(self, supervisor, queued):
        act(supervisor, queued, "cancel")

        response = act(supervisor, queued, "cancel")

        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"

    def test_a_reason_over_64_characters_is_a_400(self, supervisor, queued):
        response = act(supervisor, queued, "cancel", {"reason": "x" * 65})

        assert response.status_code == 400
        assert "reason" in response.json()


class TestReschedule:
    def test_it_moves_the_callback_and_records_it(self, supervisor, queued):
        desired = later(days=2).replace(microsecond=0)

        response = act(supervisor, queued, "reschedule", {"desired_time": desired.isoformat()})

        assert response.status_code == 200
        assert response.json()["state"] == "scheduled"
        queued.refresh_from_db()
        assert queued.desired_time == desired
        event = last_event(queued)
        assert (event.type, event.actor, event.actor_user) == ("rescheduled", "staff", user_of(supervisor))

    @pytest.mark.parametrize("data", [{}, {"desired_time": "2020-01-01T10:00:00Z"}, {"desired_time": "soon"}])
    def test_a_missing_or_past_time_is_a_400_on_desired_time(self, supervisor, queued, data):
        response = act(supervisor, queued, "reschedule", data)

        assert response.status_code == 400
        assert "desired_time" in response.json()

    def test_a_callback_being_dialled_cannot_be_rescheduled_409(self, supervisor, held, ada):
        services.callback_start(callback=held, agent=ada)

        response = act(supervisor, held, "reschedule", {"desired_time": later(days=2).isoformat()})

        assert response.status_code == 409


class TestAssign:
    def test_it_hands_the_callback_to_the_agent(self, supervisor, queued, ada):
        response = act(supervisor, queued, "assign", {"agent": "ada"})

        assert response.status_code == 200
        assert (response.json()["state"], response.json()["agent"]) == ("assigned", "ada")
        event = last_event(queued)
        assert (event.type, event.actor, event.actor_user, event.reason) == (
            "assigned",
            "staff",
            user_of(supervisor),
            "assigned_by_supervisor",
        )

    def test_an_unknown_agent_is_a_400_on_agent(self, supervisor, queued):
        response = act(supervisor, queued, "assign", {"agent": "nobody"})

        assert response.status_code == 400
        assert "agent" in response.json()

    def test_an_agent_who_cannot_serve_the_queue_is_a_400_on_agent(self, supervisor, queued, other_queue):
        working_agent(other_queue, username="bob")

        response = act(supervisor, queued, "assign", {"agent": "bob"})

        assert response.status_code == 400
        assert "agent" in response.json()
        queued.refresh_from_db()
        assert queued.state == State.QUEUED

    def test_an_ended_callback_cannot_be_assigned_409(self, supervisor, queued, ada):
        act(supervisor, queued, "cancel")

        assert act(supervisor, queued, "assign", {"agent": "ada"}).status_code == 409


class TestRequeue:
    def test_it_takes_a_reserved_callback_back_from_its_agent(self, supervisor, held, ada):
        response = act(supervisor, held, "requeue")

        assert response.status_code == 200
        assert (response.json()["state"], response.json()["agent"]) == ("queued", None)
        event = last_event(held)
        assert (event.type, event.actor, event.actor_user, event.reason) == (
            "requeued",
            "staff",
            user_of(supervisor),
            "requeued_by_supervisor",
        )
        ada.refresh_from_db()
        assert ada.status == "available"

    def test_it_puts_a_scheduled_callback_in_line_now(self, supervisor, scheduled):
        response = act(supervisor, scheduled, "requeue")

        assert response.json()["state"] == "queued"
        assert (last_event(scheduled).type, last_event(scheduled).reason) == ("released", "requeued_by_supervisor")

    def test_a_callback_already_in_line_cannot_be_requeued_409(self, supervisor, queued):
        response = act(supervisor, queued, "requeue")

        assert response.status_code == 409
        assert response.json()["state"] == "queued"


# -- queues ---------------------------------------------------------------------------------------


class TestQueues:
    def test_it_gives_each_queues_figures_now(self, manager, queue, ada):
        QueueFactory(slug="paris", name="Paris", time_zone="Europe/Paris")
        CallbackFactory(queue=queue, now=later(minutes=-10))
        CallbackFactory(queue=queue)
        Callback.objects.filter(pk=CallbackFactory(queue=queue).pk).update(flagged=True)

        rows = {row["slug"]: row for row in get(manager, "queues/").json()}

        support = rows["support"]
        assert (support["name"], support["time_zone"], support["active"]) == ("Support", "UTC", True)
        assert (support["waiting"], support["assigned"], support["in_progress"], support["flagged"]) == (3, 0, 0, 1)
        assert (support["agents_able"], support["agents_available"]) == (1, 1)
        assert support["ewt_seconds"] > 0
        assert 595 <= support["oldest_wait_seconds"] <= 605
        assert rows["paris"]["time_zone"] == "Europe/Paris"
        assert (rows["paris"]["ewt_seconds"], rows["paris"]["oldest_wait_seconds"]) == (None, None)
