"""A queue's hours and the calling policies are read once and cached; a change is seen at the next read."""

import datetime as dt

import pytest

from queues import calling
from queues.hours import is_open
from queues.models import CallingPolicy, ClosedDate
from tests.factories import OfficeHoursFactory, QueueFactory

pytestmark = pytest.mark.django_db

MONDAY_NOON = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


def test_office_hours_added_after_a_read_close_the_queue_outside_them():
    queue = QueueFactory(time_zone="UTC")
    assert is_open(queue, MONDAY_NOON)  # no hours: open around the clock, and now cached

    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(8), closes=dt.time(11))

    assert not is_open(queue, MONDAY_NOON)


def test_office_hours_deleted_after_a_read_open_the_queue_again():
    queue = QueueFactory(time_zone="UTC")
    hours = OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(8), closes=dt.time(11))
    assert not is_open(queue, MONDAY_NOON)

    hours.delete()

    assert is_open(queue, MONDAY_NOON)


def test_a_closed_date_added_after_a_read_closes_the_day():
    queue = QueueFactory(time_zone="UTC")
    assert is_open(queue, MONDAY_NOON)

    ClosedDate.objects.create(queue=queue, date=MONDAY_NOON.date(), reason="Staff training")

    assert not is_open(queue, MONDAY_NOON)


def test_another_queues_hours_are_not_forgotten_with_these():
    queue, other = QueueFactory(time_zone="UTC"), QueueFactory(time_zone="UTC")
    OfficeHoursFactory(queue=other, weekday=0, opens=dt.time(8), closes=dt.time(11))
    assert not is_open(other, MONDAY_NOON)

    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(8), closes=dt.time(11))

    assert not is_open(other, MONDAY_NOON)


def test_a_policy_switched_off_after_a_read_no_longer_applies():
    assert calling.policies_for("US", "FL")
    for policy in CallingPolicy.objects.filter(country="US"):
        policy.active = False
        policy.save()

    assert calling.policies_for("US", "FL") == ()


def test_a_policy_added_after_a_read_applies():
    assert calling.policies_for("NZ") == ()

    policy = CallingPolicy.objects.create(country="NZ", note="Fair Trading Act")

    assert calling.policies_for("NZ") == (policy,)
