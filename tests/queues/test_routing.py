"""Routing: who gets which callback, in what order, and when a customer may be rung."""

import datetime as dt
import zoneinfo

import pytest

from callbacks import lifecycle, services
from callbacks.models import Callback, Outcome, State
from queues import calling, routing
from tests.factories import (AgentFactory, AgentSkillFactory, CallbackFactory, OfficeHoursFactory, QueueFactory,
                             QueueSkillFactory)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)  # a Monday; 13:00 in London
MINUTE = dt.timedelta(minutes=1)
NEW_YORK = "America/New_York"


def agent_serving(*queues, **kwargs):
    agent = AgentFactory(**kwargs)
    agent.queues.add(*queues)
    return agent


def claim(agent, now=NOW):
    return services.callback_claim_next(agent=agent, now=now)


def claimed_in_order(queue, count, now=NOW):
    """What ``count`` agents claiming one after another get: a fresh agent each, as each holds one at a time."""
    return [claim(agent_serving(queue), now=now) for _ in range(count)]


def waiting(queue, minutes_ago, **kwargs):
    return CallbackFactory(queue=queue, now=NOW - minutes_ago * MINUTE, **kwargs)


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


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

        assert routing.queues_served_by(agent) == ([queue] if served else [])
        assert claim(agent) == (callback if served else None)

    def test_the_served_queues_skip_those_lacking_skills_but_keep_the_others(self):
        plain, french = QueueFactory(), QueueFactory()
        QueueSkillFactory(queue=french, skill__name="French", min_level=3)
        agent = agent_serving(plain, french)

        assert routing.queues_served_by(agent) == [plain]


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

    @pytest.mark.parametrize(("now", "opens"), [
        # Spring forward: 09:00 EDT is 13:00 UTC, though at 01:00 the offset is still EST's -5.
        (dt.datetime(2026, 3, 8, 6, 0), dt.datetime(2026, 3, 8, 13, 0)),
        # Fall back: 09:00 EST is 14:00 UTC, though the day began on EDT.
        (dt.datetime(2026, 11, 1, 5, 30), dt.datetime(2026, 11, 1, 14, 0)),
        # After the window closes (21:30 EDT), the next morning's.
        (dt.datetime(2026, 6, 2, 1, 30), dt.datetime(2026, 6, 2, 13, 0)),
        # Inside the window: no wait.
        (dt.datetime(2026, 6, 1, 13, 0), None),
        # The window closes at 21:00 sharp.
        (dt.datetime(2026, 6, 2, 1, 0), dt.datetime(2026, 6, 2, 13, 0)),
    ])
    def test_the_window_follows_the_customers_clock_across_dst(self, now, opens):
        callback = CallbackFactory(queue=QueueFactory(), customer_timezone=NEW_YORK, phone_number="+12125550123",
                                   now=NOW)
        utc = dt.timezone.utc

        assert calling.quiet_until(calling.reach_of(callback), now.replace(tzinfo=utc)) == (
            opens and opens.replace(tzinfo=utc))

    def test_a_claim_on_the_dst_morning_holds_until_nine_local(self):
        spring_forward = dt.datetime(2026, 3, 8, 6, 0, tzinfo=dt.timezone.utc)  # 01:00 EST
        queue = QueueFactory(max_wait_minutes=24 * 60)
        callback = CallbackFactory(queue=queue, customer_timezone=NEW_YORK, now=spring_forward)

        assert claim(agent_serving(queue), now=spring_forward) is None

        callback.refresh_from_db()
        assert callback.hold_until.astimezone(zoneinfo.ZoneInfo(NEW_YORK)).time() == dt.time(9)
        assert callback.hold_until == dt.datetime(2026, 3, 8, 13, 0, tzinfo=dt.timezone.utc)


class TestDialTimezone:
    def queue(self):
        return QueueFactory(time_zone="Europe/Paris")

    def test_the_customers_own_zone_comes_first(self):
        callback = CallbackFactory(queue=self.queue(), customer_timezone=NEW_YORK, phone_number="+442079460958")

        assert callback.dial_timezone == NEW_YORK

    def test_else_the_zone_of_their_number(self):
        callback = CallbackFactory(queue=self.queue(), phone_number="+12125551234")

        assert callback.dial_timezone == NEW_YORK

    @pytest.mark.parametrize("number", ["+18005551234", "+79161234567"])
    def test_else_the_queues_when_the_number_spans_several_zones(self, number):
        callback = CallbackFactory(queue=self.queue(), phone_number=number)

        assert callback.dial_timezone == "Europe/Paris"

    def test_it_is_resolved_for_callbacks_made_through_the_service(self):
        callback, _ = services.callback_create(queue=self.queue(), phone_number="+55 11 98765 4321")

        assert Callback.objects.get(pk=callback.pk).dial_timezone == "America/Sao_Paulo"


class TestEarlyRelease:
    """A scheduled callback joins its queue ahead of its time by the current EWT, capped per queue."""

    def scheduled(self, queue, minutes_ahead):
        return CallbackFactory(queue=queue, desired_time=NOW + minutes_ahead * MINUTE, now=NOW - dt.timedelta(days=1))

    @pytest.fixture
    def queue(self, settings):
        settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 300
        queue = QueueFactory(early_release_cap_minutes=15)
        # Nobody waiting, one agent half-way through a call on average: 1 × 300 s − 150 s.
        agent_serving(queue, status="busy")
        return queue

    def test_it_is_released_by_the_estimated_wait_before_its_time(self, queue):
        inside, outside = self.scheduled(queue, minutes_ahead=2), self.scheduled(queue, minutes_ahead=3)

        assert services.callbacks_release_due(now=NOW) == 1

        assert (state_of(inside), state_of(outside)) == (State.QUEUED, State.SCHEDULED)
        released = inside.events.last()
        assert (released.reason, released.metadata["seconds_early"]) == ("early", 120)
        assert inside.place_at == NOW  # in line as a customer asking now, whose wait the lead is

    def test_the_lead_grows_with_the_wait(self, queue):
        for minutes_ago in range(3):
            waiting(queue, minutes_ago=minutes_ago)  # 3 waiting, 1 busy agent: 4 × 5 − 2.5 = 17.5 minutes
        callback = self.scheduled(queue, minutes_ahead=14)

        services.callbacks_release_due(now=NOW)

        assert state_of(callback) == State.QUEUED

    def test_the_lead_is_capped_by_the_queue(self, queue):
        for minutes_ago in range(3):
            waiting(queue, minutes_ago=minutes_ago)
        beyond_cap = self.scheduled(queue, minutes_ahead=16)

        services.callbacks_release_due(now=NOW)

        assert state_of(beyond_cap) == State.SCHEDULED
        assert routing.early_release_lead(queue, 20 * 60) == dt.timedelta(minutes=15)

    def test_a_cap_of_zero_releases_it_exactly_on_time(self, queue):
        queue.early_release_cap_minutes = 0
        queue.save()
        callback = self.scheduled(queue, minutes_ahead=1)

        assert services.callbacks_release_due(now=NOW) == 0
        assert services.callbacks_release_due(now=NOW + MINUTE) == 1
        assert callback.events.last().reason == "due"

    def test_it_waits_for_the_office_to_open(self, queue):
        OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(12, 5), closes=dt.time(17))
        callback = self.scheduled(queue, minutes_ahead=5)

        services.callbacks_release_due(now=NOW)

        assert state_of(callback) == State.SCHEDULED  # released now, it would expire as left behind

    def test_with_an_agent_free_there_is_no_head_start(self):
        queue = QueueFactory(early_release_cap_minutes=15)
        agent_serving(queue, status="available")
        callback = self.scheduled(queue, minutes_ahead=1)

        services.callbacks_release_due(now=NOW)

        assert state_of(callback) == State.SCHEDULED  # the free agent takes it the moment it is due

    def test_with_nobody_logged_in_there_is_no_head_start(self):
        queue = QueueFactory(early_release_cap_minutes=15)
        agent_serving(queue, status="offline")
        callback = self.scheduled(queue, minutes_ahead=1)

        services.callbacks_release_due(now=NOW)

        assert state_of(callback) == State.SCHEDULED

    def test_a_retry_is_released_at_its_due_time_not_before(self, queue):
        callback = waiting(queue, minutes_ago=30)
        agent = AgentFactory()
        lifecycle.assign(callback, agent=agent, now=NOW)
        lifecycle.start(callback, now=NOW)
        lifecycle.retry(callback, outcome=Outcome.BUSY, due_at=NOW + 2 * MINUTE, now=NOW)

        services.callbacks_release_due(now=NOW)

        assert state_of(callback) == State.RETRY_WAIT
