import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from callbacks.models import Callback, State
from queues.hours import is_open
from queues.models import Agent, VirtualQueue
from reporting.models import WidgetEvent

pytestmark = pytest.mark.django_db

# django-axes counts sign-ins by request, so Client.login needs one.
SIGN_IN = RequestFactory().post("/accounts/login/")

ROLES = {
    "admin": "Administrator",
    "developer": "Developer",
    "supervisor": "Supervisor",
    "manager": "Manager",
    "agent1": "Agent",
    "agent2": "Agent",
    "agent3": "Agent",
}


def seed(password="demo1234"):
    call_command("seed_demo", password=password, stdout=io.StringIO())


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for app in ("auth", "queues", "callbacks")
        for model in apps.get_app_config(app).get_models()
    }


def test_seeding_twice_creates_nothing_more():
    seed()
    first = row_counts()

    seed()

    assert row_counts() == first


def test_every_demo_user_has_their_role_and_logs_in_with_the_password(client):
    seed(password="s3cret-demo")

    for username, role in ROLES.items():
        user = get_user_model().objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert not user.is_superuser
        assert client.login(request=SIGN_IN, username=username, password="s3cret-demo"), username
    assert set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)) == {
        "admin",
        "developer",
    }


def test_seeding_again_resets_the_password(client):
    seed(password="first-password")
    seed(password="second-password")

    assert not client.login(request=SIGN_IN, username="agent1", password="first-password")
    assert client.login(request=SIGN_IN, username="agent1", password="second-password")


def test_support_is_open_now_and_served_by_the_three_agents():
    seed()
    support = VirtualQueue.objects.get(slug="support")

    assert is_open(support, timezone.now())
    assert str(support.time_zone) == "Europe/London"
    assert set(support.agents.values_list("user__username", flat=True)) == {"agent1", "agent2", "agent3"}
    assert {(r.skill.name, r.min_level) for r in support.required_skills.all()} == {("General", 1)}


def test_billing_requires_billing_3_which_agent3_lacks():
    seed()
    billing = VirtualQueue.objects.get(slug="billing")

    assert {(r.skill.name, r.min_level) for r in billing.required_skills.all()} == {("Billing", 3)}
    assert set(billing.agents.values_list("user__username", flat=True)) == {"agent1", "agent2"}
    assert sorted(billing.office_hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    levels = {a.user.username: {s.skill.name: s.level for s in a.skill_levels.all()} for a in Agent.objects.all()}
    assert levels["agent1"]["Billing"] == 7
    assert levels["agent2"]["Billing"] == 4
    assert "Billing" not in levels["agent3"]


def test_demo_callbacks_cover_several_states_each_created_by_the_state_machine():
    seed()
    callbacks = Callback.objects.filter(queue__slug="support", context__demo=True)

    assert sorted(callbacks.values_list("state", flat=True)) == sorted(
        [State.QUEUED, State.QUEUED, State.SCHEDULED, State.COMPLETED, State.CANCELED, State.RETRY_WAIT]
    )
    for callback in callbacks:
        assert callback.events.filter(type="created").count() == 1
        assert callback.events.last().to_state == callback.state
    completed = callbacks.get(state=State.COMPLETED)
    assert completed.agent.user.username == "agent1"
    assert list(completed.events.values_list("type", flat=True)) == ["created", "assigned", "started", "completed"]


def test_a_demo_seeded_at_night_books_its_waiting_customers_for_their_calling_window():
    with time_machine.travel(dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC), tick=False):  # night in Europe
        seed()

    oliver = Callback.objects.get(first_name="Oliver")
    assert oliver.state == State.SCHEDULED
    assert oliver.desired_time == dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)  # 09:00 in London
    assert oliver.events.get(type="created").reason == "scheduled_at_opening"


def test_the_demo_has_two_weeks_of_finished_callbacks_in_each_queue_for_the_reports():
    seed()
    history = Callback.objects.filter(context__demo_history=True)
    today = timezone.now().date()

    for queue in VirtualQueue.objects.all():
        days = {c.created_at.astimezone(queue.time_zone).date() for c in history.filter(queue=queue)}
        assert days and max(days) < today and min(days) >= today - dt.timedelta(days=14), queue
        assert all(is_open(queue, c.created_at) for c in history.filter(queue=queue)), queue
    assert set(history.values_list("state", flat=True)) == {
        State.COMPLETED,
        State.FAILED,
        State.CANCELED,
        State.EXPIRED,
    }
    for callback in history[:50]:
        assert callback.events.first().type == "created"
        assert callback.events.last().to_state == callback.state


def test_the_demo_widget_sessions_lead_to_its_booked_callbacks():
    seed()

    booked = Callback.objects.filter(context__demo_history=True, channel="widget").count()
    assert WidgetEvent.objects.filter(name="submitted").count() == booked > 0
