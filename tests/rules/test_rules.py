"""Each rule alone: a CallbackRequest in, nothing or a Rejection with its code out."""

import datetime as dt

import pytest

from callbacks.models import State
from queues.models import Agent, ClosedDate
from rules import engine
from rules.engine import Rejection
from rules.models import GlobalRules
from tests.factories import (
    AgentFactory,
    CallbackFactory,
    CapacityOverrideFactory,
    NumberEntryFactory,
    OfficeHoursFactory,
    QueueFactory,
    QueueRulesFactory,
    forced_into,
)

from .conftest import AMERICAN, FRENCH, LANDLINE, MOBILE, NOW, PREMIUM, SHARED_COST

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def refusal(rule, request) -> str | None:
    """The code the rule refuses with, or None when it lets the request through."""
    try:
        rule.check(request)
    except Rejection as rejection:
        assert rejection.message  # always something a customer can read
        return rejection.code
    return None


@pytest.fixture
def queue():
    return QueueFactory(time_zone="UTC")


def rules_of(queue, **fields):
    return QueueRulesFactory(queue=queue, **fields)


def ended(callback, state=State.COMPLETED):
    forced_into(callback, state)


# -- queue open and the cut-off -------------------------------------------------------------------


def test_it_refuses_an_immediate_callback_while_the_queue_is_closed(queue, request_for):
    ClosedDate.objects.create(queue=queue, date=NOW.date())

    assert refusal(engine.QueueOpen(), request_for(queue)) == "queue_closed"


def test_it_refuses_every_callback_of_an_inactive_queue(queue, request_for):
    queue.active = False
    queue.save()

    assert refusal(engine.QueueOpen(), request_for(queue, desired_time=NOW + HOUR)) == "queue_closed"


def test_a_scheduled_callback_is_not_judged_on_the_queue_being_open_now(queue, request_for):
    ClosedDate.objects.create(queue=queue, date=NOW.date())

    assert refusal(engine.QueueOpen(), request_for(queue, desired_time=NOW + 2 * 24 * HOUR)) is None


def test_it_refuses_an_immediate_callback_when_the_queue_closes_within_the_cut_off(queue, request_for):
    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(9), closes=dt.time(17))
    rules_of(queue, immediate_cutoff_minutes=15)

    assert refusal(engine.QueueOpen(), request_for(queue, now=NOW.replace(hour=16, minute=50))) == "queue_closed"


def test_it_takes_an_immediate_callback_before_the_cut_off(queue, request_for):
    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(9), closes=dt.time(17))
    rules_of(queue, immediate_cutoff_minutes=15)

    assert refusal(engine.QueueOpen(), request_for(queue, now=NOW.replace(hour=16, minute=44))) is None


def test_a_queue_open_around_the_clock_never_closes_at_midnight_for_the_cut_off(queue, request_for):
    rules_of(queue, immediate_cutoff_minutes=30)

    assert refusal(engine.QueueOpen(), request_for(queue, now=NOW.replace(hour=23, minute=55))) is None


def test_hours_running_past_midnight_into_the_next_day_do_not_close_at_midnight(queue, request_for):
    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(20), closes=dt.time(0))
    OfficeHoursFactory(queue=queue, weekday=1, opens=dt.time(0), closes=dt.time(2))
    rules_of(queue, immediate_cutoff_minutes=30)

    assert refusal(engine.QueueOpen(), request_for(queue, now=NOW.replace(hour=23, minute=50))) is None
    assert (
        refusal(engine.QueueOpen(), request_for(queue, now=NOW.replace(hour=23, minute=50) + 2 * HOUR))
        == "queue_closed"
    )


# -- countries ------------------------------------------------------------------------------------


def test_it_refuses_a_number_from_a_country_not_on_the_allow_list(queue, request_for):
    rules_of(queue, country_policy="allow", countries="GB, IE")

    assert refusal(engine.CountryAllowed(), request_for(queue, FRENCH)) == "country_not_allowed"


def test_it_takes_a_number_from_a_country_on_the_allow_list(queue, request_for):
    rules_of(queue, country_policy="allow", countries="GB, IE")

    assert refusal(engine.CountryAllowed(), request_for(queue, LANDLINE)) is None


def test_it_refuses_a_number_from_a_country_on_the_deny_list(queue, request_for):
    rules_of(queue, country_policy="deny", countries="US")

    assert refusal(engine.CountryAllowed(), request_for(queue, AMERICAN)) == "country_not_allowed"


def test_the_country_is_read_from_the_number_not_the_country_the_customer_picked(queue, request_for):
    rules_of(queue, country_policy="allow", countries="FR")

    assert refusal(engine.CountryAllowed(), request_for(queue, LANDLINE, region="FR")) == "country_not_allowed"


def test_a_queue_on_the_default_follows_the_global_country_list(queue, request_for):
    GlobalRules.objects.update_or_create(pk=1, defaults={"country_policy": "deny", "countries": "FR"})

    assert refusal(engine.CountryAllowed(), request_for(queue, FRENCH)) == "country_not_allowed"
    assert refusal(engine.CountryAllowed(), request_for(queue, LANDLINE)) is None


def test_a_queue_with_its_own_list_ignores_the_global_one(queue, request_for):
    GlobalRules.objects.update_or_create(pk=1, defaults={"country_policy": "deny", "countries": "FR"})
    rules_of(queue, country_policy="any")

    assert refusal(engine.CountryAllowed(), request_for(queue, FRENCH)) is None


# -- number entries -------------------------------------------------------------------------------


def test_it_refuses_a_number_on_a_denied_prefix(queue, request_for):
    NumberEntryFactory(rules=queue.rules, value="+44207")

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) == "number_blocked"


def test_it_refuses_an_exactly_denied_number(queue, request_for):
    NumberEntryFactory(rules=queue.rules, match="exact", value=LANDLINE)

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) == "number_blocked"


def test_an_exact_entry_does_not_match_a_longer_number(queue, request_for):
    NumberEntryFactory(rules=queue.rules, match="exact", value=LANDLINE[:-1])

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) is None


def test_an_entry_for_every_queue_applies_to_this_one(queue, request_for):
    NumberEntryFactory(rules=None, value="+4420")

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) == "number_blocked"


def test_an_entry_of_another_queue_does_not_apply(queue, request_for):
    NumberEntryFactory(rules=QueueFactory().rules, value="+4420")

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) is None


def test_a_more_specific_allow_entry_lets_a_number_of_a_denied_range_through(queue, request_for):
    NumberEntryFactory(rules=queue.rules, value="+4420")
    NumberEntryFactory(rules=queue.rules, kind="allow", match="exact", value=LANDLINE)

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) is None


def test_a_more_specific_deny_entry_wins_over_an_allowed_range(queue, request_for):
    NumberEntryFactory(rules=queue.rules, kind="allow", value="+44")
    NumberEntryFactory(rules=queue.rules, value="+44207946")

    assert refusal(engine.NumberNotDenied(), request_for(queue, LANDLINE)) == "number_blocked"


# -- number types ---------------------------------------------------------------------------------


def test_it_refuses_a_premium_number(queue, request_for):
    assert refusal(engine.NumberTypeAllowed(), request_for(queue, PREMIUM)) == "number_type_not_allowed"


def test_it_refuses_a_shared_cost_number(queue, request_for):
    assert refusal(engine.NumberTypeAllowed(), request_for(queue, SHARED_COST)) == "number_type_not_allowed"


def test_it_takes_landlines_and_mobiles(queue, request_for):
    assert refusal(engine.NumberTypeAllowed(), request_for(queue, LANDLINE)) is None
    assert refusal(engine.NumberTypeAllowed(), request_for(queue, MOBILE)) is None


def test_it_refuses_a_type_the_administrator_added(queue, request_for):
    rules_of(queue, refused_number_types=["premium_rate", "shared_cost", "mobile"])

    assert refusal(engine.NumberTypeAllowed(), request_for(queue, MOBILE)) == "number_type_not_allowed"


def test_a_queue_may_accept_premium_numbers(queue, request_for):
    rules_of(queue, refused_number_types=[])

    assert refusal(engine.NumberTypeAllowed(), request_for(queue, PREMIUM)) is None


def test_an_allow_entry_lets_one_premium_number_through(queue, request_for):
    NumberEntryFactory(rules=queue.rules, kind="allow", match="exact", value=PREMIUM)

    assert refusal(engine.NumberTypeAllowed(), request_for(queue, PREMIUM)) is None


# -- open callbacks across queues -----------------------------------------------------------------


def test_it_refuses_a_number_with_too_many_open_callbacks_in_all_queues(queue, request_for):
    rules_of(queue, max_open_across_queues=2)
    CallbackFactory(queue=QueueFactory(), phone_number=LANDLINE)
    CallbackFactory(queue=QueueFactory(), phone_number=LANDLINE)

    assert refusal(engine.OpenCallbacksLimit(), request_for(queue, LANDLINE)) == "too_many_open"


def test_finished_callbacks_are_not_open(queue, request_for):
    rules_of(queue, max_open_across_queues=1)
    ended(CallbackFactory(queue=QueueFactory(), phone_number=LANDLINE))

    assert refusal(engine.OpenCallbacksLimit(), request_for(queue, LANDLINE)) is None


def test_a_callback_being_moved_does_not_count_against_its_own_number(queue, request_for):
    rules_of(queue, max_open_across_queues=1)
    moving = CallbackFactory(queue=queue, phone_number=LANDLINE)

    assert refusal(engine.OpenCallbacksLimit(), request_for(queue, LANDLINE, moving=moving)) is None


def test_zero_turns_the_open_callbacks_limit_off(queue, request_for):
    CallbackFactory(queue=QueueFactory(), phone_number=LANDLINE)

    assert refusal(engine.OpenCallbacksLimit(), request_for(queue, LANDLINE)) is None


# -- requests per day -----------------------------------------------------------------------------


def test_it_refuses_a_number_over_its_daily_requests_canceled_ones_included(queue, request_for):
    rules_of(queue, max_requests_per_day=2)
    CallbackFactory(queue=queue, phone_number=LANDLINE, now=NOW - HOUR)
    ended(CallbackFactory(queue=queue, phone_number=LANDLINE, now=NOW - 2 * HOUR), State.CANCELED)

    assert refusal(engine.DailyLimit(), request_for(queue, LANDLINE)) == "daily_limit"


def test_yesterdays_requests_do_not_count_today(queue, request_for):
    rules_of(queue, max_requests_per_day=1)
    CallbackFactory(queue=queue, phone_number=LANDLINE, now=NOW.replace(hour=0) - MINUTE)

    assert refusal(engine.DailyLimit(), request_for(queue, LANDLINE)) is None


def test_moving_a_callback_is_no_new_request(queue, request_for):
    rules_of(queue, max_requests_per_day=1)
    moving = CallbackFactory(queue=queue, phone_number=LANDLINE, now=NOW - HOUR)

    assert refusal(engine.DailyLimit(), request_for(queue, LANDLINE, moving=moving, desired_time=NOW + HOUR)) is None


# -- offer thresholds -----------------------------------------------------------------------------


def test_it_stops_offering_immediate_callbacks_while_too_many_wait(queue, request_for):
    rules_of(queue, offer_max_waiting=1)
    CallbackFactory.create_batch(2, queue=queue)

    assert refusal(engine.OfferThresholds(), request_for(queue)) == "not_offered"


def test_it_offers_immediate_callbacks_at_the_waiting_threshold(queue, request_for):
    rules_of(queue, offer_max_waiting=1)
    CallbackFactory(queue=queue)

    assert refusal(engine.OfferThresholds(), request_for(queue)) is None


def test_it_stops_offering_immediate_callbacks_while_the_wait_is_short(queue, request_for, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 300
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(queue)
    rules_of(queue, offer_min_ewt_minutes=10)

    assert refusal(engine.OfferThresholds(), request_for(queue)) == "not_offered"


def test_it_offers_immediate_callbacks_while_the_wait_is_long(queue, request_for, settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = 300
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(queue)
    CallbackFactory.create_batch(2, queue=queue)
    rules_of(queue, offer_min_ewt_minutes=10)

    # Third in line behind two, one agent: three rounds of 5 minutes.
    assert refusal(engine.OfferThresholds(), request_for(queue)) is None


def test_with_nobody_logged_in_the_wait_is_not_short(queue, request_for):
    rules_of(queue, offer_min_ewt_minutes=10)

    assert refusal(engine.OfferThresholds(), request_for(queue)) is None


def test_thresholds_leave_scheduled_callbacks_alone(queue, request_for):
    rules_of(queue, offer_max_waiting=0)
    CallbackFactory(queue=queue)

    assert refusal(engine.OfferThresholds(), request_for(queue, desired_time=NOW + HOUR)) is None


# -- capacity -------------------------------------------------------------------------------------

AT_TWO = NOW.replace(hour=14)


def test_it_refuses_a_time_in_a_full_slot(queue, request_for):
    rules_of(queue, slot_capacity=2)
    CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW)
    CallbackFactory(queue=queue, desired_time=AT_TWO + 5 * MINUTE, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + 10 * MINUTE)) == "capacity_full"


def test_the_next_slot_has_its_own_capacity(queue, request_for):
    rules_of(queue, slot_capacity=1)
    CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + 15 * MINUTE)) is None


def test_a_canceled_callback_gives_its_place_back(queue, request_for):
    rules_of(queue, slot_capacity=1)
    ended(CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW), State.CANCELED)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO)) is None


def test_a_callback_moved_within_its_slot_does_not_count_itself(queue, request_for):
    rules_of(queue, slot_capacity=1)
    moving = CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + 5 * MINUTE, moving=moving)) is None


def test_a_slot_capacity_of_zero_takes_no_callback(queue, request_for):
    rules_of(queue, slot_capacity=0)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO)) == "capacity_full"


def test_an_override_for_the_weekday_and_hours_changes_the_slot_capacity(queue, request_for):
    rules = rules_of(queue, slot_capacity=5)
    CapacityOverrideFactory(rules=rules, weekday=0, starts=dt.time(14), ends=dt.time(15), slot_capacity=1)
    CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO)) == "capacity_full"
    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + HOUR)) is None


def test_an_override_for_another_weekday_does_not_apply(queue, request_for):
    rules = rules_of(queue, slot_capacity=5)
    CapacityOverrideFactory(rules=rules, weekday=1, starts=dt.time(14), ends=dt.time(15), slot_capacity=0)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO)) is None


def test_a_weekday_override_wins_over_an_every_day_one(queue, request_for):
    rules = rules_of(queue, slot_capacity=5)
    CapacityOverrideFactory(rules=rules, weekday=None, starts=dt.time(9), ends=dt.time(0), slot_capacity=0)
    CapacityOverrideFactory(rules=rules, weekday=0, starts=dt.time(14), ends=dt.time(15), slot_capacity=3)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO)) is None
    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + HOUR)) == "capacity_full"


def test_it_refuses_a_day_already_fully_booked(queue, request_for):
    rules_of(queue, daily_capacity=2)
    CallbackFactory(queue=queue, now=NOW - HOUR)  # immediate, today
    CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + 3 * HOUR)) == "capacity_full"
    assert refusal(engine.Capacity(), request_for(queue)) == "capacity_full"


def test_the_daily_capacity_leaves_the_next_day_alone(queue, request_for):
    rules_of(queue, daily_capacity=1)
    CallbackFactory(queue=queue, desired_time=AT_TWO, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO + 24 * HOUR)) is None


def test_without_capacity_rules_every_slot_is_open(queue, request_for):
    CallbackFactory.create_batch(3, queue=queue, desired_time=AT_TWO, now=NOW)

    assert refusal(engine.Capacity(), request_for(queue, desired_time=AT_TWO)) is None
