"""The live dashboard (/reports/live/, GET /api/v1/reports/live): figures now and today, the roster, pins, activity."""

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from callbacks import lifecycle, services
from callbacks.claim import callback_claim_next
from callbacks.models import Outcome, State
from queues.models import Agent, LineOfBusiness
from reporting.live import PANEL_ITEMS, live_figures
from reporting.models import Dashboard
from tests.factories import CallbackFactory, QueueFactory, working_agent

pytestmark = pytest.mark.django_db

PAGE = "/reports/live/"
PANEL = "/reports/live/panel"
EDIT = "/reports/live/dashboard/"
API = "/api/v1/reports/live"
PINS = "/api/v1/reports/live/dashboard"

# A Tuesday evening in Paris: 18:30 CET, five and a half hours before the queue's midnight.
INSTANT = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(INSTANT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def queue():
    return QueueFactory(slug="paris", name="Paris support", time_zone="Europe/Paris", any_hour=True)


@pytest.fixture
def ada(queue):
    return working_agent(queue, username="ada", first_name="Ada", last_name="Byron")


def limited_to(client, *queues):
    line = LineOfBusiness.objects.create(name=f"Line of {client.user.username}")
    line.queues.add(*queues)
    line.members.add(client.user)
    return client


def figures_of(client, slug):
    body = client.get(API).json()
    return next(row for row in body["queues"] if row["slug"] == slug)


def status_url(agent, api=False):
    return f"{'/api/v1' if api else ''}/reports/live/agents/{agent.pk}/status"


def dial_through(agent):
    callback = callback_claim_next(agent=agent)
    services.callback_start(callback=callback, agent=agent)
    services.callback_record_outcome(callback=callback, agent=agent, outcome=Outcome.CONNECTED)


def words(response) -> str:
    return " ".join(response.content.decode().split())


# -- who may look -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "manager", "administrator"])
def test_report_viewers_open_the_live_figures(request, persona, queue):
    response = request.getfixturevalue(persona).get(PAGE)

    assert response.status_code == 200
    assert "<h1>Live dashboard</h1>" in response.content.decode()


def test_an_agent_may_not_open_the_live_figures(agent):
    assert agent.get(PAGE).status_code == 403


def test_a_developer_may_not_open_the_live_figures(developer):
    assert developer.get(PAGE).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_live_api_asks_for_credentials(api):
    assert api.get(API).status_code == 401


def test_an_agent_may_not_read_the_live_api(agent):
    assert agent.get(API).status_code == 403


def test_a_manager_reads_the_live_api(manager, queue):
    assert [row["slug"] for row in manager.get(API).json()["queues"]] == ["paris"]


def test_the_page_refreshes_its_figures_every_five_seconds(supervisor, queue):
    body = supervisor.get(PAGE).content.decode()

    assert 'hx-get="/reports/live/panel" hx-trigger="every 5s"' in body


def test_the_polled_panel_comes_without_the_page_around_it(supervisor, queue):
    assert supervisor.get(PANEL).content.decode().lstrip().startswith('<div id="live"')


def test_lines_of_business_limit_the_queues(manager, queue):
    QueueFactory(slug="berlin")
    limited_to(manager, queue)

    assert [row["slug"] for row in manager.get(API).json()["queues"]] == ["paris"]


def test_a_queue_outside_the_lines_is_not_on_the_page(manager, queue):
    QueueFactory(slug="berlin", name="Berlin support")
    limited_to(manager, queue)

    assert "Berlin support" not in manager.get(PAGE).content.decode()


# -- figures now --------------------------------------------------------------------------------


def test_waiting_counts_the_queued_callbacks(supervisor, queue):
    CallbackFactory.create_batch(2, queue=queue)

    assert figures_of(supervisor, "paris")["waiting"] == 2


def test_held_counts_those_the_calling_window_keeps_from_agents(supervisor, queue):
    held, _ = CallbackFactory.create_batch(2, queue=queue)
    lifecycle.hold(held, until=timezone.now() + dt.timedelta(hours=14), reason="outside_calling_window")

    row = figures_of(supervisor, "paris")

    assert (row["waiting"], row["held"]) == (2, 1)


def test_a_hold_that_has_passed_holds_no_more(supervisor, queue, clock):
    held = CallbackFactory(queue=queue)
    lifecycle.hold(held, until=timezone.now() + MINUTE, reason="outside_calling_window")
    clock.shift(2 * MINUTE)

    assert figures_of(supervisor, "paris")["held"] == 0


def test_scheduled_callbacks_are_split_into_the_next_hour_and_later_today(supervisor, queue):
    for later in (dt.timedelta(minutes=30), dt.timedelta(hours=3), dt.timedelta(hours=5)):
        CallbackFactory(queue=queue, desired_time=timezone.now() + later)
    # 01:30 in Paris tomorrow: not today, though within 24 hours.
    CallbackFactory(queue=queue, desired_time=timezone.now() + dt.timedelta(hours=7))

    row = figures_of(supervisor, "paris")

    assert (row["scheduled_next_hour"], row["scheduled_later_today"]) == (1, 2)


def test_assigned_and_in_progress_count_what_agents_hold(supervisor, queue, ada):
    CallbackFactory.create_batch(2, queue=queue)
    bob = working_agent(queue, username="bob")
    services.callback_start(callback=callback_claim_next(agent=ada), agent=ada)
    callback_claim_next(agent=bob)

    row = figures_of(supervisor, "paris")

    assert (row["waiting"], row["assigned"], row["in_progress"]) == (0, 1, 1)


def test_oldest_waiting_is_the_wait_of_the_first_in_line(supervisor, queue):
    CallbackFactory(queue=queue, now=timezone.now() - 4 * MINUTE - dt.timedelta(seconds=5))
    CallbackFactory(queue=queue)

    assert figures_of(supervisor, "paris")["oldest_wait_seconds"] == 245


def test_the_page_writes_seconds_as_minutes_and_seconds(supervisor, queue):
    CallbackFactory(queue=queue, now=timezone.now() - 4 * MINUTE - dt.timedelta(seconds=5))

    assert (
        '<div data-figure="oldest_wait_seconds"><dt title="How long the first in line has waited.">Oldest waiting</dt><dd>4 min 05 s</dd>'
        in words(supervisor.get(PAGE))
    )


def test_the_wait_estimate_is_none_while_nobody_is_logged_in(supervisor, queue):
    CallbackFactory(queue=queue)

    assert figures_of(supervisor, "paris")["ewt_seconds"] is None


def test_the_wait_estimate_counts_the_logged_in_agents(supervisor, queue, ada, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 240
    CallbackFactory(queue=queue)

    # One ahead, one agent: two rounds of calls.
    assert figures_of(supervisor, "paris")["ewt_seconds"] == 480


def test_the_total_adds_the_queues_up(supervisor, queue):
    CallbackFactory(queue=queue)
    CallbackFactory.create_batch(2, queue=QueueFactory(slug="berlin", time_zone="Europe/Berlin"))

    assert supervisor.get(API).json()["total"]["waiting"] == 3


def test_the_total_gives_no_wait_estimate_of_its_own(supervisor, queue, ada):
    CallbackFactory(queue=queue)

    assert supervisor.get(API).json()["total"]["ewt_seconds"] is None


def test_each_queue_panel_gives_its_local_time_with_its_zone(supervisor, queue):
    assert "Local time 18:30 CET (Europe/Paris)" in words(supervisor.get(PAGE))


def test_today_starts_at_the_queues_local_midnight(supervisor, queue):
    assert figures_of(supervisor, "paris")["day_start"] == "2026-11-30T23:00:00Z"


# -- figures today (reporting.figures, over the queue's local day) ------------------------------


def test_todays_figures_start_at_the_queues_local_midnight(supervisor, queue, ada, clock):
    # Customers in Sydney, where it is morning meanwhile; the queue's day is Paris's.
    last_night = dt.datetime(2026, 11, 30, 22, 40, tzinfo=dt.UTC)  # 23:40 in Paris
    CallbackFactory.create_batch(2, queue=queue, now=last_night, phone_number="+61292502000")
    clock.move_to(last_night + 10 * MINUTE)  # 23:50 in Paris: yesterday
    dial_through(ada)
    clock.move_to(last_night + 30 * MINUTE)  # 00:10 in Paris: today, though still yesterday in UTC
    dial_through(ada)
    clock.move_to(INSTANT)

    assert figures_of(supervisor, "paris")["completed"] == 1


def test_cancels_are_told_apart_by_who_canceled(supervisor, queue):
    by_customer, by_staff = CallbackFactory.create_batch(2, queue=queue)
    services.callback_cancel(callback=by_customer, actor="customer", reason="customer_request")
    services.callback_cancel(callback=by_staff, actor="staff", reason="canceled_by_staff", user=supervisor.user)

    row = figures_of(supervisor, "paris")

    assert (row["canceled_by_customer"], row["canceled_by_staff"]) == (1, 1)


def test_expiries_today_are_given_by_reason(supervisor, queue):
    lifecycle.expire(CallbackFactory(queue=queue), reason="max_wait_exceeded")

    row = figures_of(supervisor, "paris")

    assert row["expired"] == 1
    assert [(e["reason"], e["count"]) for e in row["expired_by_reason"]] == [("max_wait_exceeded", 1)]


def test_shares_are_written_as_percentages(supervisor, queue, ada):
    CallbackFactory(queue=queue)
    dial_through(ada)

    assert '<dt title="Connected on the first dial.">First-attempt success</dt><dd>100 %</dd>' in words(
        supervisor.get(PAGE)
    )


def test_a_share_with_nothing_to_measure_is_a_dash(supervisor, queue):
    assert figures_of(supervisor, "paris")["service_level_share"] is None
    assert "Service level</dt><dd>—</dd>" in words(supervisor.get(PAGE))


def test_the_total_merges_the_queues_shares(supervisor, queue, ada):
    berlin = QueueFactory(slug="berlin", time_zone="Europe/Berlin", any_hour=True)
    bob = working_agent(berlin, username="bob")
    CallbackFactory(queue=queue)
    dial_through(ada)
    CallbackFactory(queue=berlin)
    callback = callback_claim_next(agent=bob)
    services.callback_start(callback=callback, agent=bob)
    services.callback_record_outcome(callback=callback, agent=bob, outcome=Outcome.WRONG_NUMBER)

    assert supervisor.get(API).json()["total"]["first_attempt_success_share"] == 0.5


# -- the roster ---------------------------------------------------------------------------------


def test_the_roster_lists_the_agents_of_the_users_queues(manager, queue, ada):
    working_agent(QueueFactory(slug="berlin"), username="bob")
    limited_to(manager, queue)

    assert [agent["username"] for agent in manager.get(API).json()["agents"]] == ["ada"]


def test_the_roster_gives_each_agents_status_and_since_when(supervisor, queue, ada, clock):
    services.agent_set_status(agent=ada, status=Agent.Status.AWAY)
    clock.shift(12 * MINUTE)

    row = words(supervisor.get(PAGE)).split('data-agent="ada"')[1].split("</tr>")[0]

    assert ">Away</span>" in row
    assert '17:30 UTC <span class="muted small">for 12 min</span>' in row


def test_the_roster_shows_the_callback_an_agent_holds_without_the_customer(supervisor, queue, ada):
    held = CallbackFactory(queue=queue, first_name="Grace", last_name="Hopper", phone_number="+33142685300")
    callback_claim_next(agent=ada)

    agent = supervisor.get(API).json()["agents"][0]
    body = supervisor.get(PAGE).content.decode()

    assert agent["callback"] == {"id": str(held.public_id), "state": "assigned", "queue": "paris"}
    assert f'href="/manage/callbacks/{held.public_id}/"' in body
    assert "Hopper" not in body and "42685300" not in body


def test_the_roster_counts_the_dials_ended_today(supervisor, queue, ada, clock):
    CallbackFactory.create_batch(2, queue=queue, now=INSTANT - dt.timedelta(days=1))
    clock.move_to(INSTANT - dt.timedelta(days=1))
    dial_through(ada)
    clock.move_to(INSTANT)
    dial_through(ada)

    assert supervisor.get(API).json()["agents"][0]["handled_today"] == 1


# -- callback activity --------------------------------------------------------------------------


def test_activity_gives_the_queues_latest_changes_newest_first(supervisor, queue):
    callback = CallbackFactory(queue=queue)
    lifecycle.cancel(callback, actor="staff", reason="canceled_by_staff", user=supervisor.user)

    activity = figures_of(supervisor, "paris")["activity"]

    assert [(a["from_state"], a["to_state"], a["actor"], a["reason"]) for a in activity] == [
        ("queued", "canceled", "staff", "canceled_by_staff"),
        ("", "queued", "customer", ""),
    ]
    assert activity[0]["actor_username"] == supervisor.user.username


def test_activity_keeps_to_its_queue(supervisor, queue):
    CallbackFactory(queue=QueueFactory(slug="berlin"))

    assert figures_of(supervisor, "paris")["activity"] == []


def test_activity_shows_the_short_id_and_the_zone_but_no_personal_data(supervisor, queue):
    callback = CallbackFactory(queue=queue, first_name="Grace", last_name="Hopper", phone_number="+33142685300")

    body = words(supervisor.get(PAGE))

    assert f"<code>{str(callback.public_id)[:8]}</code>" in body
    assert "<th>Time (Europe/Paris)</th>" in body and "18:30:00 CET" in body
    assert "Grace" not in body and "42685300" not in body


def test_activity_shows_at_most_the_latest_ten(supervisor, queue):
    CallbackFactory.create_batch(12, queue=queue)

    assert len(figures_of(supervisor, "paris")["activity"]) == 10


# -- pinned panels ------------------------------------------------------------------------------


def test_without_pins_every_queue_shows_every_figure(supervisor, queue):
    QueueFactory(slug="berlin")

    panels = supervisor.get(API).json()["panels"]

    assert panels == [{"queue": slug, "figures": list(PANEL_ITEMS)} for slug in (None, "berlin", "paris")]


def test_a_supervisor_pins_queues_and_figures_on_the_page(supervisor, queue):
    QueueFactory(slug="berlin", name="Berlin support")

    response = supervisor.post(EDIT, {"queues": ["paris"], "figures": ["waiting", "completed"]})

    assert response.status_code == 302
    assert Dashboard.objects.get(user=supervisor.user).panels == [
        {"queue": "paris", "figures": ["waiting", "completed"]}
    ]


def test_the_pinned_panels_are_all_the_page_shows(supervisor, queue):
    QueueFactory(slug="berlin", name="Berlin support")
    supervisor.post(EDIT, {"queues": ["paris"], "figures": ["waiting"]})

    body = supervisor.get(PAGE).content.decode()

    assert 'data-panel="paris"' in body and 'data-panel="berlin"' not in body
    assert 'data-figure="waiting"' in body and 'data-figure="held"' not in body


def test_the_form_offers_what_is_pinned(supervisor, queue):
    Dashboard.objects.create(user=supervisor.user, panels=[{"queue": None, "figures": ["held"]}])

    form = supervisor.get(EDIT).context["form"]

    assert (form.initial["queues"], form.initial["figures"]) == (["__total__"], ["held"])


def test_the_form_refuses_an_unknown_queue(supervisor, queue):
    response = supervisor.post(EDIT, {"queues": ["nowhere"], "figures": ["waiting"]})

    assert response.status_code == 200
    assert response.context["form"].errors["queues"]
    assert not Dashboard.objects.exists()


def test_pins_are_saved_through_the_api(supervisor, queue):
    panels = [{"queue": None, "figures": ["waiting"]}, {"queue": "paris", "figures": ["activity", "held"]}]

    response = supervisor.put(PINS, {"panels": panels}, content_type="application/json")

    assert response.status_code == 200
    # In the dashboard's order of figures.
    assert response.json()["panels"][1] == {"queue": "paris", "figures": ["held", "activity"]}
    assert supervisor.get(API).json()["panels"] == response.json()["panels"]


def test_an_unknown_figure_is_refused_with_a_400(supervisor, queue):
    response = supervisor.put(
        PINS, {"panels": [{"queue": "paris", "figures": ["smiles"]}]}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "panels" in response.json()


def test_an_unknown_queue_is_refused_with_a_400(supervisor, queue):
    response = supervisor.put(
        PINS, {"panels": [{"queue": "nowhere", "figures": ["waiting"]}]}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"panels": ["Panel 1: unknown queue “nowhere”."]}


def test_a_queue_outside_the_users_lines_is_refused_as_unknown(manager, queue):
    QueueFactory(slug="berlin")
    limited_to(manager, queue)

    response = manager.put(
        PINS, {"panels": [{"queue": "berlin", "figures": ["waiting"]}]}, content_type="application/json"
    )

    assert response.json() == {"panels": ["Panel 1: unknown queue “berlin”."]}


def test_a_queue_pinned_twice_is_refused(supervisor, queue):
    panel = {"queue": "paris", "figures": ["waiting"]}

    response = supervisor.put(PINS, {"panels": [panel, panel]}, content_type="application/json")

    assert response.json() == {"panels": ["Panel 2: “paris” is pinned already."]}


def test_unpinning_shows_everything_again(supervisor, queue):
    Dashboard.objects.create(user=supervisor.user, panels=[{"queue": None, "figures": ["held"]}])

    supervisor.post(EDIT, {"reset": "1"})

    assert not Dashboard.objects.exists()
    assert len(supervisor.get(API).json()["panels"]) == 2


def test_a_pin_of_a_queue_no_longer_in_the_users_lines_is_left_out(manager, queue):
    Dashboard.objects.create(user=manager.user, panels=[{"queue": "berlin", "figures": ["held"]}])
    QueueFactory(slug="berlin")
    limited_to(manager, queue)

    assert manager.get(API).json()["panels"] == []


# -- setting an agent away from the roster ------------------------------------------------------


def test_a_supervisor_sets_an_agent_away_from_the_roster(supervisor, ada):
    response = supervisor.post(status_url(ada), {"status": "away"})

    ada.refresh_from_db()
    assert response.status_code == 302 and response.url == PAGE
    assert ada.status == Agent.Status.AWAY


def test_setting_an_agent_offline_gives_their_reservation_back(supervisor, queue, ada):
    reserved = CallbackFactory(queue=queue)
    callback_claim_next(agent=ada)

    supervisor.post(status_url(ada, api=True), {"status": "offline"}, content_type="application/json")

    reserved.refresh_from_db()
    assert reserved.state == State.QUEUED


def test_the_api_answers_with_the_agents_roster_line(supervisor, ada):
    response = supervisor.post(status_url(ada, api=True), {"status": "offline"}, content_type="application/json")

    assert response.status_code == 200
    assert (response.json()["username"], response.json()["status"]) == ("ada", "offline")


def test_the_change_is_in_the_agents_admin_history(supervisor, ada):
    supervisor.post(status_url(ada), {"status": "away"})

    entry = LogEntry.objects.get(object_id=str(ada.pk))
    assert (entry.user, entry.content_type.model) == (supervisor.user, "agent")
    assert entry.change_message == "Status set to away from the live dashboard (was available)."


def test_the_change_is_logged_without_names(supervisor, ada, caplog):
    with caplog.at_level(logging.INFO, logger="callbacks.services.agents"):
        supervisor.post(status_url(ada), {"status": "away"})

    assert f"Agent {ada.pk} set away by staff user {supervisor.user.pk}" in caplog.text
    assert "Ada" not in caplog.text and "ada" not in caplog.text


def test_a_supervisor_sees_the_roster_buttons(supervisor, ada):
    assert ">Set away</button>" in supervisor.get(PAGE).content.decode()


def test_a_manager_sees_no_roster_buttons(manager, ada):
    assert "Set away" not in manager.get(PAGE).content.decode()


def test_a_manager_may_not_set_an_agent_away(manager, ada):
    assert manager.post(status_url(ada), {"status": "away"}).status_code == 403
    assert (
        manager.post(status_url(ada, api=True), {"status": "away"}, content_type="application/json").json()["code"]
        == "permission_denied"
    )


def test_staff_may_not_set_an_agent_available(supervisor, ada):
    response = supervisor.post(status_url(ada, api=True), {"status": "available"}, content_type="application/json")

    assert response.status_code == 400


def test_the_service_refuses_any_status_but_away_or_offline(supervisor, ada):
    with pytest.raises(services.agents.ValidationError):
        services.agent_set_status_by_staff(agent=ada, status=Agent.Status.BUSY, by=supervisor.user)


def test_an_agent_outside_the_supervisors_lines_is_unknown(supervisor, queue, ada):
    limited_to(supervisor, QueueFactory(slug="berlin"))

    assert (
        supervisor.post(status_url(ada, api=True), {"status": "away"}, content_type="application/json").status_code
        == 404
    )
    ada.refresh_from_db()
    assert ada.status == Agent.Status.AVAILABLE


def test_an_unknown_agent_is_404(supervisor):
    assert supervisor.post("/api/v1/reports/live/agents/999999/status", {"status": "away"}).status_code == 404


def test_an_agent_may_not_set_another_away(agent, ada):
    assert agent.post(status_url(ada, api=True), {"status": "away"}, content_type="application/json").status_code == 403


# -- a bounded number of statements -------------------------------------------------------------


@pytest.fixture
def three_queues(queue):
    queues = [
        queue,
        QueueFactory(slug="berlin", time_zone="Europe/Berlin"),
        QueueFactory(slug="nyc", time_zone="America/New_York"),
    ]
    for number, each in enumerate(queues):
        working_agent(each, username=f"agent-{number}")
    return queues


def statements(user) -> int:
    live_figures(user)  # the user's permissions are read once, then cached on them
    with CaptureQueriesContext(connection) as queries:
        live_figures(user)
    return len(queries)


def test_the_live_dashboard_reads_in_a_bounded_number_of_statements(
    supervisor, three_queues, django_assert_max_num_queries
):
    for each in three_queues:
        CallbackFactory.create_batch(3, queue=each)

    # About 8 statements, and 5 a queue (its agents, its wait estimate, today's figures), however many callbacks;
    # the session and the user's permissions besides.
    with django_assert_max_num_queries(40):
        assert supervisor.get(API).status_code == 200


def test_more_callbacks_take_no_more_statements(supervisor, three_queues):
    for each in three_queues:
        CallbackFactory(queue=each)
    few = statements(supervisor.user)
    for each in three_queues:
        CallbackFactory.create_batch(10, queue=each)

    assert statements(supervisor.user) == few


def test_an_agent_id_past_the_databases_integers_is_404(supervisor):
    assert (
        supervisor.post("/api/v1/reports/live/agents/99999999999999999999/status", {"status": "away"}).status_code
        == 404
    )
