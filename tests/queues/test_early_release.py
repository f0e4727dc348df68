"""On time, not late: a scheduled callback is dialled around its desired time, even behind a busy line.

A simulated stretch of a working day: immediate callbacks keep arriving, two
agents claim and talk five minutes each, and the release beat runs every 15 s;
we measure when each scheduled callback is claimed against its desired time.
"""

import datetime as dt

import pytest

from bench.workday import work_tick
from tests.factories import AgentFactory, CallbackFactory, QueueFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # a Monday; 13:00 for the factory's London numbers
TICK = dt.timedelta(seconds=15)  # the release beat
HANDLE = dt.timedelta(minutes=5)
AGENTS = 2


def run_day(
    *, cap_minutes: int, backlog: int, arrival_every: dt.timedelta, desired: list[dt.datetime], until: dt.datetime
) -> dict[dt.datetime, dt.timedelta]:
    """Claim time minus desired time for each scheduled callback, by desired time."""
    queue = QueueFactory(early_release_cap_minutes=cap_minutes)
    agents = [AgentFactory() for _ in range(AGENTS)]
    for agent in agents:
        agent.queues.add(queue)
    scheduled = {
        CallbackFactory(queue=queue, desired_time=at, now=START - dt.timedelta(days=1)).pk: at for at in desired
    }
    for i in range(backlog):
        CallbackFactory(queue=queue, now=START - (backlog - i) * dt.timedelta(minutes=1))
    talking = {}  # agent -> (callback, when the call ends)
    spread = {}
    next_arrival, now = START, START
    while now <= until:
        while next_arrival <= now:
            CallbackFactory(queue=queue, now=next_arrival)
            next_arrival += arrival_every
        for callback in work_tick(agents=agents, talking=talking, now=now, talk_for=lambda: HANDLE):
            if callback.pk in scheduled:
                spread[scheduled[callback.pk]] = now - scheduled[callback.pk]
        now += TICK
    assert set(spread) == set(desired), "every scheduled callback was dialled"
    return spread


# A line four deep with two agents talking five minutes each: a customer asking
# now waits ceil(5 / 2) × 5 = 15 minutes, and as many arrive as the agents serve.
BUSY = {"backlog": 4, "arrival_every": dt.timedelta(seconds=150)}
DESIRED = [START + dt.timedelta(minutes=minutes) for minutes in (20, 35, 50, 65)]


@pytest.fixture(autouse=True)
def _handle_time(settings):
    settings.CALLBACK_DEFAULT_HANDLE_SECONDS = HANDLE.total_seconds()


def test_behind_a_busy_line_a_scheduled_callback_is_dialled_close_to_its_desired_time():
    spread = run_day(cap_minutes=15, desired=DESIRED, until=START + dt.timedelta(minutes=90), **BUSY)

    for desired, off in spread.items():
        # Within one call of the time the customer chose, either way, not one wait (15 minutes) after it.
        assert abs(off) <= HANDLE, f"{desired:%H:%M} dialled {off} off"


def test_released_only_on_time_it_would_wait_the_whole_line():
    """The contrast: without the head start the customer waits behind everyone who asked before their time."""
    spread = run_day(cap_minutes=0, desired=DESIRED, until=START + dt.timedelta(minutes=120), **BUSY)

    assert min(spread.values()) >= dt.timedelta(minutes=10)


def test_with_free_agents_it_is_not_dialled_more_than_one_call_early():
    spread = run_day(
        cap_minutes=15,
        backlog=0,
        arrival_every=dt.timedelta(hours=1),
        desired=DESIRED,
        until=START + dt.timedelta(minutes=70),
    )

    assert all(-HANDLE <= off <= TICK for off in spread.values()), spread
