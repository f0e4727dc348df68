"""The ``zoned`` tag: every time a page shows, in a named zone and saying which."""

import datetime as dt

import pytest
from django.template import Context, Template

UTC = dt.UTC


def render(source: str, **context) -> str:
    return Template("{% load callback_format %}" + source).render(Context(context))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "instant,shown",
    [
        (at(2026, 3, 8, 6, 30), "01:30 EST (America/New_York)"),
        (at(2026, 3, 8, 7, 30), "03:30 EDT (America/New_York)"),  # an hour later, past the spring-forward gap
    ],
)
def test_it_follows_new_york_across_the_spring_change(instant, shown):
    assert render('{% zoned t "America/New_York" %}', t=instant) == shown


def test_the_hour_paris_repeats_in_autumn_reads_twice_told_apart():
    before = render('{% zoned t "Europe/Paris" %}', t=at(2026, 10, 25, 0, 30))
    after = render('{% zoned t "Europe/Paris" %}', t=at(2026, 10, 25, 1, 30))

    assert (before, after) == ("02:30 CEST (Europe/Paris)", "02:30 CET (Europe/Paris)")


def test_it_takes_a_format_and_the_zone_object_a_queue_has():
    import zoneinfo

    shown = render(
        '{% zoned t zone "D j M, H:i" %}', t=at(2026, 1, 15, 21, 34), zone=zoneinfo.ZoneInfo("Australia/Sydney")
    )

    assert shown == "Fri 16 Jan, 08:34 AEDT (Australia/Sydney)"


def test_a_timezone_block_around_it_changes_nothing():
    # The bug it replaces: the date filter turned a zoned time back into the page's zone.
    shown = render(
        '{% load tz %}{% timezone "Asia/Tokyo" %}{% zoned t "America/New_York" %}{% endtimezone %}',
        t=at(2026, 1, 15, 21, 34),
    )

    assert shown == "16:34 EST (America/New_York)"


def test_short_leaves_out_the_zones_name():
    assert render('{% zoned t "Europe/Paris" short=True %}', t=at(2026, 1, 15, 21, 34)) == "22:34 CET"


def test_without_a_zone_it_says_the_pages_zone():
    assert render("{% zoned t %}", t=at(2026, 1, 15, 21, 34)) == "21:34 UTC"


def test_no_time_is_a_dash():
    assert render('{% zoned t "Europe/Paris" %}', t=None) == "—"
