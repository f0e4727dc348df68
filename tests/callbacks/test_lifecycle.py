import datetime as dt

import pytest
from django.utils import timezone

from callbacks import lifecycle
from callbacks.lifecycle import TRANSITIONS, IllegalTransition
from callbacks.models import Callback, CallbackEvent, Outcome, State
from tests.factories import AgentFactory, CallbackFactory, forced_into

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)


def calls(agent):
    """One way to fire each transition, with what it needs."""
    return {
        "release": lambda cb: lifecycle.release(cb),
        "assign": lambda cb: lifecycle.assign(cb, agent=agent),
        "requeue": lambda cb: lifecycle.requeue(cb, reason="released_by_agent"),
        "start": lambda cb: lifecycle.start(cb),
        "complete": lambda cb: lifecycle.complete(cb),
        "retry": lambda cb: lifecycle.retry(cb, outcome=Outcome.NO_ANSWER,
                                            due_at=timezone.now() + dt.timedelta(minutes=15)),
        "fail": lambda cb: lifecycle.fail(cb, reason="wrong_number", outcome=Outcome.WRONG_NUMBER),
        "cancel": lambda cb: lifecycle.cancel(cb, actor=lifecycle.Actor.CUSTOMER, reason="customer"),
        "expire": lambda cb: lifecycle.expire(cb, reason="max_wait_exceeded"),
        "reschedule": lambda cb: lifecycle.reschedule(cb, desired_time=timezone.now() + dt.timedelta(days=1),
                                                      actor=lifecycle.Actor.CUSTOMER),
    }


def in_state(state):
    return forced_into(CallbackFactory(), state)


LEGAL = [(name, source) for name, t in TRANSITIONS.items() for source in sorted(t.sources)]
ILLEGAL = [(name, state) for name, t in TRANSITIONS.items() for state in State.values if state not in t.sources]


@pytest.mark.parametrize(("name", "source"), LEGAL)
def test_a_legal_transition_moves_the_callback_and_logs_it(name, source):
    callback = in_state(source)
    event = calls(AgentFactory())[name](callback)

    callback.refresh_from_db()
    assert callback.state == TRANSITIONS[name].target
    assert (event.type, event.from_state, event.to_state) == (TRANSITIONS[name].event, source, callback.state)
    assert CallbackEvent.objects.filter(callback=callback, type=event.type).count() == 1


@pytest.mark.parametrize(("name", "state"), ILLEGAL)
def test_an_illegal_transition_is_refused_and_writes_nothing(name, state):
    callback = in_state(state)
    events_before = CallbackEvent.objects.count()

    with pytest.raises(IllegalTransition):
        calls(AgentFactory())[name](callback)

    callback.refresh_from_db()
    assert callback.state == state
    assert CallbackEvent.objects.count() == events_before


def test_terminal_states_allow_no_transition():
    terminal = {State.COMPLETED, State.FAILED, State.CANCELED, State.EXPIRED}
    assert not any(terminal & t.sources for t in TRANSITIONS.values())


def test_a_callback_for_later_is_created_scheduled():
    callback = CallbackFactory(desired_time=NOW + dt.timedelta(hours=2), now=NOW)

    assert callback.state == State.SCHEDULED
    assert callback.due_at == NOW + dt.timedelta(hours=2)
    assert callback.queued_at is None


def test_an_immediate_callback_is_created_queued_and_expires_after_the_queues_maximum_wait():
    callback = CallbackFactory(queue__max_wait_minutes=90, now=NOW)

    assert callback.state == State.QUEUED
    assert callback.queued_at == NOW
    assert callback.expires_at == NOW + dt.timedelta(minutes=90)


def test_creation_writes_a_created_event():
    callback = CallbackFactory(now=NOW)

    event = callback.events.get()
    assert (event.type, event.from_state, event.to_state, event.actor) == ("created", "", State.QUEUED, "customer")


def test_an_event_records_the_attempt_and_elapsed_times():
    callback = CallbackFactory(now=NOW)
    lifecycle.assign(callback, agent=AgentFactory(), now=NOW + dt.timedelta(seconds=30))
    event = lifecycle.start(callback, now=NOW + dt.timedelta(seconds=50))

    assert event.metadata["attempt"] == 1
    assert event.metadata["seconds_since_created"] == 50
    assert event.metadata["seconds_in_previous_state"] == 20


def test_the_event_names_the_acting_user():
    agent = AgentFactory()
    callback = CallbackFactory()

    event = lifecycle.assign(callback, agent=agent, user=agent.user)

    assert event.actor == "agent"
    assert event.actor_user == agent.user
    assert event.metadata["agent_id"] == agent.pk


def test_assigning_reserves_the_callback_for_the_queues_timeout():
    callback = CallbackFactory(queue__reservation_timeout_seconds=45, now=NOW)

    lifecycle.assign(callback, agent=AgentFactory(), now=NOW)

    assert callback.reservation_expires_at == NOW + dt.timedelta(seconds=45)


def test_starting_counts_an_attempt():
    callback = CallbackFactory()
    lifecycle.assign(callback, agent=AgentFactory())

    lifecycle.start(callback)

    callback.refresh_from_db()
    assert callback.attempts == 1
    assert callback.reservation_expires_at is None


def test_a_retry_frees_the_agent_and_keeps_the_outcome():
    callback = CallbackFactory()
    lifecycle.assign(callback, agent=AgentFactory())
    lifecycle.start(callback)

    lifecycle.retry(callback, outcome=Outcome.BUSY, due_at=timezone.now() + dt.timedelta(minutes=5))

    callback.refresh_from_db()
    assert (callback.state, callback.outcome, callback.agent) == (State.RETRY_WAIT, Outcome.BUSY, None)


def test_a_released_callback_keeps_the_time_it_first_joined_the_queue():
    callback = CallbackFactory(now=NOW)
    lifecycle.assign(callback, agent=AgentFactory(), now=NOW)
    lifecycle.start(callback, now=NOW)
    lifecycle.retry(callback, outcome=Outcome.NO_ANSWER, due_at=NOW + dt.timedelta(minutes=15), now=NOW)

    lifecycle.release(callback, now=NOW + dt.timedelta(minutes=15))

    assert callback.queued_at == NOW


def test_a_stale_copy_cannot_overwrite_a_move_made_meanwhile():
    callback = CallbackFactory()
    stale = Callback.objects.get(pk=callback.pk)
    lifecycle.cancel(callback, actor=lifecycle.Actor.CUSTOMER, reason="customer")

    with pytest.raises(IllegalTransition):
        lifecycle.assign(stale, agent=AgentFactory())

    callback.refresh_from_db()
    assert callback.state == State.CANCELED
    assert not callback.events.filter(type="assigned").exists()


def test_the_error_names_the_state_for_the_client():
    callback = in_state(State.COMPLETED)

    with pytest.raises(IllegalTransition, match="Cannot cancel a callback that is completed"):
        lifecycle.cancel(callback, actor=lifecycle.Actor.STAFF, reason="staff")
