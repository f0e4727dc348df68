"""Agents claiming at the same moment on real PostgreSQL: nobody gets a callback twice, nothing is lost."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from callbacks import claim, lifecycle, services
from callbacks.models import Callback, CallbackEvent, State
from tests.callbacks.test_beat_services import run_at_once
from tests.factories import AgentFactory, QueueFactory
from tests.locks import waits_on_a_lock

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
AGENTS = 20
CALLBACKS = 1000


def queued(queue, count):
    """``count`` queued callbacks in one INSERT, each with its own place in line."""
    rows = [
        Callback(
            queue=queue,
            phone_number=f"+4420794{i:05d}",
            state=State.QUEUED,
            dial_timezone="UTC",
            created_at=NOW - dt.timedelta(hours=1),
            queued_at=NOW - dt.timedelta(hours=1),
            place_at=NOW - dt.timedelta(seconds=count - i),
            expires_at=NOW + dt.timedelta(days=1),
        )
        for i in range(count)
    ]
    return [callback.pk for callback in Callback.objects.bulk_create(rows)]


def agents_for(queue, count):
    agents = [AgentFactory() for _ in range(count)]
    for agent in agents:
        agent.queues.add(queue)
    return iter(agents)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_agents_claim_a_thousand_callbacks_each_exactly_once():
    queue = QueueFactory()
    ids = queued(queue, CALLBACKS)
    agents = agents_for(queue, AGENTS)

    def work():
        agent = next(agents)  # one per thread; next() on a shared iterator is atomic under the GIL
        claimed = []
        while (callback := claim.callback_claim_next(agent=agent, now=NOW)) is not None:
            claimed.append(callback.pk)
            # Finish it, as an agent holds one callback at a time; the claim is under test, not the outcome.
            lifecycle.start(callback, now=NOW)
            lifecycle.complete(callback, now=NOW)
        return claimed

    per_agent = run_at_once(AGENTS, work)

    claims = Counter(pk for claimed in per_agent for pk in claimed)
    assert [pk for pk, times in claims.items() if times > 1] == []  # nobody got a callback twice
    assert set(claims) == set(ids)  # nothing was lost or left behind
    assert Callback.objects.filter(state=State.COMPLETED).count() == CALLBACKS
    assert CallbackEvent.objects.filter(type="assigned").count() == CALLBACKS
    assert sum(1 for claimed in per_agent if claimed) > 1  # the claims really ran side by side


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_asking_for_the_last_callback_at_once_one_gets_it():
    queue = QueueFactory()
    [only] = queued(queue, 1)
    agents = agents_for(queue, 2)

    results = run_at_once(2, lambda: claim.callback_claim_next(agent=next(agents), now=NOW))

    assert sorted(cb.pk if cb else 0 for cb in results) == [0, only]
    assert CallbackEvent.objects.filter(type="assigned").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_agent_claiming_twice_at_once_gets_one_callback():
    """The race the agent's lock guards (two tabs, a double click): the second claim waits for the first,
    then must see what it holds and answer that, not reserve another."""
    queue = QueueFactory()
    first, _ = queued(queue, 2)
    agent = next(agents_for(queue, 1))
    assigned, go_on = threading.Event(), threading.Event()
    answers, waiter = [], []

    def first_claim():  # a claim under way: the agent locked, the callback assigned, not committed yet
        try:
            with transaction.atomic():
                services.agents._lock_agent(agent)
                lifecycle.assign(Callback.objects.select_related("queue").get(pk=first), agent=agent, now=NOW)
                assigned.set()
                go_on.wait(10)
        finally:
            assigned.set()
            connection.close()

    def second_claim():
        try:
            connection.ensure_connection()
            waiter.append(connection.connection.info.backend_pid)
            answers.append(claim.callback_claim_next(agent=agent, now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=first_claim), threading.Thread(target=second_claim)]
    threads[0].start()
    assert assigned.wait(10)
    threads[1].start()
    assert waits_on_a_lock(waiter)  # the second claim waits on the agent's row
    go_on.set()
    for thread in threads:
        thread.join(10)

    assert [callback.pk for callback in answers] == [first]
    assert CallbackEvent.objects.filter(type="assigned").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_agents_at_once_each_get_a_different_callback_in_line_order():
    queue = QueueFactory()
    ids = queued(queue, 30)
    agents = agents_for(queue, 10)

    results = run_at_once(10, lambda: claim.callback_claim_next(agent=next(agents), now=NOW))

    # Nobody got one twice, and SKIP LOCKED passed over only rows others held: the first ten went.
    assert sorted(callback.pk for callback in results) == ids[:10]
