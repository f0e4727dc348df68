"""Roll-ups (``reporting.rollups``): finished days into rows, idempotently; late events re-roll their day."""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from callbacks import lifecycle
from callbacks.models import CallbackEvent, Outcome
from reporting import tasks
from reporting.figures import Figures, figures_between
from reporting.models import Rollup, WidgetEvent
from reporting.rollups import days_due, local_hours, rollup_write_day, rollups_write_due
from tests.factories import WidgetFactory
from tests.locks import waits_on_a_lock

from .factories import Desk, report_queue

pytestmark = pytest.mark.django_db

PARIS = "Europe/Paris"
# Sunday 29 March 2026 in Paris: clocks go from 02:00 to 03:00, a day of 23 hours (22:00 UTC the day before).
SPRING = dt.date(2026, 3, 29)
SPRING_START = dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)
SPRING_NINE = dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)  # 09:00 CEST
# Sunday 25 October 2026: 03:00 back to 02:00, 25 hours.
AUTUMN = dt.date(2026, 10, 25)
# The Monday after, when both are long finished.
LATER = dt.datetime(2026, 10, 26, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def desk():
    return Desk(report_queue(slug="paris", time_zone=PARIS))


@pytest.fixture
def busy_spring_day(desk):
    """Two callbacks completed and one canceled on the spring day, one of them across the missing hour."""
    night = desk.book(SPRING_START + 50 * MIN)  # 00:50 CET
    desk.call(night, SPRING_START + dt.timedelta(hours=1, minutes=10), SPRING_START + dt.timedelta(hours=1, minutes=20))
    morning, gone = desk.book(SPRING_NINE), desk.book(SPRING_NINE + MIN)
    desk.call(morning, SPRING_NINE + 5 * MIN, SPRING_NINE + 9 * MIN)
    desk.cancel(gone, SPRING_NINE + 10 * MIN)
    return desk


def rows_of(queue):
    return list(Rollup.objects.filter(queue=queue).values_list("id", "grain", "period_start", "period_end", "figures"))


def test_a_dst_day_has_23_hour_rows(desk):
    rollup_write_day(queue=desk.queue, day=SPRING, now=LATER)

    hours = Rollup.objects.filter(queue=desk.queue, grain="hour").order_by("period_start")
    assert hours.count() == 23
    assert [h.period_start.astimezone(desk.queue.time_zone).hour for h in hours[:3]] == [0, 1, 3]


def test_the_autumn_day_has_25_hour_rows(desk):
    rollup_write_day(queue=desk.queue, day=AUTUMN, now=LATER)

    assert Rollup.objects.filter(queue=desk.queue, grain="hour").count() == 25
    assert len(local_hours(desk.queue, AUTUMN)) == 25


def test_the_day_row_equals_the_live_figures_of_the_day(busy_spring_day):
    queue = busy_spring_day.queue

    day = rollup_write_day(queue=queue, day=SPRING, now=LATER)

    live = figures_between(queue, SPRING_START, SPRING_START + dt.timedelta(hours=23))
    assert Figures.from_json(day.figures) == live
    assert (live.value("completed"), live.value("canceled_by_customer")) == (2, 1)


def test_the_hour_rows_add_up_to_the_day(busy_spring_day):
    queue = busy_spring_day.queue
    day = rollup_write_day(queue=queue, day=SPRING, now=LATER)

    hours = [Figures.from_json(row.figures) for row in Rollup.objects.filter(queue=queue, grain="hour")]

    assert Figures.total(hours) == Figures.from_json(day.figures)


def test_rolling_again_changes_nothing(busy_spring_day):
    queue = busy_spring_day.queue
    rollup_write_day(queue=queue, day=SPRING, now=LATER)
    before = rows_of(queue)

    rollup_write_day(queue=queue, day=SPRING, now=LATER + MIN)

    assert rows_of(queue) == before


def test_today_is_not_rolled(desk):
    with pytest.raises(ValueError, match="computed live"):
        rollup_write_day(queue=desk.queue, day=SPRING, now=SPRING_NINE)


def test_every_finished_day_from_the_first_activity_is_due(desk):
    desk.book(SPRING_NINE)

    due = days_due(desk.queue, dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC))

    assert due == [SPRING, dt.date(2026, 3, 30), dt.date(2026, 3, 31)]


def test_a_rolled_day_is_not_due_again(desk):
    desk.book(SPRING_NINE)
    now = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
    rollups_write_due(now=now)

    assert days_due(desk.queue, now) == []


def test_a_late_event_re_rolls_its_day(desk):
    callback = desk.book(SPRING_NINE)
    callback = desk.dial(callback, SPRING_NINE + MIN)
    now = dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC)
    rollups_write_due(now=now)
    # The completion written after the roll-up with the time its request read before midnight.
    late = SPRING_START + dt.timedelta(hours=23) - MIN
    with time_machine.travel(now, tick=False):
        lifecycle.complete(callback, now=late)
    assert CallbackEvent.objects.filter(type="completed", created_at=late).exists()

    rolled = rollups_write_due(now=now + MIN)

    assert rolled == [(desk.queue, SPRING)]
    day = Rollup.objects.get(queue=desk.queue, grain="day", local_date=SPRING)
    assert Figures.from_json(day.figures).value("completed") == 1


def test_a_re_rolled_day_is_not_late_any_more(desk):
    callback = desk.book(SPRING_NINE)
    callback = desk.dial(callback, SPRING_NINE + MIN)
    now = dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC)
    rollups_write_due(now=now)
    with time_machine.travel(now, tick=False):
        lifecycle.complete(callback, now=SPRING_NINE + 5 * MIN)
    rollups_write_due(now=now + MIN)

    assert rollups_write_due(now=now + 2 * MIN) == []


def test_a_day_older_than_the_late_window_is_not_searched_for_late_events(desk):
    callback = desk.book(SPRING_NINE)
    callback = desk.dial(callback, SPRING_NINE + MIN)
    rollups_write_due(now=dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC))
    a_week_on = dt.datetime(2026, 4, 5, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(a_week_on, tick=False):
        lifecycle.complete(callback, now=SPRING_NINE + 5 * MIN)

    assert SPRING not in days_due(desk.queue, a_week_on)


def test_the_command_rolls_a_given_day(desk):
    desk.call(desk.book(SPRING_NINE), SPRING_NINE + MIN, SPRING_NINE + 2 * MIN, Outcome.CONNECTED)
    out = io.StringIO()

    with time_machine.travel(LATER, tick=False):
        call_command("rollup", "--day", "2026-03-29", "--queue", "paris", stdout=out)

    assert "Rolled paris 2026-03-29." in out.getvalue()
    assert Figures.from_json(Rollup.objects.get(grain="day").figures).value("completed") == 1


def test_the_command_by_default_rolls_what_is_due(desk):
    desk.book(SPRING_NINE)

    with time_machine.travel(dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC), tick=False):
        call_command("rollup", stdout=io.StringIO())

    assert list(Rollup.objects.filter(grain="day").values_list("local_date", flat=True)) == [SPRING]


def test_the_command_refuses_an_unknown_queue(desk):
    with pytest.raises(CommandError, match="No queue “nowhere”"):
        call_command("rollup", "--queue", "nowhere")


def test_the_command_refuses_today(desk):
    with time_machine.travel(SPRING_NINE, tick=False), pytest.raises(CommandError, match="computed live"):
        call_command("rollup", "--day", "2026-03-29")


def test_the_beat_task_rolls_what_is_due(desk):
    desk.book(SPRING_NINE)

    with time_machine.travel(dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC), tick=False):
        assert tasks.roll_up_finished_days.apply().get() == 1

    assert Rollup.objects.filter(queue=desk.queue, grain="day", local_date=SPRING).exists()


def test_a_widget_event_received_after_the_roll_up_re_rolls_its_day(desk):
    widget = WidgetFactory(queue=desk.queue)
    desk.widget_view(widget, "early", SPRING_NINE, "opened")
    now = dt.datetime(2026, 3, 30, 12, 0, tzinfo=dt.UTC)
    rollups_write_due(now=now)
    # A beacon the browser sent late: the page view happened on the 29th, it arrives an hour after the roll-up.
    desk.widget_view(widget, "beacon", SPRING_NINE + MIN, "opened")
    WidgetEvent.objects.filter(session="beacon").update(received_at=now + dt.timedelta(hours=1))

    assert rollups_write_due(now=now + dt.timedelta(hours=2)) == [(desk.queue, SPRING)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_rolling_the_same_day_write_one_set_of_rows():
    queue = report_queue(slug="paris", time_zone=PARIS)
    written, go_on = threading.Event(), threading.Event()
    waiter: list[int] = []

    def first_worker():  # its rows inserted, not committed yet
        try:
            with transaction.atomic():
                rollup_write_day(queue=queue, day=SPRING, now=LATER)
                written.set()
                go_on.wait(10)
        finally:
            written.set()
            connection.close()

    def second_worker():
        try:
            connection.ensure_connection()
            waiter.append(connection.connection.info.backend_pid)
            rollup_write_day(queue=queue, day=SPRING, now=LATER)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    threads[0].start()
    assert written.wait(10)
    threads[1].start()
    assert waits_on_a_lock(waiter)  # the second insert waits on the first's unique index entries
    go_on.set()
    for thread in threads:
        thread.join(10)

    assert (Rollup.objects.filter(grain="day").count(), Rollup.objects.filter(grain="hour").count()) == (1, 23)
