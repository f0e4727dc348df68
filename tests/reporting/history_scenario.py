"""A week of one Paris queue's callbacks, for the report page's tests: built through the real services.

Each local day from 24 to 30 November 2026 (the week before the suite's instant, 1 December):
one to three immediate callbacks connected after a few minutes, a scheduled one dialled a day's
number of minutes late, a wrong number on even days, a customer's cancel every third day, a
booking the rules refuse, and two widget page views (one books, one leaves after opening).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from callbacks.models import Outcome
from tests.factories import WidgetFactory

from .factories import Desk, report_queue

PARIS = ZoneInfo("Europe/Paris")
DAYS = [dt.date(2026, 11, 24) + dt.timedelta(days=n) for n in range(7)]
MIN = dt.timedelta(minutes=1)


def local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS).astimezone(dt.UTC)


def a_week_in_paris(slug: str = "paris", name: str = "Paris support") -> Desk:
    desk = Desk(report_queue(slug=slug, name=name, time_zone="Europe/Paris"))
    widget = WidgetFactory(public_key=f"{slug}-shop", queue=desk.queue)
    for n, day in enumerate(DAYS):
        for k in range(1 + n % 3):
            asked = local(day, 9) + 20 * k * MIN
            desk.call(desk.book(asked), asked + (2 + n + 3 * k) * MIN, asked + (8 + n + 3 * k) * MIN)
        desired = local(day, 14)
        scheduled = desk.book(local(day, 10), desired=desired)
        desk.release_due(desired)
        desk.call(scheduled, desired + n * MIN, desired + (n + 6) * MIN)
        if n % 2 == 0:
            desk.call(desk.book(local(day, 15)), local(day, 15) + MIN, local(day, 15) + 2 * MIN, Outcome.WRONG_NUMBER)
        if n % 3 == 1:
            desk.cancel(desk.book(local(day, 16)), local(day, 16) + 5 * MIN)
        desk.refused(local(day, 17))
        desk.widget_view(widget, f"{slug}-{n}-booked", local(day, 11), "opened", "submitted", "scheduled")
        desk.widget_view(widget, f"{slug}-{n}-left", local(day, 12), "opened")
    return desk


# What the week adds up to, for the tests' expectations.
IMMEDIATE_COMPLETED = sum(1 + n % 3 for n in range(7))  # 13
OFFERED = IMMEDIATE_COMPLETED + 7 + 4 + 2  # immediate, scheduled, wrong numbers, canceled: 26
COMPLETED = IMMEDIATE_COMPLETED + 7  # 20
