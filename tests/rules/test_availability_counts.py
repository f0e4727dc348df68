"""What the availability counts in each slot and day: grouped reads, the same counts as the create's checks."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callbacks.models import State
from queues.selectors import bookable_slots
from rules.selectors import slots_with_capacity
from tests.factories import CallbackFactory, QueueFactory, QueueRulesFactory, WidgetFactory, forced_into

from .conftest import NOW

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
TOMORROW = NOW.date() + dt.timedelta(days=1)  # a Tuesday in UTC, far from any DST change
AT_TWO = dt.datetime.combine(TOMORROW, dt.time(14), tzinfo=dt.UTC)


def queue_with(zone="UTC", **rules):
    """Open around the clock, called at any hour, 15-minute slots."""
    queue = QueueFactory(time_zone=zone, any_hour=True)
    QueueRulesFactory(queue=queue, **rules)
    return queue


def room(queue, day=TOMORROW, now=NOW) -> dict[dt.datetime, int | None]:
    """What is left of each slot of the local ``day`` still offered, by its start in UTC."""
    slots = bookable_slots(queue, start=day, days=1, max_slots=200, now=now)
    return {free.slot.start: free.remaining for free in slots_with_capacity(queue, slots)}


def booked(queue, at, count=1, now=NOW):
    return CallbackFactory.create_batch(count, queue=queue, desired_time=at, now=now)


def test_a_booking_counts_in_the_slot_it_falls_in_up_to_the_last_instant_before_the_next():
    queue = queue_with(slot_capacity=3)
    booked(queue, AT_TWO)
    booked(queue, AT_TWO + 15 * MINUTE - dt.timedelta(microseconds=1))
    booked(queue, AT_TWO + 15 * MINUTE)

    rooms = room(queue)

    assert rooms[AT_TWO] == 1
    assert rooms[AT_TWO + 15 * MINUTE] == 2
    assert rooms[AT_TWO - 15 * MINUTE] == rooms[AT_TWO + 30 * MINUTE] == 3


def test_a_full_slot_is_left_out_and_its_neighbours_stay():
    queue = queue_with(slot_capacity=2)
    booked(queue, AT_TWO + 5 * MINUTE, count=2)

    rooms = room(queue)

    assert AT_TWO not in rooms
    assert AT_TWO - 15 * MINUTE in rooms and AT_TWO + 15 * MINUTE in rooms


def test_canceled_and_expired_callbacks_give_their_place_back_finished_ones_keep_it():
    queue = queue_with(slot_capacity=5)
    canceled, expired, completed, failed, waiting = booked(queue, AT_TWO, count=5)
    forced_into(canceled, State.CANCELED)
    forced_into(expired, State.EXPIRED)
    forced_into(completed, State.COMPLETED)
    forced_into(failed, State.FAILED)

    assert room(queue)[AT_TWO] == 2


def test_bookings_of_another_queue_do_not_count():
    queue = queue_with(slot_capacity=1)
    booked(queue_with(slot_capacity=1), AT_TWO)

    assert room(queue)[AT_TWO] == 1


def test_each_run_of_the_repeated_hour_of_the_fall_back_day_counts_its_own_bookings():
    zone = zoneinfo.ZoneInfo("Europe/Paris")
    fall = dt.date(2027, 10, 31)
    now = dt.datetime(2027, 10, 28, 12, tzinfo=dt.UTC)
    queue = queue_with("Europe/Paris", slot_capacity=3)
    first_run = dt.datetime.combine(fall, dt.time(2, 30), tzinfo=zone).astimezone(dt.UTC)  # fold=0: the first
    second_run = first_run + HOUR  # 02:30 on the clock again
    booked(queue, first_run, now=now)
    booked(queue, second_run, count=2, now=now)

    rooms = room(queue, fall, now)

    assert rooms[first_run] == 2
    assert rooms[second_run] == 1


def test_the_daily_capacity_counts_the_whole_day_before_the_first_slot_offered_and_the_immediate_ones():
    queue = queue_with(daily_capacity=3)
    earlier = NOW.replace(hour=8)
    booked(queue, earlier, now=earlier - HOUR)  # already past, still the day's
    CallbackFactory(queue=queue, now=NOW - HOUR)  # asked for "as soon as possible" today
    booked(queue, NOW + 2 * HOUR)

    assert room(queue, NOW.date()) == {}
    assert set(room(queue).values()) == {3}


def test_the_daily_capacity_counts_an_immediate_request_on_the_25_hour_fall_back_day():
    zone = zoneinfo.ZoneInfo("America/New_York")
    fall = dt.date(2027, 11, 7)
    queue = queue_with("America/New_York", daily_capacity=2)
    late = dt.datetime.combine(fall, dt.time(23, 30), tzinfo=zone)
    CallbackFactory(queue=queue, now=late)  # the 25th hour of the local day, already the next day in UTC
    early = dt.datetime.combine(fall, dt.time(0, 30), tzinfo=zone)

    rooms = room(queue, fall, early - HOUR)

    assert set(rooms.values()) == {1}
    assert set(room(queue, fall + dt.timedelta(days=1), early - HOUR).values()) == {2}


def test_the_slot_and_the_day_each_cap_what_is_left():
    queue = queue_with(slot_capacity=3, daily_capacity=5)
    booked(queue, AT_TWO, count=2)
    booked(queue, AT_TWO + HOUR)

    rooms = room(queue)

    assert rooms[AT_TWO] == 1  # the slot's last place
    assert rooms[AT_TWO + 15 * MINUTE] == 2  # the day's last two


def test_the_counts_take_the_same_statements_however_many_are_booked(django_assert_max_num_queries):
    queue = queue_with(slot_capacity=500, daily_capacity=10_000)
    slots = bookable_slots(queue, start=TOMORROW, days=14, max_slots=2000, now=NOW)

    def statements():
        with CaptureQueriesContext(connection) as captured:
            slots_with_capacity(queue, slots)
        return len(captured.captured_queries)

    booked(queue, AT_TWO)
    statements()  # the rules and hours, read once and then cached
    few = statements()
    for slot in slots[::20]:
        booked(queue, slot.start + MINUTE)
    CallbackFactory.create_batch(3, queue=queue, now=NOW)

    # The bookings by desired time, the day's immediate ones (the rules are cached).
    with django_assert_max_num_queries(2):
        slots_with_capacity(queue, slots)
    assert statements() == few


def test_the_availability_endpoint_takes_the_same_statements_however_many_are_booked(api):
    widget = WidgetFactory(queue=queue_with("Europe/London", slot_capacity=500, daily_capacity=10_000))
    url = f"/api/v1/public/widgets/{widget.public_key}/availability"
    start = dt.date(2026, 12, 2)  # the day after the suite's instant

    def statements():
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url, {"start": start.isoformat(), "days": 14})
        assert response.status_code == 200
        return len(captured.captured_queries)

    first = dt.datetime.combine(start, dt.time(10), tzinfo=dt.UTC)
    booked(widget.queue, first, now=first - 12 * HOUR)
    statements()  # the widget, rules and hours, read once and then cached
    few = statements()
    for hours in range(0, 14 * 24, 5):
        booked(widget.queue, first + hours * HOUR, now=first - 12 * HOUR)

    assert statements() == few
