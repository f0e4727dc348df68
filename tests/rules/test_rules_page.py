"""The rules page, /manage/rules/: administrators read and change a queue's rules there."""

import pytest

from queues.models import LineOfBusiness
from rules.models import QueueRules
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["administrator", "supervisor", "manager", "developer", "agent"]


@pytest.fixture
def queue():
    return QueueFactory(slug="support", name="Support")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_open_the_rules_page(request, persona, queue):
    response = request.getfixturevalue(persona).get("/manage/rules/")

    assert response.status_code == (200 if persona == "administrator" else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_open_a_queues_rules_form(request, persona, queue):
    response = request.getfixturevalue(persona).get("/manage/rules/support/")

    assert response.status_code == (200 if persona == "administrator" else 403)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "administrator"])
def test_no_one_else_changes_rules(request, persona, queue):
    response = request.getfixturevalue(persona).post("/manage/rules/support/", {"slot_capacity": "7"})

    assert response.status_code == 403
    assert QueueRules.objects.get(queue=queue).slot_capacity is None


def test_it_shows_the_default_refused_number_types(administrator, queue):
    body = administrator.get("/manage/rules/").content.decode()

    assert "Premium rate, Shared cost" in body


def test_an_administrator_sets_the_capacity(administrator, queue):
    response = administrator.post(
        "/manage/rules/support/",
        {
            "slot_capacity": "7",
            "daily_capacity": "",
            "country_policy": "default",
            "countries": "",
            "refused_number_types": ["premium_rate"],
            "max_open_across_queues": "0",
            "max_requests_per_day": "0",
            "immediate_cutoff_minutes": "10",
            "offer_min_ewt_minutes": "",
            "offer_max_waiting": "",
        },
    )

    assert response.status_code == 302
    rules = QueueRules.objects.get(queue=queue)
    assert (rules.slot_capacity, rules.refused_number_types, rules.immediate_cutoff_minutes) == (
        7,
        ["premium_rate"],
        10,
    )


def test_bad_input_is_explained_on_the_form(administrator, queue):
    response = administrator.post("/manage/rules/support/", {"slot_capacity": "-1", "countries": "XX"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert QueueRules.objects.get(queue=queue).slot_capacity is None


def test_a_queue_outside_the_administrators_lines_is_not_found(administrator, queue):
    line = LineOfBusiness.objects.create(name="Billing")
    line.queues.add(QueueFactory(slug="billing"))
    line.members.add(administrator.user)

    assert administrator.get("/manage/rules/support/").status_code == 404
