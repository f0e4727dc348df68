"""The historical report (``reporting.history.report_build``): rolled days read, today computed, queues merged."""

import datetime as dt
from collections import Counter

import pytest

from reporting.figures import Figures
from reporting.history import report_build, report_period_errors
from reporting.models import Rollup
from reporting.rollups import rollup_write_day, rollups_write_due
from tests.factories import WidgetFactory, working_agent

from .factories import Desk, report_queue

pytestmark = pytest.mark.django_db

PARIS, LONDON = "Europe/Paris", "Europe/London"
SPRING = dt.date(2026, 3, 29)  # 23 hours in Paris
SPRING_NINE = dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)  # 09:00 in Paris, 08:00 in London
AUTUMN = dt.date(2026, 10, 25)  # 25 hours in Paris
AUTUMN_START = dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC)
# The next afternoon, 13:00 in Paris: the spring day is finished, the 30th is today.
NOW = dt.datetime(2026, 3, 30, 11, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def paris():
    return Desk(report_queue(slug="paris", time_zone=PARIS))


def completed_each_day(desk, *days_and_hours):
    for at in days_and_hours:
        desk.call(desk.book(at), at + MIN, at + 3 * MIN)


def build(queues, start=SPRING, end=SPRING, by="day", now=NOW):
    return report_build(queues=queues, start=start, end=end, by=by, now=now)


class TestPeriodErrors:
    def test_a_good_period(self):
        assert report_period_errors(SPRING, SPRING, "hour") == {}

    def test_the_end_before_the_start(self):
        assert report_period_errors(SPRING, SPRING - dt.timedelta(days=1), "day") == {
            "end": "The last day is before the first."
        }

    def test_at_most_366_days(self):
        assert "end" in report_period_errors(SPRING, SPRING + dt.timedelta(days=366), "day")

    def test_by_hour_at_most_31_days(self):
        assert "by" in report_period_errors(SPRING, SPRING + dt.timedelta(days=31), "hour")

    def test_an_unknown_grain(self):
        assert report_period_errors(SPRING, SPRING, "week") == {"by": "Choose “day” or “hour”."}


def test_rows_by_day_with_their_local_labels(paris):
    completed_each_day(paris, SPRING_NINE, SPRING_NINE + dt.timedelta(days=1))
    rollups_write_due(now=NOW)

    report = build([paris.queue], end=SPRING + dt.timedelta(days=1))

    assert [(row.label, row.figures.value("completed")) for row in report.rows] == [
        ("2026-03-29", 1),
        ("2026-03-30", 1),
    ]
    assert report.total.value("completed") == 2
    assert report.time_zone_label == PARIS


def test_a_rolled_day_reads_as_it_was_computed(paris):
    completed_each_day(paris, SPRING_NINE)
    live = build([paris.queue]).rows[0].figures

    rollup_write_day(queue=paris.queue, day=SPRING, now=NOW)

    assert build([paris.queue]).rows[0].figures == live


def test_the_report_reads_the_rolled_row_not_the_events(paris):
    completed_each_day(paris, SPRING_NINE)
    rollup_write_day(queue=paris.queue, day=SPRING, now=NOW)
    # Proof it is the row that is read: one altered by hand shows.
    Rollup.objects.filter(grain="day").update(figures=Figures(counts=Counter(completed=7)).to_json())

    assert build([paris.queue]).rows[0].figures.value("completed") == 7


def test_the_dst_day_by_hour_has_23_rows(paris):
    completed_each_day(paris, SPRING_NINE)

    report = build([paris.queue], by="hour")

    assert len(report.rows) == 23
    assert [row.label for row in report.rows[1:3]] == ["2026-03-29 01:00", "2026-03-29 03:00"]
    assert report.rows[8].label == "2026-03-29 09:00" and report.rows[8].figures.value("completed") == 1


def test_the_repeated_autumn_hour_is_two_rows_named_by_zone(paris):
    report = build([paris.queue], start=AUTUMN, end=AUTUMN, by="hour", now=AUTUMN_START + dt.timedelta(days=2))

    assert len(report.rows) == 25
    assert [row.label for row in report.rows[2:4]] == ["2026-10-25 02:00 CEST", "2026-10-25 02:00 CET"]


def test_two_queues_merge_on_their_own_local_day(paris):
    london = Desk(report_queue(slug="london", time_zone=LONDON))
    # 23:30 in London on the 28th is 00:30 on the 29th in Paris: each counts on its own local date.
    late_evening = dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)
    completed_each_day(paris, late_evening)
    completed_each_day(london, late_evening + dt.timedelta(minutes=10))

    report = build([paris.queue, london.queue], start=SPRING - dt.timedelta(days=1))

    assert [(row.label, row.figures.value("completed")) for row in report.rows] == [
        ("2026-03-28", 1),
        ("2026-03-29", 1),
    ]
    assert report.time_zone_label == "each queue's own zone"


def test_agents_with_their_names(paris):
    bea = working_agent(paris.queue, username="bea", first_name="Bea", last_name="Dale")
    paris.call(paris.book(SPRING_NINE), SPRING_NINE + MIN, SPRING_NINE + 5 * MIN, agent=bea)

    report = build([paris.queue])

    assert [(row.agent_name, row.figures.value("aht_seconds")) for row in report.agents] == [("Bea Dale", 240)]
    assert [column.key for column in report.agent_columns] == ["handled", "completed", "aht_seconds"]


def test_an_agent_no_longer_on_file_keeps_their_dials(paris):
    leaver = working_agent(paris.queue, username="leaver")
    paris.call(paris.book(SPRING_NINE), SPRING_NINE + MIN, SPRING_NINE + 5 * MIN, agent=leaver)
    rollup_write_day(queue=paris.queue, day=SPRING, now=NOW)
    leaver.delete()

    assert [(row.agent_name, row.figures.value("handled")) for row in build([paris.queue]).agents] == [
        ("Agent no longer on file", 1)
    ]


def test_the_funnel_with_shares_and_where_people_leave(paris):
    widget = WidgetFactory(queue=paris.queue)
    for session, steps in (
        ("a", ["opened"]),
        ("b", ["opened", "submitted"]),
        ("c", ["opened", "submitted", "scheduled"]),
    ):
        paris.widget_view(widget, session, SPRING_NINE, *steps)
    paris.widget_view(widget, "d", SPRING_NINE, "opened")

    funnel = build([paris.queue]).funnel

    assert [(s.name, s.sessions, s.share_of_previous, s.left) for s in funnel] == [
        ("opened", 4, None, 2),
        ("submitted", 2, 0.5, 1),
        ("booked", 1, 0.5, 1),
    ]


def test_columns_name_the_kinds_that_occur(paris):
    paris.refused(SPRING_NINE)

    keys = [column.key for column in build([paris.queue]).columns]

    assert keys[keys.index("refused") + 1] == "refused_number_blocked"
    assert "offered_widget" not in keys


def test_ninety_rolled_days_are_read_in_a_few_statements(paris, django_assert_max_num_queries):
    start = SPRING - dt.timedelta(days=89)
    completed_each_day(paris, SPRING_NINE - dt.timedelta(days=89), SPRING_NINE)
    rollups_write_due(now=NOW)
    assert Rollup.objects.filter(grain="day").count() == 90  # from the first activity to the 29th

    # Rows, agents' names; today (the 30th) is outside the range.
    with django_assert_max_num_queries(3):
        report = build([paris.queue], start=start)

    assert len(report.rows) == 90 and report.total.value("completed") == 2


def test_days_not_rolled_are_computed_from_one_read(paris, django_assert_max_num_queries):
    completed_each_day(paris, SPRING_NINE - dt.timedelta(days=89), SPRING_NINE)

    # The roll-ups (none); the callbacks' events, reschedules, dials, refusals, widget events; agents' names.
    with django_assert_max_num_queries(7):
        report = build([paris.queue], start=SPRING - dt.timedelta(days=89))

    assert len(report.rows) == 90 and report.total.value("completed") == 2
