"""A callback's event times and state_changed_at never go backwards, whatever time a request read at its start."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from callbacks import claim, lifecycle, services
from callbacks.models import Callback, CallbackEvent, State
from tests.factories import AgentFactory, CallbackFactory, UserFactory
from tests.locks import waits_on_a_lock

EARLIER = dt.timedelta(seconds=5)


@pytest.fixture
def reserved(db):
    """A callback an agent reserved just now."""
    agent = AgentFactory()
    callback = CallbackFactory()
    agent.queues.add(callback.queue)
    lifecycle.assign(callback, agent=agent, now=timezone.now())
    return callback


def times(callback):
    return list(CallbackEvent.objects.filter(callback=callback).order_by("id").values_list("created_at", flat=True))


def test_a_move_given_an_earlier_time_is_logged_no_earlier_than_the_one_before(reserved):
    assigned_at = reserved.state_changed_at

    event = lifecycle.requeue(reserved, reason="reservation_timeout", now=assigned_at - EARLIER)

    assert event.created_at == assigned_at


def test_the_state_change_time_follows_the_event_not_the_earlier_time(reserved):
    assigned_at = reserved.state_changed_at

    lifecycle.requeue(reserved, reason="reservation_timeout", now=assigned_at - EARLIER)

    reserved.refresh_from_db()
    assert reserved.state_changed_at == assigned_at


def test_every_field_of_the_move_takes_the_same_time(reserved):
    assigned_at = reserved.state_changed_at
    lifecycle.start(reserved, now=assigned_at - EARLIER)

    reserved.refresh_from_db()
    assert (reserved.started_at, reserved.dial_attempts.get().started_at) == (assigned_at, assigned_at)


@pytest.mark.postgres
def test_a_claim_that_read_the_clock_before_a_requeue_is_logged_after_it(reserved):
    agent = reserved.agent
    requeued = lifecycle.requeue(reserved, reason="released_by_agent", now=timezone.now() + EARLIER)
    agent.refresh_from_db()

    claimed = claim.callback_claim_next(agent=agent, now=requeued.created_at - EARLIER)

    assert claimed.pk == reserved.pk
    assert times(reserved)[-1] == requeued.created_at == claimed.state_changed_at == claimed.assigned_at


def test_a_copy_read_before_another_moved_it_away_and_back_does_not_move(reserved):
    stale = Callback.objects.get(pk=reserved.pk)
    lifecycle.requeue(reserved, reason="released_by_agent")
    lifecycle.assign(reserved, agent=reserved.queue.agents.get(), now=timezone.now())

    # The same state as the copy holds, but not the same since: its time would be behind the last move.
    with pytest.raises(lifecycle.IllegalTransition):
        lifecycle.requeue(stale, reason="reservation_timeout", now=stale.state_changed_at)


def one_waits_behind_the_other(first, second):
    """Run ``first`` and hold its transaction (and row locks) open, start ``second``, and only once it is seen
    waiting on a lock in pg_locks let ``first`` commit: the interleaving of a race, every time, with no sleep."""
    first_done, commit, waiter = threading.Event(), threading.Event(), []
    errors = []

    def run_first():
        try:
            with transaction.atomic():
                first()
                first_done.set()
                commit.wait(10)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            first_done.set()
            connection.close()

    def run_second():
        try:
            connection.ensure_connection()
            waiter.append(connection.connection.info.backend_pid)
            second()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    threads[0].start()
    assert first_done.wait(10)
    threads[1].start()
    blocked = waits_on_a_lock(waiter)
    commit.set()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert blocked, "the second never waited on the first's lock"


def assert_logged_in_order(callback):
    callback.refresh_from_db()
    logged = times(callback)
    assert logged == sorted(logged)
    assert callback.state_changed_at == logged[-1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_requeue_that_waited_behind_a_claim_is_logged_after_it():
    """A supervisor's request reads the clock, then waits on the callback's row while an agent's claim of it
    commits; its requeue then finds the callback assigned, and must not be logged before the claim."""
    callback = CallbackFactory()
    agent = AgentFactory()
    agent.queues.add(callback.queue)
    supervisor = UserFactory()
    claimed_at = timezone.now() + EARLIER

    one_waits_behind_the_other(
        lambda: claim.callback_claim_next(agent=agent, now=claimed_at),
        lambda: services.callback_requeue(callback=callback, user=supervisor, now=claimed_at - EARLIER),
    )

    assert_logged_in_order(callback)
    assert list(callback.events.order_by("id").values_list("type", "created_at"))[-2:] == [
        ("assigned", claimed_at),
        ("requeued", claimed_at),
    ]
    assert callback.state == State.QUEUED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_that_waited_behind_the_agents_release_is_logged_after_it():
    """An agent's second tab asks for the next callback while the first releases theirs: the claim, its clock
    read, waits on the agent's row until the release commits, then takes the released callback again, and
    must not be logged before the release."""
    callback = CallbackFactory()
    agent = AgentFactory()
    agent.queues.add(callback.queue)
    claim.callback_claim_next(agent=agent)
    released_at = timezone.now() + EARLIER

    one_waits_behind_the_other(
        lambda: services.callback_release(callback=callback, agent=agent, now=released_at),
        lambda: claim.callback_claim_next(agent=agent, now=released_at - EARLIER),
    )

    assert_logged_in_order(callback)
    assert list(callback.events.order_by("id").values_list("type", "created_at"))[-2:] == [
        ("requeued", released_at),
        ("assigned", released_at),
    ]
    assert (callback.state, callback.agent) == (State.ASSIGNED, agent)
