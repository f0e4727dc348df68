"""The rules page, /manage/rules/: who may change a queue's rules, through the one service the page calls."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from queues.models import LineOfBusiness
from rules import services
from rules.models import QueueRules
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

FORM = {
    "country_policy": "default",
    "countries": "",
    "slot_capacity": "4",
    "daily_capacity": "40",
    "max_open_across_queues": "0",
    "max_requests_per_day": "0",
    "immediate_cutoff_minutes": "0",
}


@pytest.fixture
def queue():
    return QueueFactory(slug="support")


def test_an_administrator_changes_a_queues_rules_on_the_page(administrator, queue):
    response = administrator.post("/manage/rules/support/", FORM)

    assert response.status_code == 302
    rules = QueueRules.for_queue(queue)
    assert (rules.slot_capacity, rules.daily_capacity) == (4, 40)


def test_a_bad_value_is_a_field_error_and_nothing_is_saved(administrator, queue):
    response = administrator.post("/manage/rules/support/", {**FORM, "slot_capacity": "-1"})

    assert response.status_code == 200
    assert "slot_capacity" in response.context["form"].errors
    assert QueueRules.for_queue(queue).slot_capacity is None


def test_an_administrator_of_another_line_of_business_does_not_find_the_queue(administrator, queue):
    line = LineOfBusiness.objects.create(name="Sales")
    line.queues.add(QueueFactory(slug="sales"))
    line.members.add(administrator.user)

    assert administrator.post("/manage/rules/support/", FORM).status_code == 404
    assert QueueRules.for_queue(queue).slot_capacity is None


def test_a_supervisor_may_not_change_rules_even_through_the_service(supervisor, queue):
    assert supervisor.get("/manage/rules/support/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.queue_rules_update(user=supervisor.user, queue=queue, fields={"slot_capacity": 4})


def test_the_service_does_not_find_a_queue_outside_the_users_lines(administrator, queue):
    line = LineOfBusiness.objects.create(name="Sales")
    line.members.add(administrator.user)

    with pytest.raises(Http404):
        services.queue_rules_update(user=administrator.user, queue=queue, fields={"slot_capacity": 4})
