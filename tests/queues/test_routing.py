"""Routing: which queues an agent serves, when a customer may be rung, when a scheduled callback joins.

Which callback a claim takes: tests/callbacks/test_claim.py.
"""

import datetime as dt

import pytest

from callbacks import lifecycle, services
from callbacks.models import Callback, Outcome, State
from queues import calling, routing
from tests.factories import AgentFactory, CallbackFactory, OfficeHoursFactory, QueueFactory, QueueSkillFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # a Monday; 13:00 in London
MINUTE = dt.timedelta(minutes=1)
NEW_YORK = "America/New_York"


def agent_serving(*queues, **kwargs):
    agent = AgentFactory(**kwargs)
    agent.queues.add(*queues)
    return agent


def waiting(queue, minutes_ago, **kwargs):
    return CallbackFactory(queue=queue, now=NOW - minutes_ago * MINUTE, **kwargs)


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


class TestWhoServesWhat:
    def test_the_served_queues_skip_those_lacking_skills_but_keep_the_others(self):
        plain, french = QueueFactory(), QueueFactory()
        QueueSkillFactory(queue=french, skill__name="French", min_level=3)
        agent = agent_serving(plain, french)

        assert routing.queues_served_by(agent) == [plain]


class TestCallingWindow:
    @pytest.mark.parametrize(
        ("now", "opens"),
        [
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
        ],
    )
    def test_the_window_follows_the_customers_clock_across_dst(self, now, opens):
        callback = CallbackFactory(
            queue=QueueFactory(), customer_timezone=NEW_YORK, phone_number="+12125550123", now=NOW
        )
        utc = dt.UTC

        assert calling.quiet_until(calling.reach_of(callback), now.replace(tzinfo=utc)) == (
            opens and opens.replace(tzinfo=utc)
        )


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
