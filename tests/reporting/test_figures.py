"""The figures engine (``reporting.figures``): each figure against callbacks moved through the real services."""

import datetime as dt

import pytest

from callbacks.models import Channel, Outcome
from reporting.figures import Figures, figures_between, wait_bucket
from tests.factories import WidgetFactory, working_agent

from .factories import Desk, report_queue

pytestmark = pytest.mark.django_db

# A Wednesday in London (UTC+0 in winter): the queue's day is 00:00–24:00 UTC.
DAY = dt.date(2026, 11, 4)
MIDNIGHT = dt.datetime(2026, 11, 4, 0, 0, tzinfo=dt.UTC)
NINE = MIDNIGHT + dt.timedelta(hours=9)
NEXT_MIDNIGHT = MIDNIGHT + dt.timedelta(days=1)
S = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def desk():
    return Desk(report_queue(slug="sales", time_zone="Europe/London", service_level_seconds=300))


def the_day(desk) -> Figures:
    return figures_between(desk.queue, MIDNIGHT, NEXT_MIDNIGHT)


class TestOffered:
    def test_counted_by_channel(self, desk):
        desk.book(NINE, channel=Channel.API)
        desk.book(NINE + MIN, channel=Channel.STAFF)
        desk.book(NINE + 2 * MIN, channel=Channel.STAFF)

        figures = the_day(desk)

        assert (figures.value("offered"), figures.value("offered_api"), figures.value("offered_staff")) == (3, 1, 2)

    def test_immediate_and_scheduled(self, desk):
        desk.book(NINE)
        desk.book(NINE, desired=NINE + dt.timedelta(hours=3))

        figures = the_day(desk)

        assert (figures.value("offered_immediate"), figures.value("offered_scheduled")) == (1, 1)

    def test_a_callback_rescheduled_later_keeps_how_it_was_offered(self, desk):
        callback = desk.book(NINE)
        desk.reschedule(callback, NINE + MIN, NEXT_MIDNIGHT + dt.timedelta(hours=10))

        assert the_day(desk).value("offered_immediate") == 1

    def test_refusals_by_code(self, desk):
        desk.refused(NINE)
        desk.refused(NINE + MIN)

        figures = the_day(desk)

        assert (figures.value("refused"), figures.value("refused_number_blocked"), figures.value("offered")) == (
            2,
            2,
            0,
        )


class TestOutcomes:
    @pytest.fixture
    def three_ends(self, desk):
        """One connected at once, one connected on its second dial, one wrong number."""
        desk.queue.max_attempts, desk.queue.retry_delay_minutes = 2, 10
        desk.queue.save()
        once, twice, wrong = desk.book(NINE), desk.book(NINE + S), desk.book(NINE + 2 * S)
        desk.call(once, NINE + MIN, NINE + 3 * MIN)
        desk.call(twice, NINE + 4 * MIN, NINE + 5 * MIN, Outcome.NO_ANSWER)
        desk.call(wrong, NINE + 6 * MIN, NINE + 7 * MIN, Outcome.WRONG_NUMBER)
        desk.release_due(NINE + 15 * MIN)
        desk.call(twice, NINE + 16 * MIN, NINE + 20 * MIN)
        return the_day(desk)

    def test_completed_and_failed_by_outcome(self, three_ends):
        assert [three_ends.value(k) for k in ("completed", "failed", "failed_wrong_number")] == [2, 1, 1]

    def test_attempts_per_completed(self, three_ends):
        assert three_ends.value("attempts_per_completed") == 1.5

    def test_first_attempt_success_among_callbacks_ended_after_a_dial(self, desk):
        desk.queue.max_attempts = 1
        desk.queue.save()
        first, missed, never_dialled = desk.book(NINE), desk.book(NINE + S), desk.book(NINE + 2 * S)
        desk.call(first, NINE + MIN, NINE + 2 * MIN)
        desk.call(missed, NINE + 3 * MIN, NINE + 4 * MIN, Outcome.BUSY)  # no attempts left: failed
        desk.cancel(never_dialled, NINE + 5 * MIN)

        assert the_day(desk).value("first_attempt_success_share") == 0.5

    def test_cancels_by_customer_and_by_staff(self, desk):
        mine, theirs, declined = desk.book(NINE), desk.book(NINE + S), desk.book(NINE + 2 * S)
        desk.cancel(mine, NINE + MIN)
        desk.cancel(theirs, NINE + 2 * MIN, by_staff=True)
        desk.call(declined, NINE + 3 * MIN, NINE + 4 * MIN, Outcome.CUSTOMER_DECLINED)

        figures = the_day(desk)

        assert (figures.value("canceled_by_customer"), figures.value("canceled_by_staff")) == (2, 1)

    def test_expired_by_reason(self, desk):
        desk.queue.max_wait_minutes = 30
        desk.queue.save()
        desk.book(NINE)
        desk.expire_overdue(NINE + 31 * MIN)

        figures = the_day(desk)

        assert (figures.value("expired"), figures.value("expired_max_wait_exceeded")) == (1, 1)


class TestWait:
    def test_true_wait_from_request_to_connection_scheduled_included(self, desk):
        asap = desk.book(NINE)
        desk.call(asap, NINE + 2 * MIN, NINE + 10 * MIN)  # waited 120 s
        later = desk.book(NINE, desired=NINE + dt.timedelta(hours=2))
        desk.release_due(NINE + dt.timedelta(hours=2))
        desk.call(later, NINE + dt.timedelta(hours=2, minutes=1), NINE + dt.timedelta(hours=2, minutes=5))

        figures = the_day(desk)

        # The scheduled one waited 2 h 1 min from its request, not the minute after its time.
        assert figures.value("wait_avg_seconds") == (120 + 7260) / 2
        assert figures.value("wait_p90_seconds") == wait_bucket(7260) == 8100

    def test_p90_is_the_upper_edge_of_its_bucket(self, desk):
        for n in range(10):
            callback = desk.book(NINE + n * 10 * MIN)
            desk.call(callback, NINE + n * 10 * MIN + (n + 1) * 7 * S, NINE + n * 10 * MIN + 5 * MIN)

        # Waits of 7, 14, … 70 s; the 9th of 10 is 63 s, in the bucket (60, 65].
        assert the_day(desk).value("wait_p90_seconds") == 65

    def test_service_level_among_immediate_callbacks_that_ended(self, desk):
        quick, slow, gave_up = desk.book(NINE), desk.book(NINE + S), desk.book(NINE + 2 * S)
        desk.call(quick, NINE + 4 * MIN, NINE + 6 * MIN)  # 4 min: within 300 s
        desk.call(slow, NINE + 7 * MIN, NINE + 9 * MIN)  # 7 min
        desk.cancel(gave_up, NINE + 10 * MIN)
        scheduled = desk.book(NINE, desired=NINE + dt.timedelta(hours=1))
        desk.release_due(NINE + dt.timedelta(hours=1))
        desk.call(scheduled, NINE + dt.timedelta(hours=1), NINE + dt.timedelta(hours=1, minutes=1))

        assert the_day(desk).value("service_level_share") == pytest.approx(1 / 3)

    def test_a_callback_moved_to_a_time_is_no_longer_immediate(self, desk):
        moved = desk.book(NINE)
        desk.reschedule(moved, NINE + MIN, NINE + dt.timedelta(hours=1))
        desk.release_due(NINE + dt.timedelta(hours=1))
        desk.call(moved, NINE + dt.timedelta(hours=1, minutes=1), NINE + dt.timedelta(hours=1, minutes=2))

        figures = the_day(desk)

        assert (figures.value("service_level_share"), figures.value("promises_kept_2m_share")) == (None, 1.0)

    def test_average_handle_time_of_connected_dials(self, desk):
        first, second, missed = desk.book(NINE), desk.book(NINE + S), desk.book(NINE + 2 * S)
        desk.call(first, NINE + MIN, NINE + 3 * MIN)
        desk.call(second, NINE + 4 * MIN, NINE + 8 * MIN)
        desk.call(missed, NINE + 9 * MIN, NINE + 19 * MIN, Outcome.NO_ANSWER)

        assert the_day(desk).value("aht_seconds") == 180


class TestPromises:
    @pytest.fixture
    def four_promises(self, desk):
        """Scheduled callbacks first dialled 1, 4, 10 and 20 minutes after their promised times."""
        for late_by in (1, 4, 10, 20):
            promised = NINE + late_by * 30 * MIN
            callback = desk.book(NINE - dt.timedelta(hours=1), desired=promised)
            desk.release_due(promised)
            desk.call(callback, promised + late_by * MIN, promised + late_by * MIN + MIN)
        return the_day(desk)

    def test_kept_within_2_5_and_15_minutes(self, four_promises):
        assert [four_promises.value(f"promises_kept_{m}m_share") for m in (2, 5, 15)] == [0.25, 0.5, 0.75]

    def test_kept_within_the_queues_tolerance(self, four_promises):
        assert four_promises.value("promises_within_tolerance_share") == 0.5  # ±5 min

    def test_how_late_the_late_ones_were(self, four_promises):
        # Beyond the tolerance: 10 and 20 min late.
        assert (four_promises.value("late_avg_seconds"), four_promises.value("late_max_seconds")) == (900, 1200)

    def test_the_time_the_promise_was_moved_to(self, desk):
        callback = desk.book(NINE - dt.timedelta(hours=1), desired=NINE)
        desk.reschedule(callback, NINE - 30 * MIN, NINE + dt.timedelta(hours=1))
        desk.release_due(NINE + dt.timedelta(hours=1))
        desk.call(callback, NINE + dt.timedelta(hours=1, minutes=1), NINE + dt.timedelta(hours=1, minutes=2))

        assert the_day(desk).value("promises_kept_2m_share") == 1.0

    def test_no_promise_for_an_immediate_callback(self, desk):
        desk.call(desk.book(NINE), NINE + 30 * MIN, NINE + 31 * MIN)

        assert the_day(desk).value("promises_kept_5m_share") is None


class TestAttribution:
    def test_a_callback_across_midnight_is_offered_one_day_and_completed_the_next(self, desk):
        callback = desk.book(NEXT_MIDNIGHT - 10 * MIN)
        desk.call(callback, NEXT_MIDNIGHT + 5 * MIN, NEXT_MIDNIGHT + 9 * MIN)

        first = the_day(desk)
        second = figures_between(desk.queue, NEXT_MIDNIGHT, NEXT_MIDNIGHT + dt.timedelta(days=1))

        assert (first.value("offered"), first.value("completed")) == (1, 0)
        assert (second.value("offered"), second.value("completed"), second.value("wait_avg_seconds")) == (0, 1, 900)

    def test_figures_of_two_halves_merge_into_the_whole(self, desk):
        for n in range(4):
            callback = desk.book(NINE + n * dt.timedelta(hours=4))
            desk.call(
                callback, NINE + n * dt.timedelta(hours=4) + (n + 1) * MIN, NINE + n * dt.timedelta(hours=4) + 9 * MIN
            )
        noon = MIDNIGHT + dt.timedelta(hours=15)

        halves = figures_between(desk.queue, MIDNIGHT, noon).merge(figures_between(desk.queue, noon, NEXT_MIDNIGHT))

        assert halves.to_json() == the_day(desk).to_json()

    def test_json_round_trip(self, desk):
        callback = desk.book(NINE, desired=NINE + MIN)
        desk.release_due(NINE + MIN)
        desk.call(callback, NINE + 30 * MIN, NINE + 31 * MIN)
        figures = the_day(desk)

        assert Figures.from_json(figures.to_json()) == figures


class TestPerAgent:
    def test_dials_connected_and_handle_time_of_each_agent(self, desk):
        bea = working_agent(desk.queue, username="bea", first_name="Bea")
        one, two, three = desk.book(NINE), desk.book(NINE + S), desk.book(NINE + 2 * S)
        desk.call(one, NINE + MIN, NINE + 3 * MIN)
        desk.call(two, NINE + 4 * MIN, NINE + 5 * MIN, Outcome.NO_ANSWER, agent=bea)
        desk.call(three, NINE + 6 * MIN, NINE + 10 * MIN, agent=bea)

        agents = the_day(desk).agents

        mine, hers = agents[desk.agent.pk], agents[bea.pk]
        assert [mine.value(k) for k in ("handled", "completed", "aht_seconds")] == [1, 1, 120]
        assert [hers.value(k) for k in ("handled", "completed", "aht_seconds")] == [2, 1, 240]


class TestFunnel:
    def test_page_views_by_furthest_step(self, desk):
        widget = WidgetFactory(queue=desk.queue)
        desk.widget_view(widget, "a", NINE, "opened")
        desk.widget_view(widget, "b", NINE, "opened", "submitted")
        desk.widget_view(widget, "c", NINE, "opened", "submitted", "scheduled")
        desk.widget_view(widget, "d", NINE, "opened", "submitted", "scheduled")

        counts = the_day(desk).counts

        assert (counts["funnel_opened"], counts["funnel_submitted"], counts["funnel_booked"]) == (1, 1, 2)

    def test_a_page_view_counts_on_the_day_it_began(self, desk):
        widget = WidgetFactory(queue=desk.queue)
        desk.widget_view(widget, "late-night", NEXT_MIDNIGHT - 2 * S, "opened", "submitted", "scheduled")

        next_day = figures_between(desk.queue, NEXT_MIDNIGHT, NEXT_MIDNIGHT + dt.timedelta(days=1))

        assert (the_day(desk).counts["funnel_booked"], next_day.counts["funnel_booked"]) == (1, 0)


@pytest.mark.parametrize(
    ("seconds", "edge"), [(0, 5), (5, 5), (5.2, 10), (120, 120), (121, 135), (600, 600), (601, 660), (7201, 8100)]
)
def test_wait_buckets(seconds, edge):
    assert wait_bucket(seconds) == edge
