"""The management pages under /manage/: who may see and do what, lines of business, filters, actions."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from callbacks import lifecycle
from callbacks.models import Callback, CallbackEvent, Channel, State
from queues.models import LineOfBusiness
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, working_agent

pytestmark = pytest.mark.django_db

PERSONAS = ["administrator", "supervisor", "manager", "developer", "agent"]
VIEWERS = {"administrator", "supervisor", "manager", "developer"}
MANAGERS = {"administrator", "supervisor"}


@pytest.fixture
def queue():
    return QueueFactory(slug="support", name="Support", time_zone="Europe/Paris", any_hour=True)


@pytest.fixture
def waiting(queue):
    return CallbackFactory(
        queue=queue,
        first_name="Grace",
        last_name="Hopper",
        phone_number="+442079460958",
        context={"page": "https://shop.example/help"},
    )


def in_three_days_at_ten() -> str:
    """A bookable local time: inside the booking horizon, a 10:00 the clocks never skip."""
    return f"{(timezone.now() + dt.timedelta(days=3)).date().isoformat()}T10:00"


def page_of(callback, action=""):
    return f"/manage/callbacks/{callback.public_id}/{action}"


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


def limited_to(client: Client, *queues) -> Client:
    line = LineOfBusiness.objects.create(name=f"Line of {client.user.username}")
    line.queues.add(*queues)
    line.members.add(client.user)
    return client


class TestWhoSeesWhat:
    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize("path", ["/manage/", "/manage/callbacks/"])
    def test_the_pages_open_to_viewers_only(self, request, persona, path):
        response = request.getfixturevalue(persona).get(path)

        assert response.status_code == (200 if persona in VIEWERS else 403)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_a_callbacks_page_opens_to_viewers_only(self, request, persona, waiting):
        response = request.getfixturevalue(persona).get(page_of(waiting))

        assert response.status_code == (200 if persona in VIEWERS else 403)

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_troubleshooting_opens_to_developers_and_administrators(self, request, persona):
        response = request.getfixturevalue(persona).get("/manage/troubleshooting/")

        assert response.status_code == (200 if persona in {"administrator", "developer"} else 403)

    @pytest.mark.parametrize("persona", PERSONAS)
    @pytest.mark.parametrize(
        "action,data",
        [
            ("cancel", {}),
            ("requeue", {}),
            ("reschedule", {"desired_time": "2030-01-07T10:00"}),
            ("assign", {"agent": "nobody"}),
        ],
    )
    def test_only_supervisors_and_administrators_act(self, request, persona, action, data, waiting):
        response = request.getfixturevalue(persona).post(page_of(waiting, action), data)

        assert response.status_code == (302 if persona in MANAGERS else 403)
        if persona not in MANAGERS:
            assert not waiting.events.filter(actor=CallbackEvent.Actor.STAFF).exists()

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_only_supervisors_and_administrators_bulk_cancel(self, request, persona, waiting):
        response = request.getfixturevalue(persona).post("/manage/callbacks/bulk-cancel", {"ids": [waiting.public_id]})

        assert response.status_code == (302 if persona in MANAGERS else 403)
        assert state_of(waiting) == (State.CANCELED if persona in MANAGERS else State.QUEUED)

    def test_a_visitor_is_sent_to_log_in(self, db):
        response = Client().get("/manage/")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_viewers_see_no_action_buttons(self, manager, waiting):
        body = manager.get(page_of(waiting)).content.decode()

        assert "Cancel callback" not in body
        assert "supervisors change them" in body

    def test_supervisors_see_the_actions_the_state_allows(self, supervisor, waiting):
        body = supervisor.get(page_of(waiting)).content.decode()

        assert "Cancel callback" in body
        assert "Reschedule" in body
        assert "Put in line now" not in body  # it is in line already


class TestLinesOfBusiness:
    def test_staff_in_no_line_see_every_queue(self, supervisor, waiting):
        CallbackFactory(queue=QueueFactory(slug="billing", name="Billing"), first_name="Alan")

        body = supervisor.get("/manage/callbacks/").content.decode()

        assert "Grace" in body and "Alan" in body

    def test_a_limited_supervisor_lists_only_their_queues(self, supervisor, queue, waiting):
        CallbackFactory(queue=QueueFactory(slug="billing", name="Billing"), first_name="Alan")
        limited_to(supervisor, queue)

        body = supervisor.get("/manage/callbacks/").content.decode()

        assert "Grace" in body and "Alan" not in body

    def test_a_callback_outside_the_line_is_not_found(self, supervisor, waiting):
        limited_to(supervisor, QueueFactory(slug="billing"))

        assert supervisor.get(page_of(waiting)).status_code == 404

    def test_a_limited_supervisor_cannot_cancel_outside_the_line(self, supervisor, waiting):
        limited_to(supervisor, QueueFactory(slug="billing"))

        assert supervisor.post(page_of(waiting, "cancel")).status_code == 404
        assert state_of(waiting) == State.QUEUED

    def test_bulk_cancel_skips_callbacks_outside_the_line(self, supervisor, queue, waiting):
        outside = CallbackFactory(queue=QueueFactory(slug="billing"))
        limited_to(supervisor, queue)

        supervisor.post("/manage/callbacks/bulk-cancel", {"ids": [waiting.public_id, outside.public_id]})

        assert (state_of(waiting), state_of(outside)) == (State.CANCELED, State.QUEUED)

    def test_the_overview_shows_only_the_lines_queues(self, manager, queue):
        QueueFactory(slug="billing", name="Billing")
        limited_to(manager, queue)

        body = manager.get("/manage/").content.decode()

        assert 'data-queue="support"' in body
        assert 'data-queue="billing"' not in body


class TestOverview:
    def test_it_counts_each_queues_callbacks(self, supervisor, queue, waiting):
        CallbackFactory(queue=queue)
        reserved = CallbackFactory(queue=queue)
        lifecycle.assign(reserved, agent=AgentFactory())

        response = supervisor.get("/manage/")

        row = next(r for r in response.context["queues"] if r.queue == queue)
        assert (row.waiting, row.assigned, row.in_progress) == (2, 1, 0)

    def test_it_warns_of_a_queue_nobody_can_serve(self, supervisor, queue):
        assert 'title="Nobody serves this queue with its skills"' in supervisor.get("/manage/").content.decode()

    def test_htmx_refreshes_get_the_table_alone(self, supervisor, queue):
        body = supervisor.get("/manage/", HTTP_HX_REQUEST="true").content.decode()

        assert body.lstrip().startswith('<div id="overview"')


class TestList:
    def test_it_filters_by_state(self, supervisor, queue, waiting):
        done = CallbackFactory(queue=queue, first_name="Alan")
        lifecycle.cancel(done, actor="staff", reason="test")

        body = supervisor.get("/manage/callbacks/?state=canceled").content.decode()

        assert "Alan" in body and "Grace" not in body

    def test_it_filters_by_channel(self, supervisor, queue, waiting):
        CallbackFactory(queue=queue, first_name="Alan", channel=Channel.STAFF)

        body = supervisor.get("/manage/callbacks/?channel=staff").content.decode()

        assert "Alan" in body and "Grace" not in body

    def test_it_filters_by_date_range(self, supervisor, queue, waiting):
        CallbackFactory(queue=queue, first_name="Alan", now=timezone.now() - dt.timedelta(days=10))
        since = (timezone.now() - dt.timedelta(days=1)).date().isoformat()

        body = supervisor.get(f"/manage/callbacks/?created_from={since}").content.decode()

        assert "Grace" in body and "Alan" not in body

    def test_a_bad_filter_value_is_explained_not_a_crash(self, supervisor, waiting):
        response = supervisor.get("/manage/callbacks/?created_from=yesterday&state=nonsense")

        assert response.status_code == 200
        assert "Enter a valid date." in response.content.decode()

    def test_it_pages_through_many_callbacks(self, supervisor, queue):
        for _ in range(30):
            CallbackFactory(queue=queue)

        first = supervisor.get("/manage/callbacks/")
        second = supervisor.get(first.context["pages"].get_next_link())

        assert len(first.context["callbacks"]) == 25
        assert len(second.context["callbacks"]) == 5
        assert "Newest first, 25 a page." in first.content.decode()
        assert "Older →" in first.content.decode() and "Older →" not in second.content.decode()

    def test_a_list_on_one_page_says_how_many_match(self, supervisor, queue):
        for _ in range(3):
            CallbackFactory(queue=queue)

        body = supervisor.get("/manage/callbacks/").content.decode()

        assert "3 callbacks match." in body
        assert 'aria-label="Pages"' not in body


class TestDetail:
    def test_it_shows_the_timeline_and_the_journey(self, manager, waiting):
        body = manager.get(page_of(waiting)).content.decode()

        assert 'data-testid="timeline"' in body
        assert "Created" in body
        assert '<a href="https://shop.example/help"' in body

    def test_nested_journey_data_reads_as_json(self, manager, queue):
        callback = CallbackFactory(queue=queue, context={"cart": {"items": 2}})

        body = manager.get(page_of(callback)).content.decode()

        assert "<dt>cart</dt><dd>{&quot;items&quot;: 2}</dd>" in body

    def test_an_unknown_callback_is_not_found(self, manager, db):
        assert manager.get("/manage/callbacks/00000000-0000-0000-0000-000000000000/").status_code == 404


# 21:34 UTC: 22:34 in Paris (the queue), 16:34 in New York, 08:34 the next day in Sydney.
INSTANT = dt.datetime(2026, 1, 15, 21, 34, tzinfo=dt.UTC)


@pytest.fixture
def clock(db):
    with time_machine.travel(INSTANT, tick=False) as traveller:
        yield traveller


def words(response) -> str:
    """The page's text as one line, for phrases that wrap in the template."""
    return " ".join(response.content.decode().split())


class TestTimesSayTheirZone:
    def test_the_list_gives_each_callbacks_times_in_its_queues_zone(self, clock, supervisor, queue):
        CallbackFactory(queue=queue, first_name="Grace")
        CallbackFactory(queue=QueueFactory(slug="sydney", time_zone="Australia/Sydney"), first_name="Alan")

        body = words(supervisor.get("/manage/callbacks/"))

        assert '<td class="nowrap" title="Europe/Paris">15 Jan, 22:34 CET</td>' in body
        assert '<td class="nowrap" title="Australia/Sydney">16 Jan, 08:34 AEDT</td>' in body

    def test_the_overview_gives_each_queues_local_time(self, clock, supervisor, queue):
        assert "Local time 22:34 CET (Europe/Paris)" in words(supervisor.get("/manage/"))

    def test_the_detail_gives_its_times_in_the_queues_zone(self, clock, manager, waiting):
        assert "<dt>Requested</dt><dd>Thu 15 Jan 2026, 22:34 CET (Europe/Paris)</dd>" in words(
            manager.get(page_of(waiting))
        )

    def test_the_detail_gives_the_customers_time_in_theirs(self, clock, manager, queue):
        customer = CallbackFactory(queue=queue, phone_number="+12125550123", customer_timezone="America/New_York")

        body = words(manager.get(page_of(customer)))

        assert '<dd data-testid="customer-time">16:34 EST (America/New_York)</dd>' in body

    def test_a_booked_time_is_also_given_in_the_customers_zone(self, clock, manager, queue):
        customer = CallbackFactory(
            queue=queue,
            phone_number="+12125550123",
            customer_timezone="America/New_York",
            desired_time=INSTANT + dt.timedelta(days=1),
        )

        body = words(manager.get(page_of(customer)))

        assert (
            "<dd>Fri 16 Jan 2026, 22:34 CET (Europe/Paris)<br>"
            '<span class="muted small">Fri 16 Jan, 16:34 EST (America/New_York), the customer\'s time</span>'
        ) in body

    def test_the_timeline_says_the_zone(self, clock, manager, waiting):
        assert '<time datetime="2026-01-15T21:34:00+00:00">Thu 15 Jan, 22:34:00 CET</time>' in words(
            manager.get(page_of(waiting))
        )


class TestTimelineInWords:
    def test_it_gives_a_reason_in_words(self, supervisor, waiting):
        supervisor.post(page_of(waiting, "cancel"))

        body = words(supervisor.get(page_of(waiting)))

        assert "· Canceled by staff" in body
        assert "canceled_by_staff" not in body

    def test_each_reschedule_says_from_when_to_when(self, clock, supervisor, queue):
        booked = CallbackFactory(queue=queue, desired_time=dt.datetime(2026, 1, 17, 9, tzinfo=dt.UTC))
        supervisor.post(page_of(booked, "reschedule"), {"desired_time": "2026-01-18T10:00"})
        clock.shift(dt.timedelta(minutes=5))
        supervisor.post(page_of(booked, "reschedule"), {"desired_time": "2026-01-19T11:30"})

        body = words(supervisor.get(page_of(booked)))

        assert '<span data-testid="moved">from Sat 17 Jan, 10:00 CET to Sun 18 Jan, 10:00 CET</span>' in body
        assert '<span data-testid="moved">from Sun 18 Jan, 10:00 CET to Mon 19 Jan, 11:30 CET</span>' in body

    def test_a_reschedule_of_a_callback_asked_for_as_soon_as_possible_says_so(self, clock, supervisor, waiting):
        supervisor.post(page_of(waiting, "reschedule"), {"desired_time": "2026-01-18T10:00"})

        body = words(supervisor.get(page_of(waiting)))

        assert '<span data-testid="moved">from as soon as possible to Sun 18 Jan, 10:00 CET</span>' in body


class TestActions:
    def test_cancel_cancels_and_logs_the_supervisor(self, supervisor, waiting):
        supervisor.post(page_of(waiting, "cancel"))

        event = waiting.events.last()
        assert state_of(waiting) == State.CANCELED
        assert (event.actor, event.actor_user, event.reason) == ("staff", supervisor.user, "canceled_by_staff")

    def test_canceling_a_reserved_callback_frees_its_agent(self, supervisor, waiting):
        agent = AgentFactory(status="busy")
        lifecycle.assign(waiting, agent=agent)

        supervisor.post(page_of(waiting, "cancel"))

        agent.refresh_from_db()
        assert agent.status == "available"

    def test_canceling_a_finished_callback_explains_why_not(self, supervisor, waiting):
        lifecycle.cancel(waiting, actor="customer", reason="test")

        response = supervisor.post(page_of(waiting, "cancel"), follow=True)

        assert "A canceled callback cannot be changed that way." in response.content.decode()

    def test_reschedule_reads_the_time_in_the_queues_zone(self, supervisor, queue, waiting):
        local = in_three_days_at_ten()

        supervisor.post(page_of(waiting, "reschedule"), {"desired_time": local})

        waiting.refresh_from_db()
        assert waiting.state == State.SCHEDULED
        assert waiting.desired_time == dt.datetime.fromisoformat(local).replace(tzinfo=queue.time_zone)

    def test_reschedule_refuses_a_time_the_clocks_skip(self, supervisor, waiting):
        response = supervisor.post(page_of(waiting, "reschedule"), {"desired_time": "2030-03-31T02:30"}, follow=True)

        assert "does not exist" in response.content.decode()
        assert state_of(waiting) == State.QUEUED

    def test_reschedule_goes_through_the_rules(self, supervisor, queue, waiting):
        queue.rules.slot_capacity = 0
        queue.rules.save()

        response = supervisor.post(
            page_of(waiting, "reschedule"), {"desired_time": in_three_days_at_ten()}, follow=True
        )

        assert "(capacity_full)" in response.content.decode()
        assert state_of(waiting) == State.QUEUED

    def test_assign_hands_it_to_a_named_agent(self, supervisor, queue, waiting):
        agent = working_agent(queue, username="ada")

        supervisor.post(page_of(waiting, "assign"), {"agent": "ada"})

        waiting.refresh_from_db()
        assert (waiting.state, waiting.agent) == (State.ASSIGNED, agent)

    def test_assign_refuses_an_agent_who_cannot_serve_the_queue(self, supervisor, waiting):
        working_agent(QueueFactory(slug="billing"), username="alan")

        response = supervisor.post(page_of(waiting, "assign"), {"agent": "alan"}, follow=True)

        assert "does not serve" in response.content.decode()
        assert state_of(waiting) == State.QUEUED

    def test_assign_to_a_username_with_a_null_character_asks_for_an_agent(self, supervisor, waiting):
        response = supervisor.post(page_of(waiting, "assign"), {"agent": "ada\x00"}, follow=True)

        assert response.status_code == 200
        assert "Choose an agent." in response.content.decode()
        assert state_of(waiting) == State.QUEUED

    def test_requeue_takes_a_reservation_back(self, supervisor, waiting):
        lifecycle.assign(waiting, agent=AgentFactory())

        supervisor.post(page_of(waiting, "requeue"))

        assert state_of(waiting) == State.QUEUED

    def test_bulk_cancel_reports_what_it_did(self, supervisor, queue, waiting):
        finished = CallbackFactory(queue=queue)
        lifecycle.cancel(finished, actor="customer", reason="test")

        response = supervisor.post(
            "/manage/callbacks/bulk-cancel", {"ids": [waiting.public_id, finished.public_id]}, follow=True
        )

        body = response.content.decode()
        assert "Canceled 1 callback." in body
        assert "1 could not be canceled" in body

    def test_bulk_cancel_with_nothing_selected_says_so(self, supervisor, waiting):
        response = supervisor.post("/manage/callbacks/bulk-cancel", {}, follow=True)

        assert "Select the callbacks to cancel first." in response.content.decode()
        assert Callback.objects.filter(state=State.CANCELED).count() == 0
