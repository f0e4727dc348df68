"""The rules are read once and cached; a change an administrator saves is judged from the next booking on."""

import datetime as dt

import pytest

from rules.models import GlobalRules
from tests.factories import CapacityOverrideFactory, NumberEntryFactory, QueueFactory, QueueRulesFactory
from tests.rules.test_public_api_rules import assert_refused, book, next_monday_at, rules

pytestmark = pytest.mark.django_db


def test_a_limit_saved_after_a_booking_refuses_the_next(api, widget):
    assert book(api).status_code == 201  # the rules are cached now
    widget.queue.max_open_per_number = 0
    widget.queue.save()

    rules(widget, max_requests_per_day=1)

    assert_refused(book(api), "daily_limit")


def test_a_capacity_override_added_after_a_booking_is_counted(api, widget):
    queue_rules = rules(widget, slot_capacity=5)
    assert book(api, desired_time=next_monday_at(10).isoformat()).status_code == 201

    CapacityOverrideFactory(rules=queue_rules, weekday=None, starts=dt.time(9), ends=dt.time(12), slot_capacity=1)

    assert_refused(book(api, "+44 20 7946 0959", desired_time=next_monday_at(10, 5).isoformat()), "capacity_full")


def test_the_global_country_list_saved_after_a_booking_applies(api, widget):
    assert book(api, "+33 6 12 34 56 78").status_code == 201

    GlobalRules.objects.update_or_create(pk=1, defaults={"country_policy": "deny", "countries": "FR"})

    assert_refused(book(api, "+33 6 12 34 56 79"), "country_not_allowed")


def test_a_number_denied_after_a_booking_is_refused(api, widget):
    assert book(api, "+44 20 7946 0958").status_code == 201  # no list anywhere: none is read

    NumberEntryFactory(rules=rules(widget), kind="deny", match="exact", value="+442079460959")

    assert_refused(book(api, "+44 20 7946 0959"), "number_blocked")


def test_another_queues_list_does_not_block_this_one(api, widget):
    NumberEntryFactory(rules=QueueRulesFactory(queue=QueueFactory()), kind="deny", match="exact", value="+442079460959")

    assert book(api, "+44 20 7946 0959").status_code == 201
