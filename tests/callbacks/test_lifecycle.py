import datetime as dt

import pytest
import time_machine

from callbacks import lifecycle
from callbacks.lifecycle import TRANSITIONS, IllegalTransition
from callbacks.models import Callback, CallbackEvent, Outcome, State
from tests.factories import AgentFactory, CallbackFactory, forced_into

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)

S = State
# The legal moves, written by hand from the lifecycle diagrams (../shared/DESIGN.md and the README's "The
# callback lifecycle"), not read from the code, so a wrong TRANSITIONS fails here: each transition, the states
# it leaves, the state it reaches, and the event type it logs (stored in every event row and read by reports,
# so renaming one is a change of data).
LEGAL_MOVES = {
    "release": ({S.SCHEDULED, S.RETRY_WAIT}, S.QUEUED, "released"),  # due, released early, retry time come
    "assign": ({S.QUEUED}, S.ASSIGNED, "assigned"),  # an agent claims it, or staff hand it to one
    "requeue": ({S.ASSIGNED}, S.QUEUED, "requeued"),  # reservation timeout, released, rejected
    "start": ({S.ASSIGNED}, S.IN_PROGRESS, "started"),  # the agent dials
    "complete": ({S.IN_PROGRESS}, S.COMPLETED, "completed"),  # connected
    "retry": ({S.IN_PROGRESS}, S.RETRY_WAIT, "retry_scheduled"),  # no answer, busy, voicemail; attempts left
    "fail": ({S.IN_PROGRESS}, S.FAILED, "failed"),  # attempts exhausted, wrong number
    "cancel": ({S.SCHEDULED, S.QUEUED, S.ASSIGNED, S.IN_PROGRESS, S.RETRY_WAIT}, S.CANCELED, "canceled"),  # any open
    "expire": ({S.SCHEDULED, S.QUEUED, S.RETRY_WAIT}, S.EXPIRED, "expired"),  # past its time to live
    # In neither diagram: the README's reschedule ("another bookable time") of a callback no agent has.
    "reschedule": ({S.SCHEDULED, S.QUEUED, S.RETRY_WAIT}, S.SCHEDULED, "rescheduled"),
}

# Each function of lifecycle.py that moves a callback, with what it needs, by the transition it makes.
MOVES = {
    "release": lambda cb, agent: lifecycle.release(cb),
    "assign": lambda cb, agent: lifecycle.assign(cb, agent=agent),
    "requeue": lambda cb, agent: lifecycle.requeue(cb, reason="released_by_agent"),
    "reject": lambda cb, agent: lifecycle.reject(cb),
    "start": lambda cb, agent: lifecycle.start(cb),
    "complete": lambda cb, agent: lifecycle.complete(cb),
    "retry": lambda cb, agent: lifecycle.retry(cb, outcome=Outcome.NO_ANSWER, due_at=NOW + dt.timedelta(minutes=15)),
    "fail": lambda cb, agent: lifecycle.fail(cb, reason="wrong_number", outcome=Outcome.WRONG_NUMBER),
    "cancel": lambda cb, agent: lifecycle.cancel(cb, actor=lifecycle.Actor.CUSTOMER, reason="customer"),
    "expire": lambda cb, agent: lifecycle.expire(cb, reason="max_wait_exceeded"),
    "reschedule": lambda cb, agent: lifecycle.reschedule(
        cb, desired_time=NOW + dt.timedelta(days=1), actor=lifecycle.Actor.CUSTOMER
    ),
}
TRANSITION_OF = {name: name for name in LEGAL_MOVES} | {"reject": "requeue"}  # a requeue that counts a rejection

LEGAL = [(move, source) for move in MOVES for source in sorted(LEGAL_MOVES[TRANSITION_OF[move]][0])]
ILLEGAL = [
    (move, state) for move in MOVES for state in State.values if state not in LEGAL_MOVES[TRANSITION_OF[move]][0]
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def in_state(state):
    return forced_into(CallbackFactory(), state)


def test_the_state_machine_allows_exactly_the_legal_moves():
    assert {name: (set(t.sources), t.target, t.event) for name, t in TRANSITIONS.items()} == LEGAL_MOVES


def test_every_transition_is_made_by_a_function_tested_here():
    assert {TRANSITION_OF[move] for move in MOVES} == set(LEGAL_MOVES)


@pytest.mark.parametrize(("move", "source"), LEGAL)
def test_a_legal_move_reaches_its_state_and_logs_it(move, source):
    callback = in_state(source)
    event = MOVES[move](callback, AgentFactory())

    _, target, event_type = LEGAL_MOVES[TRANSITION_OF[move]]
    callback.refresh_from_db()
    assert callback.state == target
    assert (event.type, event.from_state, event.to_state) == (event_type, source, target)
    assert CallbackEvent.objects.filter(callback=callback, type=event_type).count() == 1


@pytest.mark.parametrize(("move", "state"), ILLEGAL)
def test_an_illegal_move_is_refused_and_writes_nothing(move, state):
    callback = in_state(state)
    events_before = CallbackEvent.objects.count()

    with pytest.raises(IllegalTransition):
        MOVES[move](callback, AgentFactory())

    callback.refresh_from_db()
    assert callback.state == state
    assert CallbackEvent.objects.count() == events_before


@pytest.mark.parametrize("state", [state for state in State.values if state != State.QUEUED])
def test_only_a_queued_callback_is_held(state):
    callback = in_state(state)

    with pytest.raises(IllegalTransition):
        lifecycle.hold(callback, until=NOW + dt.timedelta(minutes=5), reason="outside_calling_window")

    assert not callback.events.filter(type="held").exists()


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

    lifecycle.retry(callback, outcome=Outcome.BUSY, due_at=NOW + dt.timedelta(minutes=5))

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
