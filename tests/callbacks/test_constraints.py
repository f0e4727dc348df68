"""The lifecycle's invariants, refused by the database itself: a row no move could leave is an IntegrityError.

Each test breaks one rule with an UPDATE that bypasses the lifecycle, as a shell, a data migration or a bug might.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from callbacks import lifecycle
from callbacks.models import Callback, Outcome, State
from tests.factories import AgentFactory, CallbackFactory

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=15)


def refused(callback, **fields):
    """Whether the database refuses ``fields`` on the callback's row."""
    try:
        with transaction.atomic():
            Callback.objects.filter(pk=callback.pk).update(**fields)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def assigned(agent):
    callback = CallbackFactory()
    lifecycle.assign(callback, agent=agent)
    return callback


@pytest.fixture
def dialling(assigned):
    lifecycle.start(assigned)
    return assigned


def test_an_agent_cannot_hold_a_second_callback(agent, assigned):
    other = CallbackFactory()

    with pytest.raises(IntegrityError):
        lifecycle.assign(other, agent=agent)


def test_an_agent_may_hold_one_callback_after_finishing_others(agent, dialling):
    lifecycle.complete(dialling)
    lifecycle.assign(CallbackFactory(), agent=agent)

    assert Callback.objects.filter(agent=agent).count() == 2


def test_a_finished_callback_needs_its_end_time():
    assert refused(CallbackFactory(), state=State.CANCELED)


def test_an_open_callback_has_no_end_time():
    assert refused(CallbackFactory(), ended_at=timezone.now())


def test_a_held_callback_needs_its_agent(dialling):
    assert refused(dialling, agent=None)


def test_a_waiting_callback_has_no_agent(agent):
    assert refused(CallbackFactory(), agent=agent)


def test_a_scheduled_callback_needs_its_due_time():
    assert refused(CallbackFactory(desired_time=timezone.now() + LATER), due_at=None)


def test_a_retrying_callback_needs_its_due_time(dialling):
    lifecycle.retry(dialling, outcome=Outcome.NO_ANSWER, due_at=timezone.now() + LATER)

    assert refused(dialling, due_at=None)


def test_a_queued_callback_has_no_due_time():
    assert refused(CallbackFactory(), due_at=timezone.now() + LATER)


def test_an_assigned_callback_needs_its_reservation(assigned):
    assert refused(assigned, reservation_expires_at=None)


def test_only_an_assigned_callback_has_a_reservation(dialling):
    assert refused(dialling, reservation_expires_at=timezone.now() + LATER)


def test_a_finished_callback_keeps_its_agent_and_due_time(dialling):
    # What the lifecycle leaves: the agent who completed it, the due time of one canceled while scheduled.
    lifecycle.complete(dialling)
    scheduled = CallbackFactory(desired_time=timezone.now() + LATER)
    lifecycle.cancel(scheduled, actor=lifecycle.Actor.CUSTOMER, reason="customer_request")

    dialling.refresh_from_db()
    scheduled.refresh_from_db()
    assert dialling.agent_id is not None and scheduled.due_at is not None


def test_the_admin_refuses_to_delete_an_agent_who_holds_a_callback(administrator, agent, assigned):
    response = administrator.post(reverse("admin:queues_agent_delete", args=[agent.pk]), {"post": "yes"})

    assert response.status_code == 200
    assert response.context["protected"]
    assigned.refresh_from_db()
    assert assigned.agent_id == agent.pk


def test_deleting_an_agent_lets_go_of_the_callbacks_they_finished(agent, dialling):
    lifecycle.complete(dialling)

    agent.delete()

    dialling.refresh_from_db()
    assert dialling.agent_id is None
