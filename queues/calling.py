"""When a customer may be called: the strictest of the queue's calling window and the law.

A customer is called only inside every window that applies to them:
- the queue's calling window, in each zone they may be in: the one their
  browser gave and their number's own, when the two disagree (a traveller),
  so nobody is called at night in either; the queue's zone when neither is known;
- every active calling policy of their number's country and state or province
  (allowed hours per weekday in those same zones, public holidays).

Windows are computed as lists of UTC periods, one local date at a time, so
a DST change moves their UTC times, never their local ones. Attempt limits
per 24 hours are counted by the caller (``callbacks``), which knows the dials.
"""

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

import holidays
import phonenumbers
from phonenumbers import timezone as number_zones

from callbackproject.base.cache import cached, forget

from .models import CallingPolicy, VirtualQueue, clock_range
from .regions import region_for_number, subdivision_for_number

UTC = dt.UTC
MIDNIGHT = dt.time(0)
DAY = dt.timedelta(days=1)
# How far ahead a next opening is looked for: a long weekend of holidays fits many times over.
LOOKAHEAD = dt.timedelta(days=21)

Period = tuple[dt.datetime, dt.datetime]


def zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # includes phonenumbers' "Etc/Unknown"
        return None


def number_zone(number: phonenumbers.PhoneNumber | None) -> str:
    """The number's zone when its prefix has exactly one; "" when it spans several (parts of the US, Russia…)."""
    if number is None:
        return ""
    zones = number_zones.time_zones_for_number(number)
    return zones[0] if len(zones) == 1 and zone_or_none(zones[0]) else ""


@dataclass(frozen=True)
class Reach:
    """Who is called, as far as calling hours go: the zones they may be in and the policies of their number."""

    queue: VirtualQueue
    zones: tuple[zoneinfo.ZoneInfo, ...]
    policies: tuple[CallingPolicy, ...] = ()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone to show the customer's times in: the one they gave, else their number's, else the queue's."""
        return self.zones[0]


POLICIES_KEY = "queues:calling-policies"


def _active_policies() -> dict[tuple[str, str], tuple[CallingPolicy, ...]]:
    """Every active policy by (country, subdivision), kept in the cache until one changes: a few dozen rows."""

    def read() -> dict[tuple[str, str], tuple[CallingPolicy, ...]]:
        by_place: dict[tuple[str, str], list[CallingPolicy]] = {}
        for policy in CallingPolicy.objects.filter(active=True).prefetch_related("hours"):
            by_place.setdefault((policy.country, policy.subdivision), []).append(policy)
        return {place: tuple(policies) for place, policies in by_place.items()}

    return cached(POLICIES_KEY, read)


def policies_for(country: str, subdivision: str = "") -> tuple[CallingPolicy, ...]:
    """The active policies of a country and, when known, its state or province: all of them apply."""
    if not country:
        return ()
    policies = _active_policies()
    return policies.get((country, ""), ()) + (policies.get((country, subdivision), ()) if subdivision else ())


def policies_changed() -> None:
    forget(POLICIES_KEY)


def number_region(number: phonenumbers.PhoneNumber | None) -> tuple[str, str]:
    """(country, state or province) of a number for its calling policies; ("", "") when unknown."""
    if number is None:
        return "", ""
    return region_for_number(number), subdivision_for_number(number)


REACH_FIELDS = ("dial_timezone", "number_timezone", "calling_country", "calling_subdivision")


def reach(
    queue: VirtualQueue,
    *,
    dial_timezone: str = "",
    number_timezone: str = "",
    calling_country: str = "",
    calling_subdivision: str = "",
) -> Reach:
    """The reach of a customer from a callback's fields (``REACH_FIELDS``), as ``booking_fields`` gives them."""
    zones = tuple(zone for name in dict.fromkeys([dial_timezone, number_timezone]) if (zone := zone_or_none(name)))
    return Reach(
        queue,
        zones or (queue.time_zone,),
        policies_for(calling_country, calling_subdivision),
    )


def parsed(phone_number) -> phonenumbers.PhoneNumber | None:
    if isinstance(phone_number, phonenumbers.PhoneNumber) or not phone_number:
        return phone_number or None
    try:
        return phonenumbers.parse(str(phone_number))
    except phonenumbers.NumberParseException:
        return None


def booking_fields(queue: VirtualQueue, *, customer_timezone: str, phone_number, region: str = "") -> dict:
    """What a new callback keeps of its reach: the customer's zone (as they gave it, else their number's,
    else the queue's), the number's zone where it differs, and the number's country (else ``region``,
    for a customer who has not given their number yet) and state."""
    number = parsed(phone_number)
    own = number_zone(number)
    country, subdivision = number_region(number)
    return {
        "dial_timezone": customer_timezone or own or str(queue.time_zone),
        "number_timezone": own if customer_timezone and own != customer_timezone else "",
        "calling_country": country or (region or "").upper(),
        "calling_subdivision": subdivision,
    }


def reach_of(callback) -> Reach:
    """A callback's reach, from what was resolved when it was booked."""
    return reach(callback.queue, **{field: getattr(callback, field) for field in REACH_FIELDS})


# -- periods -----------------------------------------------------------------------------------


def _local(day: dt.date, opens: dt.time, closes: dt.time, zone) -> Period:
    end_day = day + DAY if closes == MIDNIGHT else day
    # UTC: aware datetimes sharing one zone compare by wall clock, an hour off across DST.
    return (
        dt.datetime.combine(day, opens, tzinfo=zone).astimezone(UTC),
        dt.datetime.combine(end_day, closes, tzinfo=zone).astimezone(UTC),
    )


@functools.lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str, year: int):
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:  # a country or subdivision the package does not know: no holidays
        return {}


def is_holiday(policy: CallingPolicy, day: dt.date) -> bool:
    return policy.no_calls_on_holidays and day in _holidays(policy.country, policy.subdivision, day.year)


def _policy_periods(policy: CallingPolicy, day: dt.date, zone) -> list[Period] | None:
    """What the policy allows on a local date; None when it sets no hours."""
    if is_holiday(policy, day):
        return []
    hours = list(policy.hours.all())
    if not hours:
        return None
    return sorted(_local(day, h.opens, h.closes, zone) for h in hours if h.weekday == day.weekday())


def intersect(a: list[Period], b: list[Period]) -> list[Period]:
    """Where two sorted lists of periods overlap."""
    result, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def _merged(periods: list[Period]) -> list[Period]:
    """Sorted, with periods that touch joined: a window open until midnight goes on into the next day."""
    merged: list[Period] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _zone_periods(reach: Reach, zone, start: dt.datetime, end: dt.datetime) -> list[Period]:
    queue, periods = reach.queue, []
    day, last = (start.astimezone(zone) - DAY).date(), (end.astimezone(zone) + DAY).date()
    while day <= last:
        allowed = [_local(day, queue.calling_window_start, queue.calling_window_end, zone)]
        for policy in reach.policies:
            if (ranges := _policy_periods(policy, day, zone)) is not None:
                allowed = intersect(allowed, ranges)
        periods += allowed
        day += DAY
    return _merged(periods)


def callable_periods(reach: Reach, start: dt.datetime, end: dt.datetime) -> list[Period]:
    """The UTC periods between ``start`` and ``end`` in which the customer may be called."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    periods = [(start, end)]
    for zone in reach.zones:
        periods = intersect(periods, _zone_periods(reach, zone, start, end))
    return periods


def next_callable(reach: Reach, at: dt.datetime, *, within: dt.timedelta = LOOKAHEAD) -> dt.datetime | None:
    """``at`` when the customer may be called then, else when they next may; None if not within ``within``."""
    periods = callable_periods(reach, at, at + within)
    return periods[0][0] if periods else None


def quiet_until(reach: Reach, at: dt.datetime) -> dt.datetime | None:
    """None when the customer may be called at ``at``; else when they next may (or the end of the look-ahead)."""
    opens = next_callable(reach, at)
    if opens == at.astimezone(UTC):
        return None
    return opens or at + LOOKAHEAD


def is_callable(reach: Reach, at: dt.datetime) -> bool:
    return next_callable(reach, at, within=dt.timedelta(minutes=1)) == at.astimezone(UTC)


def fits(reach: Reach, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the whole of [start, end) is callable: a slot is offered only then."""
    periods = callable_periods(reach, start, end)
    return len(periods) == 1 and periods[0] == (start.astimezone(UTC), end.astimezone(UTC))


# -- in words ---------------------------------------------------------------------------------


def local_time_words(at: dt.datetime, zone, *, now: dt.datetime) -> str:
    """'09:00' today, else 'Tue 09:00', else 'Tue 2 Dec, 09:00', in ``zone``."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.date() - today < dt.timedelta(days=7):
        return f"{local:%a %H:%M}"
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def opens_words(reach: Reach, opens: dt.datetime, *, now: dt.datetime) -> str:
    """What the widget shows while the window is closed."""
    return f"We can call you from {local_time_words(opens, reach.zone, now=now)} your time."


@dataclass(frozen=True)
class Explanation:
    """Today's window in the customer's zone, and which rule set its opening and its close."""

    zone: zoneinfo.ZoneInfo
    periods: list[Period]
    opened_by: str
    closed_by: str

    def __str__(self):
        if not self.periods:
            return f"No calls today in the customer's time ({self.zone.key}): {self.closed_by}."
        spans = ", ".join(
            clock_range(s.astimezone(self.zone).time(), e.astimezone(self.zone).time()) for s, e in self.periods
        )
        if self.opened_by == self.closed_by:
            return f"Today {spans} customer's time ({self.zone.key}), set by {self.opened_by}."
        return (
            f"Today {spans} customer's time ({self.zone.key}); opens per {self.opened_by}, closes per {self.closed_by}."
        )


def _source(reach: Reach, zone, policy: CallingPolicy | None = None) -> str:
    if policy is None:
        window = clock_range(reach.queue.calling_window_start, reach.queue.calling_window_end)
        return f"the queue's calling window {window} ({zone.key})"
    return f"the {policy} calling policy ({zone.key})"


def explain(reach: Reach, *, now: dt.datetime) -> Explanation:
    """Why the customer may be called when they may today: the latest opening and earliest close of every rule."""
    zone = reach.zone
    day = now.astimezone(zone).date()
    start, end = (
        dt.datetime.combine(day, MIDNIGHT, tzinfo=zone).astimezone(UTC),
        dt.datetime.combine(day + DAY, MIDNIGHT, tzinfo=zone).astimezone(UTC),
    )
    periods = callable_periods(reach, start, end)
    # Each rule alone, in each zone: the one opening last and the one closing first set the window.
    rules: list[tuple[str, list[Period]]] = []
    for each in reach.zones:
        only_queue = Reach(reach.queue, (each,))
        rules.append((_source(reach, each), callable_periods(only_queue, start, end)))
        for policy in reach.policies:
            own = _policy_periods(policy, day, each)
            if own is not None:
                holiday = " (a public holiday)" if is_holiday(policy, day) else ""
                rules.append((_source(reach, each, policy) + holiday, intersect([(start, end)], own)))
    if not periods:
        closed = [name for name, own in rules if not own] or [name for name, _ in rules]
        return Explanation(zone, [], "", " and ".join(closed) or "the calling rules")
    opened_by = max(rules, key=lambda rule: rule[1][0][0] if rule[1] else end)[0]
    closed_by = min(rules, key=lambda rule: rule[1][-1][1] if rule[1] else start)[0]
    return Explanation(zone, periods, opened_by, closed_by)
