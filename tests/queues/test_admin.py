import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from queues.models import Agent, VirtualQueue
from tests.factories import AgentFactory, QueueFactory, SkillFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["skill", "virtualqueue", "agent"])
@pytest.mark.parametrize("page", ["changelist", "add"])
def test_it_opens_every_queues_page_to_the_administrator(administrator, model, page):
    response = administrator.get(reverse(f"admin:queues_{model}_{page}"))

    assert response.status_code == 200


def test_it_opens_a_queue_with_its_skills_hours_and_closed_dates(administrator):
    queue = QueueFactory()

    response = administrator.get(reverse("admin:queues_virtualqueue_change", args=[queue.pk]))

    assert response.status_code == 200
    assert [f.formset.prefix for f in response.context["inline_admin_formsets"]] == [
        "required_skills",
        "office_hours",
        "closed_dates",
    ]


def test_it_opens_an_agent_with_their_skills(administrator):
    agent = AgentFactory()

    response = administrator.get(reverse("admin:queues_agent_change", args=[agent.pk]))

    assert response.status_code == 200
    assert [f.formset.prefix for f in response.context["inline_admin_formsets"]] == ["skill_levels"]


def test_it_refuses_the_admin_to_an_agent(agent):
    response = agent.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_refuses_the_queue_list_to_an_agent(agent):
    response = agent.get(reverse("admin:queues_virtualqueue_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_lets_a_developer_view_queues(developer):
    queue = QueueFactory()

    assert developer.get(reverse("admin:queues_virtualqueue_changelist")).status_code == 200
    assert developer.get(reverse("admin:queues_virtualqueue_change", args=[queue.pk])).status_code == 200


def test_it_refuses_a_developer_to_add_a_queue(developer):
    response = developer.get(reverse("admin:queues_virtualqueue_add"))

    assert response.status_code == 403


def test_it_creates_a_queue_with_office_hours(administrator):
    inline = {
        f"{prefix}-{key}": value
        for prefix in ("required_skills", "office_hours", "closed_dates")
        for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }
    inline |= {
        "office_hours-TOTAL_FORMS": "1",
        "office_hours-0-weekday": "0",
        "office_hours-0-opens": "09:00",
        "office_hours-0-closes": "17:00",
    }

    response = administrator.post(
        reverse("admin:queues_virtualqueue_add"),
        {
            "name": "Billing",
            "slug": "billing",
            "active": "on",
            "priority": "5",
            "time_zone": "Europe/London",
            "slot_minutes": "15",
            "booking_horizon_days": "14",
            "max_wait_minutes": "240",
            "max_attempts": "3",
            "retry_delay_minutes": "15",
            "reservation_timeout_seconds": "60",
            "max_open_per_number": "1",
            "calling_window_start": "09:00",
            "calling_window_end": "21:00",
            "after_hours": "schedule_at_opening",
            "max_rejections": "3",
            "early_release_cap_minutes": "15",
            "service_level_seconds": "300",
            "promise_tolerance_minutes": "5",
            **inline,
        },
    )

    assert response.status_code == 302
    queue = VirtualQueue.objects.get(slug="billing")
    assert [str(hours) for hours in queue.office_hours.all()] == ["Monday 09:00–17:00"]


def test_it_finds_a_skill_by_name(administrator):
    SkillFactory(name="Spanish")
    SkillFactory(name="Billing")

    response = administrator.get(reverse("admin:queues_skill_changelist"), {"q": "span"})

    assert [skill.name for skill in response.context["cl"].result_list] == ["Spanish"]


def test_it_finds_an_agent_by_name(administrator):
    AgentFactory(user=UserFactory(username="grace", first_name="Grace", last_name="Hopper"))
    AgentFactory(user=UserFactory(username="alan", first_name="Alan", last_name="Turing"))

    response = administrator.get(reverse("admin:queues_agent_changelist"), {"q": "hopper"})

    assert [agent.user.username for agent in response.context["cl"].result_list] == ["grace"]


def test_it_counts_the_queues_each_agent_serves(administrator):
    agent = AgentFactory()
    agent.queues.add(QueueFactory(), QueueFactory())

    response = administrator.get(reverse("admin:queues_agent_changelist"))

    assert response.context["cl"].result_list[0].queue_count == 2


def test_it_lists_agents_without_a_query_per_agent(administrator):
    url = reverse("admin:queues_agent_changelist")
    AgentFactory().queues.add(QueueFactory())
    with CaptureQueriesContext(connection) as one_agent:
        administrator.get(url)
    for _ in range(9):
        AgentFactory().queues.add(QueueFactory())

    with CaptureQueriesContext(connection) as ten_agents:
        administrator.get(url)

    assert len(ten_agents) == len(one_agent)


def test_changing_an_agent_status_restamps_when_it_changed(administrator):
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    before = agent.status_changed_at

    response = administrator.post(
        reverse("admin:queues_agent_change", args=[agent.pk]),
        {
            "user": agent.user.pk,
            "status": Agent.Status.OFFLINE,
            "skill_levels-TOTAL_FORMS": "0",
            "skill_levels-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.status == Agent.Status.OFFLINE
    assert agent.status_changed_at > before


def test_calling_policies_list_their_hours_by_runs_of_weekdays(administrator):
    body = administrator.get("/admin/queues/callingpolicy/?q=AU").content.decode()

    assert "Mon–Fri 09:00–20:00; Sat 09:00–17:00" in body


def test_a_policy_shows_its_source_and_hours_to_an_administrator(administrator):
    from queues.models import CallingPolicy

    florida = CallingPolicy.objects.get(country="US", subdivision="FL")

    body = administrator.get(f"/admin/queues/callingpolicy/{florida.pk}/change/").content.decode()

    assert "Fla. Stat. 501.616" in body and 'value="20:00:00"' in body
