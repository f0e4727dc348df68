"""The claim (``callbacks.claim``): which callback an agent gets, in what order, and the move it makes."""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from callbacks import claim as claiming
from callbacks import lifecycle, services
from callbacks.models import Callback, CallbackEvent, Outcome, State
from queues.models import Agent
from tests.factories import AgentFactory, AgentSkillFactory, CallbackFactory, QueueFactory, QueueSkillFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # a Monday; 13:00 in London
MINUTE = dt.timedelta(minutes=1)
NEW_YORK = "America/New_York"
# Irish numbers: no calling policy ships for Ireland and its numbers have no zone of their own.
IRISH = itertools.count(2345678)


def agent_serving(*queues, **kwargs):
    agent = AgentFactory(**kwargs)
    agent.queues.add(*queues)
    return agent


def claim(agent, now=NOW):
    return claiming.callback_claim_next(agent=agent, now=now)


def claimed_in_order(queue, count, now=NOW):
    """What ``count`` agents claiming one after another get: a fresh agent each, as each holds one at a time."""
    return [claim(agent_serving(queue), now=now) for _ in range(count)]


def waiting(queue, minutes_ago, **kwargs):
    return CallbackFactory(queue=queue, now=NOW - minutes_ago * MINUTE, **kwargs)


def irish(queue, seconds_ago, **kwargs):
    return CallbackFactory(
        queue=queue, now=NOW - dt.timedelta(seconds=seconds_ago), phone_number=f"+3531{next(IRISH):07d}", **kwargs
    )


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


class TestTheMove:
    # 90.5 s and 91.5 s: the event's seconds round half to even, as Python's round() does.
    @pytest.mark.parametrize("seconds_ago", [90.5, 91.5, 3600])
    def test_the_row_its_event_and_the_agent(self, seconds_ago):
        queue = QueueFactory(reservation_timeout_seconds=75)
        callback = irish(queue, seconds_ago)
        agent = agent_serving(queue, status=Agent.Status.AVAILABLE)

        claimed = claim(agent)

        stored = Callback.objects.get(pk=callback.pk)
        assert claimed == stored and claimed.queue == queue
        for field in ("state", "agent_id", "assigned_at", "reservation_expires_at", "state_changed_at", "updated_at"):
            assert getattr(claimed, field) == getattr(stored, field)
        assert (stored.state, stored.agent_id, stored.assigned_at, stored.reservation_expires_at) == (
            State.ASSIGNED,
            agent.pk,
            NOW,
            NOW + dt.timedelta(seconds=75),
        )
        event = stored.events.last()
        assert (
            event.type,
            event.from_state,
            event.to_state,
            event.created_at,
            event.actor,
            event.actor_user_id,
            event.reason,
        ) == ("assigned", State.QUEUED, State.ASSIGNED, NOW, "agent", agent.user_id, "claimed")
        assert event.metadata == {
            "attempt": 0,
            "seconds_since_created": round(seconds_ago),
            "seconds_in_previous_state": round(seconds_ago),
            "agent_id": agent.pk,
        }
        agent.refresh_from_db()
        assert (agent.status, agent.status_changed_at) == (Agent.Status.BUSY, NOW)

    def test_an_agent_already_busy_keeps_the_time_of_that_status(self):
        queue = QueueFactory()
        irish(queue, 60)
        agent = agent_serving(queue, status=Agent.Status.BUSY)
        since = Agent.objects.get(pk=agent.pk).status_changed_at

        assert claim(agent) is not None

        agent.refresh_from_db()
        assert (agent.status, agent.status_changed_at) == (Agent.Status.BUSY, since)

    def test_an_agent_holding_a_callback_gets_it_again(self):
        queue = QueueFactory()
        first, _ = irish(queue, 600), irish(queue, 300)
        agent = agent_serving(queue)
        assert claim(agent) == first

        assert claim(agent) == first
        assert CallbackEvent.objects.filter(type="assigned").count() == 1

    def test_an_agent_who_is_away_may_not_claim(self):
        queue = QueueFactory()
        callback = irish(queue, 600)
        agent = agent_serving(queue, status=Agent.Status.AWAY)

        with pytest.raises(services.AgentUnavailable):
            claim(agent)
        assert state_of(callback) == State.QUEUED

    def test_an_agent_who_went_away_during_a_call_gets_that_call_back(self):
        queue = QueueFactory()
        callback = irish(queue, 600)
        agent = agent_serving(queue)
        assert claim(agent) == callback
        services.callback_start(callback=callback, agent=agent, now=NOW)
        services.agent_set_status(agent=agent, status=Agent.Status.AWAY, now=NOW)

        assert claim(agent) == callback


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_is_five_statements_in_one_transaction():
    """The agent locked, the head of line locked, the compare-and-set, its event, the agent set busy.

    A number of a known country adds the read of its calling policies (``queues.calling.reach_of``).
    """
    queue = QueueFactory()
    QueueSkillFactory(queue=queue, skill__name="French", min_level=3)
    callback = irish(queue, 60)
    Callback.objects.filter(pk=callback.pk).update(calling_country="")
    agent = agent_serving(queue, status=Agent.Status.AVAILABLE)
    AgentSkillFactory(agent=agent, skill__name="French", level=5)

    with CaptureQueriesContext(connection) as captured:
        assert claim(agent) == callback

    sql = [query["sql"] for query in captured.captured_queries]
    assert (sql[0], sql[-1]) == ("BEGIN", "COMMIT")  # one transaction
    statements = sql[1:-1]
    assert len(statements) <= 5, statements
    assert 'FOR UPDATE OF "callbacks_callback" SKIP LOCKED' in statements[1]


class TestOrder:
    def test_the_higher_priority_queue_goes_first(self):
        low, high = QueueFactory(priority=1), QueueFactory(priority=9)
        older_in_low = waiting(low, minutes_ago=60)
        newer_in_high = waiting(high, minutes_ago=1)

        assert [claim(agent_serving(low, high)) for _ in range(2)] == [newer_in_high, older_in_low]

    def test_within_a_queue_the_oldest_request_goes_first(self):
        queue = QueueFactory()
        second = waiting(queue, minutes_ago=5)
        first = waiting(queue, minutes_ago=9)
        third = waiting(queue, minutes_ago=1)

        assert claimed_in_order(queue, 3) == [first, second, third]

    def test_queues_of_one_priority_share_a_single_line(self):
        a, b = QueueFactory(priority=5), QueueFactory(priority=5)
        in_a = waiting(a, minutes_ago=3)
        in_b = waiting(b, minutes_ago=7)
        agent = agent_serving(a, b)

        assert claim(agent) == in_b
        services.callback_start(callback=in_b, agent=agent)
        services.callback_record_outcome(callback=in_b, agent=agent, outcome=Outcome.CONNECTED)
        assert claim(agent) == in_a

    def test_a_scheduled_callback_takes_its_place_at_its_desired_time(self):
        queue = QueueFactory()
        asked_at_1150 = waiting(queue, minutes_ago=10)
        for_1145 = CallbackFactory(queue=queue, desired_time=NOW - 15 * MINUTE, now=NOW - dt.timedelta(days=1))
        services.callbacks_release_due(now=NOW)

        assert claimed_in_order(queue, 2) == [for_1145, asked_at_1150]

    def test_a_callback_released_early_takes_its_place_as_of_its_release(self):
        queue = QueueFactory(early_release_cap_minutes=15)
        agent_serving(queue, status="busy")  # on a call, one waiting: a head start of 2 × 5 − 2.5 minutes
        asked_at_1159 = waiting(queue, minutes_ago=1)
        for_1205 = CallbackFactory(queue=queue, desired_time=NOW + 5 * MINUTE, now=NOW - dt.timedelta(days=1))
        services.callbacks_release_due(now=NOW)
        asked_at_1201 = waiting(queue, minutes_ago=-1)

        assert state_of(for_1205) == State.QUEUED
        # Behind who asked before it joined, ahead of who asked after: that wait is its head start.
        assert claimed_in_order(queue, 3, now=NOW + 2 * MINUTE) == [asked_at_1159, for_1205, asked_at_1201]

    def test_nothing_waiting_means_no_callback(self):
        assert claim(agent_serving(QueueFactory())) is None


class TestWhoServesWhat:
    def test_an_agent_never_gets_a_callback_of_a_queue_they_do_not_serve(self):
        waiting(QueueFactory(), minutes_ago=1)

        assert claim(agent_serving(QueueFactory())) is None

    def test_an_agent_needs_every_required_skill(self):
        queue = QueueFactory()
        QueueSkillFactory(queue=queue, skill__name="French", min_level=1)
        QueueSkillFactory(queue=queue, skill__name="Billing", min_level=1)
        callback = waiting(queue, minutes_ago=1)
        agent = agent_serving(queue)
        AgentSkillFactory(agent=agent, skill__name="French", level=9)

        assert claim(agent) is None

        AgentSkillFactory(agent=agent, skill__name="Billing", level=1)
        assert claim(agent) == callback

    @pytest.mark.parametrize(("level", "served"), [(4, False), (5, True), (6, True)])
    def test_a_skill_counts_from_the_queues_minimum_level(self, level, served):
        queue = QueueFactory()
        QueueSkillFactory(queue=queue, skill__name="French", min_level=5)
        callback = waiting(queue, minutes_ago=1)
        agent = agent_serving(queue)
        AgentSkillFactory(agent=agent, skill__name="French", level=level)

        assert claim(agent) == (callback if served else None)


class TestKeepingItsPlace:
    def test_a_retried_callback_keeps_its_original_place(self):
        queue = QueueFactory(retry_delay_minutes=15)
        first = waiting(queue, minutes_ago=30)
        agent = agent_serving(queue)
        assert claim(agent) == first
        services.callback_start(callback=first, agent=agent, now=NOW)
        services.callback_record_outcome(callback=first, agent=agent, outcome=Outcome.NO_ANSWER, now=NOW)
        later = waiting(queue, minutes_ago=-5)  # asked at 12:05, while the first waits to retry

        services.callbacks_release_due(now=NOW + 15 * MINUTE)

        assert claim(agent, now=NOW + 15 * MINUTE) == first
        assert claim(agent_serving(queue), now=NOW + 15 * MINUTE) == later

    def test_a_timed_out_reservation_goes_back_to_its_place(self):
        queue = QueueFactory(reservation_timeout_seconds=60)
        first, second = waiting(queue, minutes_ago=10), waiting(queue, minutes_ago=5)
        assert claim(agent_serving(queue)) == first

        services.callbacks_requeue_timed_out(now=NOW + MINUTE)

        assert claimed_in_order(queue, 2, now=NOW + MINUTE) == [first, second]

    def test_a_rejected_callback_goes_back_to_the_front_for_another_agent(self):
        queue = QueueFactory()
        first, second = waiting(queue, minutes_ago=10), waiting(queue, minutes_ago=5)
        picky, other = agent_serving(queue), agent_serving(queue)
        assert claim(picky) == first

        services.callback_release(callback=first, agent=picky, reject=True, now=NOW)

        assert claim(picky) == second
        assert claim(other) == first

    def test_after_the_queues_maximum_rejections_it_is_flagged_for_supervisors(self):
        queue = QueueFactory(max_rejections=2)
        callback = waiting(queue, minutes_ago=1)

        for expected_flag in (False, True):
            agent = agent_serving(queue)
            assert claim(agent) == callback
            services.callback_release(callback=callback, agent=agent, reject=True, now=NOW)
            callback.refresh_from_db()
            assert callback.flagged is expected_flag

        assert (callback.state, callback.rejections) == (State.QUEUED, 2)
        assert callback.events.last().metadata["flagged"] is True
        assert claim(agent_serving(queue)) == callback  # flagged, still in line


class TestQuietHours:
    def test_a_callback_is_not_offered_before_the_customers_window_opens(self):
        queue = QueueFactory(max_wait_minutes=24 * 60)
        new_yorker = waiting(queue, minutes_ago=20, customer_timezone=NEW_YORK)  # 08:00 there
        londoner = waiting(queue, minutes_ago=10)  # 13:00 there

        assert claim(agent_serving(queue)) == londoner

        new_yorker.refresh_from_db()
        assert (new_yorker.state, new_yorker.hold_until) == (State.QUEUED, NOW + dt.timedelta(hours=1))
        held = new_yorker.events.last()
        assert (held.type, held.reason) == ("held", "outside_calling_window")

    def test_a_held_callback_is_offered_when_the_window_opens_in_its_place(self):
        queue = QueueFactory(max_wait_minutes=24 * 60)
        new_yorker = waiting(queue, minutes_ago=20, customer_timezone=NEW_YORK)
        assert claim(agent_serving(queue)) is None

        assert claim(agent_serving(queue), now=NOW + 59 * MINUTE) is None
        assert claim(agent_serving(queue), now=NOW + 60 * MINUTE) == new_yorker

    def test_one_that_would_outlive_its_time_to_live_expires(self):
        queue = QueueFactory(max_wait_minutes=60)
        new_yorker = waiting(queue, minutes_ago=30, customer_timezone=NEW_YORK)  # expires 12:30, window opens 13:00

        assert claim(agent_serving(queue)) is None

        assert state_of(new_yorker) == State.EXPIRED
        assert new_yorker.events.last().reason == "outside_calling_window"

    def test_the_window_is_the_queues(self):
        queue = QueueFactory(calling_window_start=dt.time(7), calling_window_end=dt.time(0))
        early_bird = waiting(queue, minutes_ago=1, customer_timezone=NEW_YORK)  # 08:00 there

        assert claim(agent_serving(queue)) == early_bird

    def test_a_claim_on_the_dst_morning_holds_until_nine_local(self):
        spring_forward = dt.datetime(2026, 3, 8, 6, 0, tzinfo=dt.UTC)  # 01:00 EST
        queue = QueueFactory(max_wait_minutes=24 * 60)
        callback = CallbackFactory(queue=queue, customer_timezone=NEW_YORK, now=spring_forward)

        assert claim(agent_serving(queue), now=spring_forward) is None

        callback.refresh_from_db()
        assert callback.hold_until.astimezone(zoneinfo.ZoneInfo(NEW_YORK)).time() == dt.time(9)
        assert callback.hold_until == dt.datetime(2026, 3, 8, 13, 0, tzinfo=dt.UTC)


class TestWhatItPicks:
    def test_same_place_in_line_goes_by_id(self):
        queue = QueueFactory()
        one, two = irish(queue, 60), irish(queue, 60)

        assert claimed_in_order(queue, 2) == [one, two]

    def test_not_while_held(self):
        queue = QueueFactory()
        callback = irish(queue, 600)
        Callback.objects.filter(pk=callback.pk).update(hold_until=NOW + MINUTE)

        assert claim(agent_serving(queue)) is None
        assert claim(agent_serving(queue), now=NOW + MINUTE) == callback

    def test_the_window_to_midnight(self):
        queue = QueueFactory(calling_window_start=dt.time(7), calling_window_end=dt.time(0))
        # A Moscow mobile number has no zone of its own (Russia spans eleven): New York's clock alone.
        callback = waiting(queue, 1, customer_timezone=NEW_YORK, phone_number="+79161234567")

        assert claim(agent_serving(queue), now=dt.datetime(2026, 6, 2, 3, 30, tzinfo=dt.UTC)) == callback

    def test_the_queues_zone_when_the_callback_has_none(self):
        queue = QueueFactory(time_zone=NEW_YORK, max_wait_minutes=24 * 60)
        callback = irish(queue, 60)
        Callback.objects.filter(pk=callback.pk).update(dial_timezone="")

        assert claim(agent_serving(queue)) is None  # 08:00 in New York
        assert claim(agent_serving(queue), now=NOW + 60 * MINUTE) == callback

    def test_a_number_with_a_calling_policy(self):
        queue = QueueFactory()
        new_yorker = waiting(queue, 10, customer_timezone=NEW_YORK, phone_number="+12125550123")  # the US policy

        assert claim(agent_serving(queue), now=NOW + dt.timedelta(hours=4)) == new_yorker  # 12:00 in New York

    def test_a_travellers_second_zone(self):
        queue = QueueFactory()
        traveller = waiting(queue, 10, customer_timezone=NEW_YORK, phone_number="+31201234567")  # Amsterdam

        assert claim(agent_serving(queue), now=NOW + dt.timedelta(hours=4)) == traveller

    # Abbreviations and POSIX offsets zoneinfo does not know, and names nobody knows: the queue's zone.
    @pytest.mark.parametrize("zone", ["PST", "UTC+3", "Foo/Bar", "Etc/Unknown"])
    def test_a_dial_zone_zoneinfo_does_not_know(self, zone):
        queue = QueueFactory()
        callback = irish(queue, 60)
        Callback.objects.filter(pk=callback.pk).update(dial_timezone=zone)

        assert claim(agent_serving(queue)) == callback


@pytest.mark.django_db(transaction=True)
def test_a_hold_whose_event_fails_leaves_the_callback_as_it_was():
    queue = QueueFactory()
    callback = irish(queue, 60)
    before = Callback.objects.get(pk=callback.pk)

    with pytest.raises(DataError):  # a reason longer than the event's column
        lifecycle.hold(callback, until=NOW + MINUTE, reason="x" * 65, now=NOW)

    after = Callback.objects.get(pk=callback.pk)
    assert (after.hold_until, after.updated_at) == (None, before.updated_at)
    assert [event.type for event in after.events.all()] == ["created"]
