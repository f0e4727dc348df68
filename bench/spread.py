"""Desired versus dial time of scheduled callbacks over a simulated working day, with and without early release.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callbacks .venv/bin/python bench/spread.py

Works in the benchmark database (``callbacks_bench``) like bench/claim.py, through
the real services: one queue, agents who talk 3 to 7 minutes a call, immediate
callbacks arriving at random at ``--load`` of what the agents can take, and a
scheduled callback booked the day before for every quarter hour; the release
beat runs every 15 simulated seconds and a free agent claims at once. The same
day runs twice: with the queue's early-release cap, and with 0 (released
exactly at the desired time). Dial time here is the claim; the agent starts
dialling in the same tick.
"""

import argparse
import datetime as dt
import random
import sys
import time

from common import percentile, setup_django, use_bench_database

TICK = dt.timedelta(seconds=15)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=4, help="agents (default: %(default)s)")
    parser.add_argument("--hours", type=int, default=8, help="length of the day (default: %(default)s)")
    parser.add_argument(
        "--load",
        type=float,
        default=0.8,
        help="immediate callbacks as a share of what the agents can take (default: %(default)s)",
    )
    parser.add_argument("--cap", type=int, default=15, help="early-release cap, minutes (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="callbacks_bench", help="database to work in (default: %(default)s)")
    return parser.parse_args()


def simulate_day(args: argparse.Namespace, *, cap_minutes: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from workday import work_tick

    from callbacks import lifecycle
    from callbacks.models import Callback
    from queues.models import Agent, VirtualQueue

    # Apart, so both days see the same arrivals whatever order the calls are taken in.
    arrivals, talks = random.Random(args.seed), random.Random(args.seed + 1)
    # The day ends an hour ago: the estimated wait reads handle times of the last 24 hours of the real clock.
    start = (timezone.now() - dt.timedelta(hours=args.hours + 1)).replace(minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(hours=args.hours)
    connection.cursor().execute("TRUNCATE callbacks_callback CASCADE")
    queue, _ = VirtualQueue.objects.update_or_create(
        slug="bench-spread",
        defaults={
            "name": "Bench spread",
            "early_release_cap_minutes": cap_minutes,
            "calling_window_start": dt.time(0),
            "calling_window_end": dt.time(0),
        },
    )
    agents = []
    for n in range(args.agents):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-spread-{n}")
        agent, _ = Agent.objects.update_or_create(user=user, defaults={"status": Agent.Status.AVAILABLE})
        agent.queues.set([queue])
        agents.append(agent)

    def book(n: int, *, at: dt.datetime, desired: dt.datetime | None = None) -> Callback:
        callback = Callback(queue=queue, phone_number=f"+4420794{n:05d}", dial_timezone="UTC", desired_time=desired)
        lifecycle.create(callback, actor=lifecycle.Actor.CUSTOMER, now=at)
        return callback

    quarter = dt.timedelta(minutes=15)
    desired = {
        book(n, at=start - dt.timedelta(days=1), desired=start + 2 * quarter + n * quarter).pk: start
        + 2 * quarter
        + n * quarter
        for n in range(args.hours * 4 - 3)
    }
    mean_talk = 300
    arrivals_per_second = args.load * args.agents / mean_talk
    next_arrival = start + dt.timedelta(seconds=arrivals.expovariate(arrivals_per_second))
    asked, waits, spread, talking = {}, [], [], {}
    now, n = start, len(desired)
    while now < end:
        while next_arrival <= now:
            n += 1
            asked[book(n, at=next_arrival).pk] = next_arrival
            next_arrival += dt.timedelta(seconds=arrivals.expovariate(arrivals_per_second))
        for callback in work_tick(
            agents=agents, talking=talking, now=now, talk_for=lambda: dt.timedelta(seconds=talks.uniform(180, 420))
        ):
            if callback.pk in desired:
                spread.append((now - desired[callback.pk]).total_seconds())
            else:
                waits.append((now - asked[callback.pk]).total_seconds())
        now += TICK
    return {
        "cap": cap_minutes,
        "spread": sorted(spread),
        "scheduled": len(desired),
        "waits": sorted(waits),
        "immediate": len(asked),
    }


def describe(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"mean {sum(values) / len(values):+6.0f} s, p50 {percentile(values, 0.5):+6.0f} s, "
        f"p99 {percentile(values, 0.99):+6.0f} s, from {values[0]:+.0f} to {values[-1]:+.0f} s"
    )


def main() -> int:
    args = parse_args()
    use_bench_database(args.database)
    setup_django()
    print(
        f"{args.hours} h, {args.agents} agents talking 3–7 min, immediate callbacks at {args.load:.0%} of capacity, "
        f"a scheduled callback every quarter hour; release beat every {TICK.seconds} s"
    )
    for cap in (args.cap, 0):
        started = time.perf_counter()
        day = simulate_day(args, cap_minutes=cap)
        label = f"early release, cap {cap} min" if cap else "released at the desired time"
        print(f"\n{label} ({time.perf_counter() - started:.0f} s to simulate)")
        print(
            f"  scheduled, dial − desired: {describe(day['spread'])}  "
            f"({len(day['spread'])} of {day['scheduled']} dialled)"
        )
        print(
            f"  immediate, dial − asked:   {describe(day['waits'])}  "
            f"({len(day['waits'])} of {day['immediate']} dialled)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
