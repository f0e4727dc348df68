import re

import holidays
import phonenumbers
import pytest

from queues.calling_policy_defaults import DEFAULT_POLICIES

KEYS = {"country", "subdivision", "hours", "no_calls_on_holidays", "max_attempts_per_24h", "note"}
HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


def _minutes(hh_mm):
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def _open_minutes(policy, weekday):
    return {
        minute
        for opens, closes in policy["hours"].get(weekday, [])
        for minute in range(_minutes(opens), _minutes(closes))
    }


def _key(policy):
    return f"{policy['country']}-{policy['subdivision'] or '*'}"


def _policy(country, subdivision=""):
    return next(p for p in DEFAULT_POLICIES if (p["country"], p["subdivision"]) == (country, subdivision))


@pytest.mark.parametrize("policy", DEFAULT_POLICIES, ids=_key)
def test_every_row_is_well_formed(policy):
    assert set(policy) == KEYS
    assert isinstance(policy["no_calls_on_holidays"], bool)
    attempts = policy["max_attempts_per_24h"]
    assert attempts is None or (type(attempts) is int and attempts > 0)
    assert isinstance(policy["note"], str) and len(policy["note"]) > 40
    assert set(policy["hours"]) <= set(range(7))
    for ranges in policy["hours"].values():
        previous_close = -1
        for opens, closes in ranges:
            assert HH_MM.fullmatch(opens) and opens != "24:00" and HH_MM.fullmatch(closes)
            assert previous_close <= _minutes(opens) < _minutes(closes), "ranges in order, not overlapping"
            previous_close = _minutes(closes)


@pytest.mark.parametrize("policy", DEFAULT_POLICIES, ids=_key)
def test_every_country_and_subdivision_is_known_to_phonenumbers_and_holidays(policy):
    country, subdivision = policy["country"], policy["subdivision"]
    assert phonenumbers.country_code_for_region(country), f"{country} is not a phonenumbers region"
    assert country in holidays.list_supported_countries()
    if subdivision:
        assert subdivision in holidays.country_holidays(country).subdivisions
    # The holiday calendar the policy will ask for exists and has days in it.
    assert holidays.country_holidays(country, subdiv=subdivision or None, years=2026)


def test_no_two_rows_for_one_place():
    places = [(p["country"], p["subdivision"]) for p in DEFAULT_POLICIES]
    assert len(places) == len(set(places))


@pytest.mark.parametrize("policy", [p for p in DEFAULT_POLICIES if p["subdivision"]], ids=_key)
def test_a_subdivision_is_never_laxer_than_its_country(policy):
    """A subdivision's row replaces its country's, so it must carry the country's rule too."""
    national = _policy(policy["country"])
    for weekday in range(7):
        assert _open_minutes(policy, weekday) <= _open_minutes(national, weekday), weekday
    assert policy["no_calls_on_holidays"] >= national["no_calls_on_holidays"]
    if national["max_attempts_per_24h"] is not None:
        assert policy["max_attempts_per_24h"] <= national["max_attempts_per_24h"]


def test_us_federal_is_eight_to_nine_every_day():
    us = _policy("US")
    assert us["hours"] == {day: [["08:00", "21:00"]] for day in range(7)}
    assert us["max_attempts_per_24h"] is None
    assert "64.1200(c)(1)" in us["note"]


@pytest.mark.parametrize("state", ["FL", "OK"])
def test_florida_and_oklahoma_are_eight_to_eight_with_three_attempts(state):
    policy = _policy("US", state)
    assert policy["hours"] == {day: [["08:00", "20:00"]] for day in range(7)}
    assert policy["max_attempts_per_24h"] == 3


def test_canada_federal_hours_differ_on_weekends():
    canada = _policy("CA")
    assert canada["hours"][0] == [["09:00", "21:30"]]
    assert canada["hours"][6] == [["10:00", "18:00"]]


def test_france_has_a_lunch_break_and_no_weekends_or_holidays():
    france = _policy("FR")
    assert france["hours"][2] == [["10:00", "13:00"], ["14:00", "20:00"]]
    assert not france["hours"].get(5) and not france["hours"].get(6)
    assert france["no_calls_on_holidays"]


def test_australia_has_no_sunday_calls():
    australia = _policy("AU")
    assert australia["hours"][5] == [["09:00", "17:00"]]
    assert not australia["hours"].get(6)
    assert australia["no_calls_on_holidays"]


def test_texas_starts_at_noon_on_sundays():
    texas = _policy("US", "TX")
    assert texas["hours"][5] == [["09:00", "21:00"]]
    assert texas["hours"][6] == [["12:00", "21:00"]]


def test_states_that_ban_sundays_have_no_sunday_hours():
    for state in ("AL", "LA", "MS", "RI", "UT"):
        assert not _policy("US", state)["hours"].get(6), state
