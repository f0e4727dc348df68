"""The claim in one round trip (``lifecycle.assign_next``): the same move as the Python path, or no move at all.

Each test asks the fast path itself, so a silent fall back to the Python path
cannot pass for it; UNDECIDED must leave everything as it was.
"""

import datetime as dt
import itertools
import threading
import time

import pytest
from django.db import connection, transaction

from callbacks import lifecycle, services
from callbacks.models import Callback, CallbackEvent, State
from queues.models import Agent
from tests.callbacks.test_beat_services import run_at_once
from tests.factories import AgentFactory, AgentSkillFactory, CallbackFactory, QueueFactory, QueueSkillFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOW = dt.datetime(2026, 6, 1, 12, 0, 0, 500000, tzinfo=dt.timezone.utc)  # a Monday, 13:00 in London
MINUTE = dt.timedelta(minutes=1)
NEW_YORK = "America/New_York"
NEW_YORK_NUMBER = "+12125550123"
UNDECIDED = lifecycle.UNDECIDED
IRISH = itertools.count(2345678)


def serving(*queues, **kwargs):
    agent = AgentFactory(**kwargs)
    agent.queues.add(*queues)
    return agent


def waiting(queue, seconds_ago, **kwargs):
    # Irish numbers: no calling policy ships for Ireland and its numbers have no zone of their own, so
    # the one-statement claim decides them (a number with a policy, or a traveller's second zone, goes
    # the Python way: tested below).
    kwargs.setdefault("phone_number", f"+3531{next(IRISH):07d}")
    return CallbackFactory(queue=queue, now=NOW - dt.timedelta(seconds=seconds_ago), **kwargs)


def fast(agent, now=NOW):
    return lifecycle.assign_next(agent, now=now)


def python_path(agent, now=NOW):
    return services._claim_next(agent=agent, now=now)


def untouched(*callbacks):
    """Nothing was written: each still queued, unassigned, with only its creation event."""
    for callback in callbacks:
        callback.refresh_from_db()
        assert (callback.state, callback.agent_id, callback.hold_until) == (State.QUEUED, None, None)
        assert [event.type for event in callback.events.all()] == ["created"]
    return True


class TestTheSameMoveAsThePythonPath:
    ROW = ["state", "agent_id", "assigned_at", "reservation_expires_at", "state_changed_at", "updated_at",
           "attempts", "place_at", "queued_at", "hold_until", "rejections", "flagged", "expires_at", "outcome"]
    EVENT = ["type", "from_state", "to_state", "created_at", "actor", "actor_user_id", "reason", "metadata"]

    # 90.5 s and 91.5 s: both ways round half to even, as Python's round() does.
    @pytest.mark.parametrize("seconds_ago", [90.5, 91.5, 3600])
    def test_row_event_and_agent_match(self, seconds_ago):
        results = []
        for claim in (fast, python_path):
            queue = QueueFactory(reservation_timeout_seconds=75)
            callback = waiting(queue, seconds_ago)
            agent = serving(queue, status=Agent.Status.AVAILABLE)
            claimed = claim(agent)
            assert claimed == callback
            assert claimed.queue == queue
            stored = Callback.objects.get(pk=callback.pk)
            event = stored.events.last()
            agent.refresh_from_db()
            results.append({
                "returned": {field: getattr(claimed, field) for field in self.ROW if field != "agent_id"},
                "row": {field: getattr(stored, field) for field in self.ROW},
                "event": {field: getattr(event, field) for field in self.EVENT},
                "agent": (agent.status, agent.status_changed_at),
                "agent_id": agent.pk, "user_id": agent.user_id,
            })
        ours, reference = results
        for result in results:  # whose agent it was differs; the rest must not
            assert result["row"].pop("agent_id") == result["agent_id"]
            assert result["event"]["metadata"].pop("agent_id") == result["agent_id"]
            assert result["event"].pop("actor_user_id") == result.pop("user_id")
            result.pop("agent_id")
        assert ours == reference
        assert ours["row"] == ours["returned"]
        assert ours["agent"] == (Agent.Status.BUSY, NOW)
        assert set(ours["event"]["metadata"]) == {"attempt", "seconds_since_created", "seconds_in_previous_state"}

    def test_an_agent_already_busy_keeps_the_time_of_that_status(self):
        queue = QueueFactory()
        waiting(queue, 60)
        agent = serving(queue, status=Agent.Status.BUSY)
        since = Agent.objects.get(pk=agent.pk).status_changed_at

        assert fast(agent) is not UNDECIDED

        agent.refresh_from_db()
        assert (agent.status, agent.status_changed_at) == (Agent.Status.BUSY, since)


class TestWhatItPicks:
    def test_skills_and_their_levels(self):
        queue = QueueFactory()
        QueueSkillFactory(queue=queue, skill__name="French", min_level=5)
        QueueSkillFactory(queue=queue, skill__name="Billing", min_level=1)
        callback = waiting(queue, 60)
        agent = serving(queue)
        AgentSkillFactory(agent=agent, skill__name="French", level=4)
        AgentSkillFactory(agent=agent, skill__name="Billing", level=1)

        assert fast(agent) is None

        agent.skill_levels.filter(skill__name="French").update(level=5)
        assert fast(agent) == callback

    def test_only_queues_the_agent_serves(self):
        waiting(QueueFactory(), 60)

        assert fast(serving(QueueFactory())) is None

    def test_queue_priority_first(self):
        low, high = QueueFactory(priority=1), QueueFactory(priority=9)
        older_in_low = waiting(low, 3600)
        newer_in_high = waiting(high, 60)

        assert [fast(serving(low, high)) for _ in range(2)] == [newer_in_high, older_in_low]

    def test_first_come_first_served_across_the_queues_of_one_priority(self):
        a, b = QueueFactory(priority=5), QueueFactory(priority=5)
        second, first, third = waiting(a, 300), waiting(b, 420), waiting(a, 60)

        assert [fast(serving(a, b)) for _ in range(3)] == [first, second, third]

    def test_same_place_in_line_goes_by_id(self):
        queue = QueueFactory()
        one, two = waiting(queue, 60), waiting(queue, 60)

        assert [fast(serving(queue)) for _ in range(2)] == [one, two]

    def test_not_what_this_agent_rejected_but_another_agent_gets_it(self):
        queue = QueueFactory()
        first, second = waiting(queue, 600), waiting(queue, 300)
        picky, other = serving(queue), serving(queue)
        assert fast(picky) == first
        services.callback_release(callback=first, agent=picky, reject=True, now=NOW)

        assert fast(picky) == second
        assert fast(other) == first

    def test_not_while_held(self):
        queue = QueueFactory()
        callback = waiting(queue, 600)
        Callback.objects.filter(pk=callback.pk).update(hold_until=NOW + MINUTE)

        assert fast(serving(queue)) is None
        assert fast(serving(queue), now=NOW + MINUTE) == callback

    def test_nothing_waiting(self):
        assert fast(serving(QueueFactory())) is None

    def test_the_window_to_midnight(self):
        queue = QueueFactory(calling_window_start=dt.time(7), calling_window_end=dt.time(0))
        # A Moscow mobile number has no zone of its own (Russia spans eleven): New York's clock alone.
        callback = waiting(queue, 60, customer_timezone=NEW_YORK, phone_number="+79161234567")

        assert fast(serving(queue), now=dt.datetime(2026, 6, 2, 3, 30, tzinfo=dt.timezone.utc)) == callback  # 23:30

    def test_the_queues_zone_when_the_callback_has_none(self):
        queue = QueueFactory(time_zone=NEW_YORK)
        callback = waiting(queue, 60)
        Callback.objects.filter(pk=callback.pk).update(dial_timezone="")

        assert fast(serving(queue)) is UNDECIDED  # 08:00 in New York
        assert untouched(callback)
        assert fast(serving(queue), now=NOW + 60 * MINUTE) == callback


class TestWhereItLeavesTheClaimToThePythonPath:
    def test_outside_the_calling_window_it_writes_nothing_and_the_service_holds_it(self):
        queue = QueueFactory(max_wait_minutes=24 * 60)
        new_yorker = waiting(queue, 1200, customer_timezone=NEW_YORK)  # 08:00 there
        londoner = waiting(queue, 600)
        agent = serving(queue)

        assert fast(agent) is UNDECIDED
        assert untouched(new_yorker, londoner)
        assert Agent.objects.get(pk=agent.pk).status == Agent.Status.AVAILABLE

        assert services.callback_claim_next(agent=agent, now=NOW) == londoner
        new_yorker.refresh_from_db()
        assert new_yorker.hold_until == NOW.replace(microsecond=0) + dt.timedelta(hours=1)

    def test_a_number_with_a_calling_policy(self):
        queue = QueueFactory()
        new_yorker = waiting(queue, 600, customer_timezone=NEW_YORK, phone_number=NEW_YORK_NUMBER)  # the US policy
        agent = serving(queue)

        assert fast(agent, now=NOW + dt.timedelta(hours=4)) is UNDECIDED  # 12:00 in New York
        assert services.callback_claim_next(agent=agent, now=NOW + dt.timedelta(hours=4)) == new_yorker

    def test_a_travellers_second_zone(self):
        queue = QueueFactory()
        traveller = waiting(queue, 600, customer_timezone=NEW_YORK, phone_number="+31201234567")  # Amsterdam
        agent = serving(queue)

        assert fast(agent, now=NOW + dt.timedelta(hours=4)) is UNDECIDED
        assert services.callback_claim_next(agent=agent, now=NOW + dt.timedelta(hours=4)) == traveller

    def test_an_agent_who_is_away(self):
        queue = QueueFactory()
        waiting(queue, 600)
        agent = serving(queue, status=Agent.Status.AWAY)

        assert fast(agent) is UNDECIDED
        with pytest.raises(services.AgentUnavailable):
            services.callback_claim_next(agent=agent, now=NOW)

    def test_an_agent_holding_a_callback_gets_it_again(self):
        queue = QueueFactory()
        first, _ = waiting(queue, 600), waiting(queue, 300)
        agent = serving(queue)
        assert fast(agent) == first

        assert fast(agent) is UNDECIDED
        assert services.callback_claim_next(agent=agent, now=NOW) == first
        assert CallbackEvent.objects.filter(type="assigned").count() == 1

    @pytest.mark.parametrize("now", [
        dt.datetime(2026, 3, 8, 14, 0, tzinfo=dt.timezone.utc),  # the spring-forward day in New York
        dt.datetime(2026, 3, 7, 14, 0, tzinfo=dt.timezone.utc),  # the day before
        dt.datetime(2026, 11, 2, 14, 0, tzinfo=dt.timezone.utc),  # the day after falling back
    ])
    def test_days_around_a_dst_change(self, now):
        queue = QueueFactory()
        callback = waiting(queue, 60, customer_timezone=NEW_YORK)

        assert fast(serving(queue), now=now) is UNDECIDED
        assert untouched(callback)

    # Abbreviations and POSIX offsets PostgreSQL reads and zoneinfo does not; names neither knows.
    @pytest.mark.parametrize("zone", ["PST", "UTC+3", "Foo/Bar", "Etc/Unknown"])
    def test_a_dial_zone_not_plainly_an_iana_name(self, zone):
        queue = QueueFactory()
        callback = waiting(queue, 60)
        Callback.objects.filter(pk=callback.pk).update(dial_timezone=zone)
        agent = serving(queue)

        assert fast(agent) is UNDECIDED
        assert untouched(callback)
        # The caller's transaction is still usable: the Python path claims it, in the queue's zone.
        assert services.callback_claim_next(agent=agent, now=NOW) == callback

    def test_an_unknown_agent(self):
        assert fast(Agent(pk=987654)) is UNDECIDED

    def test_not_on_another_database(self, monkeypatch):
        queue = QueueFactory()
        callback = waiting(queue, 60)
        monkeypatch.setattr(connection, "vendor", "sqlite")

        assert fast(serving(queue)) is UNDECIDED
        assert untouched(callback)

    def test_not_with_server_side_binding(self, monkeypatch):
        queue = QueueFactory()
        callback = waiting(queue, 60)
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)

        assert fast(serving(queue)) is UNDECIDED
        assert untouched(callback)

    def test_a_session_that_lost_the_prepared_claim_prepares_it_again(self):
        queue = QueueFactory()
        first, second = waiting(queue, 600), waiting(queue, 300)
        assert fast(serving(queue)) == first
        with connection.cursor() as cursor:
            cursor.execute(f"DEALLOCATE {lifecycle._PREPARED_NAME}")  # the lock stays prepared

        agent = serving(queue)
        assert fast(agent) is UNDECIDED
        assert fast(agent) == second


@pytest.mark.django_db(transaction=True)
def test_one_agent_claiming_twice_at_once_gets_one_callback():
    """The race the agent's lock guards: the second claim waits for the first, then must see what it holds."""
    queue = QueueFactory()
    first, _ = waiting(queue, 600), waiting(queue, 300)
    agent = serving(queue)
    locked = threading.Event()

    def slow_claim():
        # The Python path, held open after assigning: the fast claim below waits on the agent's row.
        try:
            with transaction.atomic():
                services._lock_agent(agent)
                lifecycle.assign(Callback.objects.get(pk=first.pk), agent=agent, now=NOW)
                locked.set()
                time.sleep(0.5)
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=slow_claim)
    thread.start()
    assert locked.wait(5)
    # Sent while the other claim holds the lock: its snapshot must come after that claim commits.
    answer = fast(agent)
    thread.join()

    assert answer is UNDECIDED
    assert services.callback_claim_next(agent=agent, now=NOW) == first
    assert CallbackEvent.objects.filter(type="assigned").count() == 1


@pytest.mark.django_db(transaction=True)
def test_agents_at_once_each_get_a_different_callback_in_line_order():
    queue = QueueFactory()
    callbacks = [waiting(queue, 600 - i) for i in range(30)]
    agents = iter([serving(queue) for _ in range(10)])

    results = run_at_once(10, lambda: fast(next(agents)))

    assert UNDECIDED not in results and None not in results
    # Nobody got one twice, and SKIP LOCKED passed over only rows others held: the first ten went.
    assert sorted(callback.pk for callback in results) == [callback.pk for callback in callbacks[:10]]


@pytest.mark.django_db(transaction=True)
def test_twenty_agents_drain_a_thousand_callbacks_without_the_python_path(monkeypatch):
    """The issue's concurrency test, with every claim decided by the fast path alone."""
    from collections import Counter

    from tests.callbacks.test_claim_concurrency import queued

    def no_fallback(**kwargs):
        raise AssertionError("the Python path was taken")

    monkeypatch.setattr(services, "_claim_next", no_fallback)
    queue = QueueFactory()
    ids = queued(queue, 1000)
    agents = iter([serving(queue) for _ in range(20)])

    def work():
        agent, claimed = next(agents), []
        while (callback := services.callback_claim_next(agent=agent, now=NOW)) is not None:
            claimed.append(callback.pk)
            lifecycle.start(callback, now=NOW)
            lifecycle.complete(callback, now=NOW)
        return claimed

    per_agent = run_at_once(20, work)

    claims = Counter(pk for claimed in per_agent for pk in claimed)
    assert max(claims.values()) == 1 and set(claims) == set(ids)
    assert CallbackEvent.objects.filter(type="assigned").count() == 1000
    assert sum(1 for claimed in per_agent if claimed) > 1
