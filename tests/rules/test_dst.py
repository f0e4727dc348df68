"""Slots and their capacity on the days the clocks change, in the queue's own zone."""

import datetime as dt
import zoneinfo

import pytest

from callbacks.api.public.serializers import slot_data
from queues.selectors import bookable_slots
from rules import engine
from rules.engine import Rejection
from rules.selectors import slots_with_capacity
from tests.factories import (
    CallbackFactory,
    CapacityOverrideFactory,
    OfficeHoursFactory,
    QueueFactory,
    QueueRulesFactory,
)

pytestmark = pytest.mark.django_db

# (zone, spring-forward Sunday, fall-back Sunday) in 2027
PARIS = ("Europe/Paris", dt.date(2027, 3, 28), dt.date(2027, 10, 31))
NEW_YORK = ("America/New_York", dt.date(2027, 3, 14), dt.date(2027, 11, 7))
ZONES = pytest.mark.parametrize(("zone", "spring", "fall"), [PARIS, NEW_YORK], ids=["paris", "new_york"])


def hourly_queue(zone, **rules):
    """Open around the clock, one-hour slots: a slot for every hour the clock shows."""
    # Called at any hour: these tests are about the slot grid, not the calling window.
    queue = QueueFactory(
        time_zone=zone, slot_minutes=60, calling_window_start=dt.time(0), calling_window_end=dt.time(0)
    )
    QueueRulesFactory(queue=queue, **rules)
    return queue


def slots_on(queue, day):
    now = dt.datetime.combine(day - dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC)
    slots = bookable_slots(queue, start=day, days=1, max_slots=100, now=now)
    return [slot_data(room, queue.time_zone, queue.time_zone) for room in slots_with_capacity(queue, slots)]


def local_hours(slots):
    return [slot["local_start"][11:16] for slot in slots]


@ZONES
def test_the_spring_forward_day_has_23_hourly_slots_and_no_2_oclock(zone, spring, fall):
    slots = slots_on(hourly_queue(zone), spring)

    assert len(slots) == 23
    assert local_hours(slots)[:4] == ["00:00", "01:00", "03:00", "04:00"]
    assert [slot["label"][-5:] for slot in slots] == local_hours(slots)


@ZONES
def test_the_fall_back_day_has_25_hourly_slots_and_1_oclock_or_2_oclock_twice(zone, spring, fall):
    slots = slots_on(hourly_queue(zone), fall)

    repeated = "02:00" if zone == "Europe/Paris" else "01:00"
    assert len(slots) == 25
    assert local_hours(slots).count(repeated) == 2
    # Twice the same wall clock, an hour apart: the offsets tell them apart.
    first, second = [slot for slot in slots if slot["local_start"][11:16] == repeated]
    assert first["local_start"][-6:] != second["local_start"][-6:]
    assert second["start"] - first["start"] == dt.timedelta(hours=1)


@ZONES
def test_slots_are_one_hour_long_in_real_time_across_the_change(zone, spring, fall):
    for day in (spring, fall):
        slots = slots_on(hourly_queue(zone), day)
        assert all(slot["end"] - slot["start"] == dt.timedelta(hours=1) for slot in slots)
        assert all(b["start"] == a["end"] for a, b in zip(slots, slots[1:], strict=False))


def test_quarter_hour_slots_in_hours_spanning_the_paris_gap_skip_the_missing_hour():
    queue = QueueFactory(time_zone="Europe/Paris", calling_window_start=dt.time(0), calling_window_end=dt.time(0))
    OfficeHoursFactory(queue=queue, weekday=6, opens=dt.time(1), closes=dt.time(4))

    slots = slots_on(queue, PARIS[1])

    # 01:00–04:00 on the clock is two real hours that day.
    assert local_hours(slots) == ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]
    assert slots[4]["label"] == "Sun 28 Mar, 03:00"


@ZONES
def test_capacity_per_slot_follows_the_local_clock_on_the_spring_forward_day(zone, spring, fall):
    queue = hourly_queue(zone, slot_capacity=4)
    CapacityOverrideFactory(rules=queue.rules, weekday=6, starts=dt.time(3), ends=dt.time(5), slot_capacity=1)

    totals = {slot["local_start"][11:16]: slot["total"] for slot in slots_on(queue, spring)}

    assert (totals["01:00"], totals["03:00"], totals["04:00"], totals["05:00"]) == (4, 1, 1, 4)


@ZONES
def test_each_of_the_repeated_hours_of_the_fall_back_day_has_its_own_capacity(zone, spring, fall):
    repeated = 2 if zone == "Europe/Paris" else 1
    queue = hourly_queue(zone, slot_capacity=4)
    CapacityOverrideFactory(
        rules=queue.rules, weekday=6, starts=dt.time(repeated), ends=dt.time(repeated + 1), slot_capacity=1
    )
    first_run = dt.datetime.combine(fall, dt.time(repeated), tzinfo=zoneinfo.ZoneInfo(zone))  # fold=0: the first
    CallbackFactory(queue=queue, desired_time=first_run, now=first_run - dt.timedelta(days=3))

    slots = [s for s in slots_on(queue, fall) if s["local_start"][11:13] == f"{repeated:02d}"]

    # The first run is full and hidden; the second, an hour later, still takes one.
    assert len(slots) == 1
    assert (slots[0]["capacity"], slots[0]["total"]) == (1, 1)
    assert slots[0]["start"] == first_run.astimezone(dt.UTC) + dt.timedelta(hours=1)


@ZONES
def test_the_engine_counts_a_booking_in_the_slot_of_its_real_time_on_the_fall_back_day(zone, spring, fall):
    repeated = 2 if zone == "Europe/Paris" else 1
    queue = hourly_queue(zone, slot_capacity=1)
    first_run = dt.datetime.combine(fall, dt.time(repeated, 30), tzinfo=zoneinfo.ZoneInfo(zone))
    second_run = first_run.astimezone(dt.UTC) + dt.timedelta(hours=1)
    now = first_run - dt.timedelta(days=3)
    CallbackFactory(queue=queue, desired_time=first_run, now=now)

    def code(at):
        request = engine.CallbackRequest(queue=queue, phone_number="", region=None, desired_time=at, now=now)
        try:
            engine.Capacity(lock=False).check(request)
        except Rejection as rejection:
            return rejection.code
        return None

    assert code(first_run) == "capacity_full"
    assert code(second_run) is None


@ZONES
def test_the_daily_capacity_counts_the_whole_long_or_short_local_day(zone, spring, fall):
    queue = hourly_queue(zone, daily_capacity=2)
    tz = zoneinfo.ZoneInfo(zone)
    for day in (spring, fall):
        late = dt.datetime.combine(day, dt.time(23, 30), tzinfo=tz)
        CallbackFactory(queue=queue, desired_time=late, now=late - dt.timedelta(days=3))

    for day in (spring, fall):
        rooms = {slot["capacity"] for slot in slots_on(queue, day)}
        assert rooms == {1}
