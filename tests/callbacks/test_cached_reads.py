"""The widget and the queue's staffing are cached for the customers' requests; a change is seen at the next one."""

import pytest

from callbacks import services
from queues.models import Agent
from tests.callbacks.test_public_api import book, url
from tests.factories import AgentFactory, AgentSkillFactory, QueueSkillFactory

pytestmark = pytest.mark.django_db


def ewt(api):
    return api.get(url("widgets/shop/config")).json()["ewt_seconds"]


def test_a_widget_switched_off_after_a_request_refuses_the_next(api, widget):
    assert api.get(url("widgets/shop/config")).status_code == 200

    widget.active = False
    widget.save()

    assert api.get(url("widgets/shop/config")).json()["code"] == "widget_inactive"


def test_a_widget_given_a_new_key_is_no_longer_found_by_the_old_one(api, widget):
    assert api.get(url("widgets/shop/config")).status_code == 200

    widget.public_key = "shop-2027"
    widget.save()

    assert api.get(url("widgets/shop/config")).status_code == 404
    assert api.get(url("widgets/shop-2027/config")).status_code == 200


def test_a_widget_created_after_its_key_was_asked_for_is_found(api, widget):
    assert api.get(url("widgets/outlet/config")).status_code == 404

    widget.pk, widget.public_key = None, "outlet"
    widget.save()

    assert api.get(url("widgets/outlet/config")).status_code == 200


def test_a_change_to_the_widgets_queue_applies_to_the_next_booking(api, widget):
    assert book(api, widget).status_code == 201

    widget.queue.max_open_per_number = 2
    widget.queue.save()

    assert book(api, widget).status_code == 201  # a second one for the same number, now allowed


def test_the_wait_appears_when_an_agent_logs_in(api, widget):
    agent = AgentFactory(status=Agent.Status.OFFLINE)
    agent.queues.add(widget.queue)
    assert ewt(api) is None

    services.agent_set_status(agent=agent, status=Agent.Status.AVAILABLE)

    assert ewt(api) is not None


def test_the_wait_goes_when_the_last_agent_logs_out(api, widget):
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    agent.queues.add(widget.queue)
    assert ewt(api) is not None

    services.agent_set_status(agent=agent, status=Agent.Status.OFFLINE)

    assert ewt(api) is None


def test_the_wait_appears_when_an_agent_starts_serving_the_queue(api, widget):
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    assert ewt(api) is None

    widget.queue.agents.add(agent)

    assert ewt(api) is not None


def test_the_wait_goes_when_the_queue_requires_a_skill_its_agents_lack(api, widget):
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(widget.queue)
    assert ewt(api) is not None

    QueueSkillFactory(queue=widget.queue, min_level=5)

    assert ewt(api) is None


def test_the_wait_comes_back_when_the_agent_gains_the_skill(api, widget):
    agent = AgentFactory(status=Agent.Status.AVAILABLE)
    agent.queues.add(widget.queue)
    required = QueueSkillFactory(queue=widget.queue, min_level=5)
    assert ewt(api) is None

    AgentSkillFactory(agent=agent, skill=required.skill, level=7)

    assert ewt(api) is not None
