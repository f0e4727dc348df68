"""A callback's event times and state_changed_at never go backwards, whatever time a request read at its start."""

import datetime as dt
import itertools
import random
import time

import pytest
from django.utils import timezone

from callbacks import claim, lifecycle, services
from callbacks.models import Callback, CallbackEvent, State
from tests.callbacks.test_beat_services import run_at_once
from tests.factories import AgentFactory, CallbackFactory, QueueFactory

EARLIER = dt.timedelta(seconds=5)
# Irish numbers: no calling policy nor zone of their own, so the one-statement claim decides them.
IRISH = itertools.count(3456789)


def waiting(**kwargs):
    return CallbackFactory(phone_number=f"+3531{next(IRISH):07d}", **kwargs)


@pytest.fixture
def reserved(db):
    """A callback an agent reserved just now."""
    agent = AgentFactory()
    callback = waiting()
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


AGENTS = 4
CALLBACKS = 2
ROUNDS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_claims_and_requeues_never_log_a_callback_backwards():
    queue = QueueFactory()
    for _ in range(CALLBACKS):
        waiting(queue=queue)
    agents = [AgentFactory() for _ in range(AGENTS)]
    for agent in agents:
        agent.queues.add(queue)
    supervisor = agents[0].user
    workers = iter(agents)
    rng = random.Random(10)

    def stale_now():
        # A request reads the clock at its start, then others move the callback while it waits.
        started = timezone.now()
        time.sleep(rng.random() / 50)
        return started

    def work():
        agent = next(workers)  # one per thread; next() on a shared iterator is atomic under the GIL
        for _ in range(ROUNDS):
            claimed = claim.callback_claim_next(agent=agent, now=stale_now())
            if claimed is None:
                continue
            if rng.random() < 0.5:
                services.callback_release(callback=claimed, agent=agent, now=stale_now())
            else:  # a supervisor takes it back
                services.callback_requeue(callback=claimed, user=supervisor, now=stale_now())

    run_at_once(AGENTS, work)

    assert CallbackEvent.objects.filter(type="assigned").count() > CALLBACKS  # the race really ran
    for callback in Callback.objects.filter(queue=queue):
        logged = times(callback)
        assert logged == sorted(logged), callback.pk
        assert callback.state_changed_at == logged[-1]
        assert callback.state in (State.QUEUED, State.ASSIGNED)
