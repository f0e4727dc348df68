import datetime as dt

import pytest

from queues.hours import current_range, is_open
from queues.models import ClosedDate
from tests.factories import OfficeHoursFactory, QueueFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def weekdays(queue, opens, closes, days=range(7)):
    for day in days:
        OfficeHoursFactory(queue=queue, weekday=day, opens=opens, closes=closes)


def test_a_queue_without_office_hours_is_always_open():
    assert is_open(QueueFactory(), dt.datetime(2026, 12, 25, 3, 0, tzinfo=UTC))


def test_hours_are_read_in_the_queues_time_zone():
    queue = QueueFactory(time_zone="America/New_York")
    weekdays(queue, dt.time(9), dt.time(17))

    assert not is_open(queue, dt.datetime(2026, 6, 1, 12, 59, tzinfo=UTC))  # 08:59 EDT
    assert is_open(queue, dt.datetime(2026, 6, 1, 13, 0, tzinfo=UTC))  # 09:00 EDT
    assert not is_open(queue, dt.datetime(2026, 6, 1, 21, 0, tzinfo=UTC))  # 17:00 EDT


def test_a_day_may_have_several_ranges():
    queue = QueueFactory()
    weekdays(queue, dt.time(8), dt.time(12), days=[0])
    weekdays(queue, dt.time(13), dt.time(18), days=[0])

    monday = dt.date(2026, 6, 1)
    assert is_open(queue, dt.datetime.combine(monday, dt.time(11, 59), tzinfo=UTC))
    assert not is_open(queue, dt.datetime.combine(monday, dt.time(12, 30), tzinfo=UTC))
    assert is_open(queue, dt.datetime.combine(monday, dt.time(13, 0), tzinfo=UTC))


def test_midnight_closing_means_the_end_of_the_day():
    queue = QueueFactory()
    weekdays(queue, dt.time(0), dt.time(0))

    start, end = current_range(queue, dt.datetime(2026, 6, 1, 23, 59, 59, tzinfo=UTC))
    assert end == dt.datetime(2026, 6, 2, 0, 0, tzinfo=UTC)


def test_a_closed_date_closes_the_queue_all_day():
    queue = QueueFactory()
    weekdays(queue, dt.time(0), dt.time(0))
    ClosedDate.objects.create(queue=queue, date=dt.date(2026, 12, 25), reason="Christmas")

    assert not is_open(queue, dt.datetime(2026, 12, 25, 12, 0, tzinfo=UTC))
    assert is_open(queue, dt.datetime(2026, 12, 26, 12, 0, tzinfo=UTC))


def test_a_closed_date_closes_a_queue_without_office_hours():
    queue = QueueFactory()
    ClosedDate.objects.create(queue=queue, date=dt.date(2026, 1, 1))

    assert not is_open(queue, dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("zone", "day", "opens_utc"),
    [
        ("Europe/Paris", dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # spring forward: CEST
        ("Europe/Paris", dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),  # fall back: CET
        ("America/New_York", dt.date(2026, 3, 8), dt.datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),  # EDT
        ("America/New_York", dt.date(2026, 11, 1), dt.datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),  # EST
    ],
)
def test_opening_follows_the_clock_on_dst_days(zone, day, opens_utc):
    queue = QueueFactory(time_zone=zone)
    weekdays(queue, dt.time(9), dt.time(17))

    assert not is_open(queue, opens_utc - dt.timedelta(seconds=1))
    assert is_open(queue, opens_utc)


def test_a_range_across_the_fall_back_hour_lasts_an_hour_longer():
    queue = QueueFactory(time_zone="Europe/Paris")
    weekdays(queue, dt.time(0), dt.time(6))

    start, end = current_range(queue, dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert end - start == dt.timedelta(hours=7)
