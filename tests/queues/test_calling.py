"""When a customer may be called: the queue's window in each of their zones and their number's policies."""

import datetime as dt
import zoneinfo

import pytest

from queues import calling
from queues.models import CallingPolicy
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LONDON_NUMBER = "+442079460958"
FLORIDA_NUMBER = "+13055550123"  # Miami
PENNSYLVANIA_NUMBER = "+12155550123"  # Philadelphia
PARIS_NUMBER = "+33142685300"


def reach_for(queue, *, timezone="", number=None):
    return calling.reach(queue, **calling.booking_fields(queue, customer_timezone=timezone, phone_number=number))


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


class TestTheQueuesWindowInTheCustomersZone:
    @pytest.mark.parametrize(
        ("zone", "at", "opens"),
        [
            # 22:00 in London on a Tuesday: the next morning at 09:00.
            ("Europe/London", utc(2026, 12, 1, 22, 0), utc(2026, 12, 2, 9, 0)),
            # 22:00 in New York (03:00 UTC): 09:00 there, 14:00 UTC.
            ("America/New_York", utc(2026, 12, 2, 3, 0), utc(2026, 12, 2, 14, 0)),
            # 06:00 in Sydney (summer, UTC+11): 09:00 there, 22:00 UTC the day before.
            ("Australia/Sydney", utc(2026, 12, 1, 19, 0), utc(2026, 12, 1, 22, 0)),
        ],
    )
    def test_after_hours_the_next_opening_is_nine_their_time(self, zone, at, opens):
        reach = reach_for(QueueFactory(), timezone=zone)

        assert calling.quiet_until(reach, at) == opens

    def test_inside_the_window_there_is_no_wait(self):
        reach = reach_for(QueueFactory(), timezone="Europe/London")

        assert calling.quiet_until(reach, utc(2026, 12, 1, 12, 0)) is None

    def test_nobody_known_is_called_in_the_queues_zone(self):
        reach = reach_for(QueueFactory(time_zone="Asia/Tokyo"))

        assert calling.callable_periods(reach, utc(2026, 12, 1), utc(2026, 12, 2)) == [
            (utc(2026, 12, 1, 0, 0), utc(2026, 12, 1, 12, 0))
        ]  # 09:00–21:00 in Tokyo


class TestATraveller:
    def test_only_the_hours_callable_in_both_zones_are_offered(self):
        # A London number whose owner's browser is in Tokyo, nine hours ahead in December.
        reach = reach_for(QueueFactory(), timezone="Asia/Tokyo", number=LONDON_NUMBER)

        assert calling.callable_periods(reach, utc(2026, 12, 1), utc(2026, 12, 2)) == [
            (utc(2026, 12, 1, 9, 0), utc(2026, 12, 1, 12, 0))
        ]  # 09:00–12:00 London, 18:00–21:00 Tokyo

    def test_the_number_zone_is_kept_beside_the_browsers(self):
        fields = calling.booking_fields(QueueFactory(), customer_timezone="Asia/Tokyo", phone_number=LONDON_NUMBER)

        assert (fields["dial_timezone"], fields["number_timezone"]) == ("Asia/Tokyo", "Europe/London")

    def test_a_customer_at_home_has_one_zone(self):
        fields = calling.booking_fields(QueueFactory(), customer_timezone="Europe/London", phone_number=LONDON_NUMBER)

        assert fields["number_timezone"] == ""


class TestCallingPolicies:
    def test_a_florida_number_is_not_called_after_eight_in_the_evening(self):
        queue = QueueFactory(calling_window_start=dt.time(7), calling_window_end=dt.time(22))
        reach = reach_for(queue, number=FLORIDA_NUMBER)

        # 20:30 in Miami (EST): the queue would, Florida's law would not.
        assert calling.quiet_until(reach, utc(2026, 12, 2, 1, 30)) == utc(2026, 12, 2, 13, 0)  # 08:00 EST

    def test_a_florida_number_is_not_called_before_eight_in_the_morning(self):
        queue = QueueFactory(calling_window_start=dt.time(7), calling_window_end=dt.time(22))
        reach = reach_for(queue, number=FLORIDA_NUMBER)

        assert not calling.is_callable(reach, utc(2026, 12, 2, 12, 30))  # 07:30 EST
        assert calling.is_callable(reach, utc(2026, 12, 2, 13, 0))  # 08:00 EST

    def test_both_the_countrys_and_the_states_policies_apply(self):
        reach = reach_for(QueueFactory(), number=FLORIDA_NUMBER)

        assert {str(policy) for policy in reach.policies} == {"US", "US-FL"}

    def test_a_public_holiday_is_skipped(self):
        queue = QueueFactory(calling_window_start=dt.time(8), calling_window_end=dt.time(21))
        reach = reach_for(queue, number=PENNSYLVANIA_NUMBER)

        # Christmas Day 2026 is a Friday; Pennsylvania allows no calls on legal holidays.
        christmas_morning = utc(2026, 12, 25, 15, 0)  # 10:00 EST
        assert calling.quiet_until(reach, christmas_morning) == utc(2026, 12, 26, 13, 0)  # Saturday 08:00 EST

    def test_an_inactive_policy_does_not_apply(self):
        CallingPolicy.objects.filter(country="US").update(active=False)

        assert reach_for(QueueFactory(), number=FLORIDA_NUMBER).policies == ()

    @pytest.mark.parametrize(
        ("day", "opens"),
        [
            (utc(2026, 3, 7, 10, 0), utc(2026, 3, 7, 13, 0)),  # Saturday before: 08:00 EST
            (utc(2026, 3, 8, 10, 0), utc(2026, 3, 8, 12, 0)),  # spring forward: 08:00 EDT
            (utc(2026, 11, 1, 10, 0), utc(2026, 11, 1, 13, 0)),  # fall back: 08:00 EST again
        ],
    )
    def test_across_a_us_dst_change_the_law_follows_the_local_clock(self, day, opens):
        queue = QueueFactory(calling_window_start=dt.time(0), calling_window_end=dt.time(0))
        reach = reach_for(queue, number=FLORIDA_NUMBER)

        assert calling.next_callable(reach, day) == opens

    @pytest.mark.parametrize(
        ("day", "opens"),
        [
            (utc(2026, 3, 27, 6, 0), utc(2026, 3, 27, 9, 0)),  # Friday before: 10:00 CET
            (utc(2026, 3, 30, 6, 0), utc(2026, 3, 30, 8, 0)),  # Monday after spring forward: 10:00 CEST
        ],
    )
    def test_across_a_european_dst_change_the_law_follows_the_local_clock(self, day, opens):
        queue = QueueFactory(calling_window_start=dt.time(0), calling_window_end=dt.time(0))
        reach = reach_for(queue, number=PARIS_NUMBER)

        assert calling.next_callable(reach, day) == opens

    def test_a_french_number_waits_through_the_lunch_break(self):
        queue = QueueFactory(calling_window_start=dt.time(0), calling_window_end=dt.time(0))
        reach = reach_for(queue, number=PARIS_NUMBER)

        assert calling.quiet_until(reach, utc(2026, 12, 1, 12, 30)) == utc(2026, 12, 1, 13, 0)  # 13:30 → 14:00 CET


class TestWhichRuleSetTheWindow:
    def test_the_queue_opens_it_and_florida_closes_it(self):
        reach = reach_for(QueueFactory(), number=FLORIDA_NUMBER)

        explanation = calling.explain(reach, now=utc(2026, 12, 1, 15, 0))

        assert str(explanation) == (
            "Today 09:00–20:00 customer's time (America/New_York); opens per the queue's calling window "
            "09:00–21:00 (America/New_York), closes per the US-FL calling policy (America/New_York)."
        )

    def test_a_window_open_all_day_ends_at_24(self):
        queue = QueueFactory(calling_window_start=dt.time(0), calling_window_end=dt.time(0))

        explanation = calling.explain(reach_for(queue, timezone="Europe/London"), now=utc(2026, 12, 1, 15, 0))

        assert str(explanation) == (
            "Today 00:00–24:00 customer's time (Europe/London), set by the queue's "
            "calling window 00:00–24:00 (Europe/London)."
        )

    def test_a_holiday_says_so(self):
        reach = reach_for(QueueFactory(), number=PENNSYLVANIA_NUMBER)

        explanation = calling.explain(reach, now=utc(2026, 12, 25, 15, 0))

        assert "No calls today" in str(explanation) and "US-PA calling policy" in str(explanation)
        assert "public holiday" in str(explanation)


def test_words_say_the_customers_time():
    reach = reach_for(QueueFactory(), timezone="Australia/Sydney")
    now = utc(2026, 12, 1, 19, 0)  # 06:00 Wednesday in Sydney

    assert calling.opens_words(reach, calling.quiet_until(reach, now), now=now) == (
        "We can call you from 09:00 your time."
    )
    assert reach.zone == zoneinfo.ZoneInfo("Australia/Sydney")
