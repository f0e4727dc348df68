"""Reports benchmark: the 90-day report from the roll-ups and the live dashboard, beside a bare GROUP BY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callbacks .venv/bin/python bench/reports.py

It works in its own database on that server (``callbacks_bench``; created and
migrated when missing, emptied at each run), never the one DATABASE_URL names.
It writes, with set-based SQL shaped like the rows the state machine writes,
about 1,000,000 events of finished callbacks over the 90 days before today in 5
queues (each in its own zone), rolls those days up with the roll-up service,
then times, in the same run:

- the 90-day report of every queue, by day (``reporting.history.report_build``);
- the bare ``GROUP BY`` of the same events by queue, local day, type and state;
- the live dashboard (``reporting.live``) with 1,000 and then 100,000 callbacks open.

It passes when the 90-day report takes at most 0.1× the bare ``GROUP BY`` (p50),
and the live dashboard's p50 with 100,000 open is at most 2× its p50 with 1,000.
"""

import argparse
import datetime as dt
import sys
import time

from common import Check, setup_django, timed, use_bench_database, verdict

QUEUES = {
    "bench-london": "Europe/London",
    "bench-paris": "Europe/Paris",
    "bench-new-york": "America/New_York",
    "bench-sydney": "Australia/Sydney",
    "bench-tokyo": "Asia/Tokyo",
}
DAYS = 90
REPORT_TARGET = 0.1
LIVE_TARGET = 2.0

# What becomes of callback i, by i % 100: most connected at once, some scheduled, retried, failed,
# canceled or expired. Events per callback: 4, 5, 8, 4, 2, 2 — about 4.2 on average.
PLAN = """
    CREATE UNLOGGED TABLE bench_plan AS
    SELECT i AS id,
           q.id AS queue_id,
           CASE WHEN i %% 100 < 70 THEN 'now' WHEN i %% 100 < 80 THEN 'scheduled' WHEN i %% 100 < 88 THEN 'retried'
                WHEN i %% 100 < 91 THEN 'failed' WHEN i %% 100 < 96 THEN 'canceled' ELSE 'expired' END AS kind,
           %(start)s + (i - 1) * (%(span)s / %(count)s) AS created_at,
           (i %% 600) * interval '1 second' + interval '30 seconds' AS wait,
           ((i %% 11) - 3) * interval '1 minute' AS offset_,
           (i %% 300) * interval '1 second' + interval '4 minutes' AS talk,
           a.id AS agent_id
      FROM generate_series(1, %(count)s) AS i
      JOIN LATERAL (SELECT id FROM queues_virtualqueue WHERE slug LIKE 'bench-%%'
                     ORDER BY id OFFSET i %% 5 LIMIT 1) AS q ON true
      JOIN LATERAL (SELECT id FROM queues_agent ORDER BY id OFFSET i %% %(agents)s LIMIT 1) AS a ON true
"""

# The moments each plan step happens, as the lifecycle would write them.
TIMES = """
    CREATE UNLOGGED TABLE bench_times AS
    SELECT p.*,
           CASE WHEN kind = 'scheduled' THEN created_at + interval '1 hour' END AS desired_time,
           CASE WHEN kind = 'scheduled' THEN created_at + interval '1 hour' + offset_ - interval '30 seconds'
                ELSE created_at + wait END AS assigned_at,
           CASE WHEN kind = 'scheduled' THEN created_at + interval '1 hour' + offset_
                ELSE created_at + wait + interval '20 seconds' END AS started_at
      FROM bench_plan p
"""

CALLBACKS = """
    INSERT INTO callbacks_callback (
        id, public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, agent_id, desired_time, place_at, expires_at, queued_at, assigned_at,
        started_at, ended_at, dial_timezone, rejections, flagged, created_at, updated_at, state_changed_at,
        token_hash, number_timezone, calling_country, calling_subdivision)
    SELECT id, gen_random_uuid(), queue_id, '+4420794' || lpad((id % 100000)::text, 5, '0'), '', '', '', '',
           '{}', '', CASE WHEN id % 3 = 0 THEN 'api' ELSE 'widget' END,
           CASE kind WHEN 'failed' THEN 'failed' WHEN 'canceled' THEN 'canceled' WHEN 'expired' THEN 'expired'
                     ELSE 'completed' END,
           CASE kind WHEN 'failed' THEN 'wrong_number' WHEN 'canceled' THEN '' WHEN 'expired' THEN ''
                     ELSE 'connected' END,
           CASE kind WHEN 'retried' THEN 2 WHEN 'canceled' THEN 0 WHEN 'expired' THEN 0 ELSE 1 END,
           CASE WHEN kind IN ('canceled', 'expired') THEN NULL ELSE agent_id END,
           desired_time, coalesce(desired_time, created_at), coalesce(desired_time, created_at) + interval '1 day',
           CASE WHEN kind = 'scheduled' THEN desired_time ELSE created_at END,
           CASE WHEN kind IN ('canceled', 'expired') THEN NULL ELSE assigned_at END,
           CASE WHEN kind IN ('canceled', 'expired') THEN NULL
                WHEN kind = 'retried' THEN started_at + interval '15 minutes' ELSE started_at END,
           CASE kind WHEN 'canceled' THEN created_at + interval '2 minutes'
                     WHEN 'expired' THEN created_at + interval '1 day'
                     WHEN 'failed' THEN started_at + interval '1 minute'
                     WHEN 'retried' THEN started_at + interval '15 minutes' + talk
                     ELSE started_at + talk END,
           'UTC', 0, false, created_at, created_at, created_at, '', '', '', ''
      FROM bench_times
"""

# One row per event: (callback, type, from, to, time, actor, reason, attempt) for each kind's path.
EVENTS = """
    INSERT INTO callbacks_callbackevent (callback_id, type, from_state, to_state, created_at, actor, reason, metadata)
    SELECT t.id, e.type, e.from_state, e.to_state, e.at, e.actor, e.reason,
           jsonb_build_object('attempt', e.attempt, 'seconds_since_created',
                              extract(epoch FROM e.at - t.created_at)::int)
           || CASE WHEN e.type = 'created' THEN jsonb_build_object(
                       'channel', CASE WHEN t.id % 3 = 0 THEN 'api' ELSE 'widget' END,
                       'scheduled', t.kind = 'scheduled')
                   WHEN e.type = 'assigned' THEN jsonb_build_object('agent_id', t.agent_id)
                   ELSE '{}'::jsonb END
      FROM bench_times t
      CROSS JOIN LATERAL (VALUES
        ('created', '', CASE WHEN t.kind = 'scheduled' THEN 'scheduled' ELSE 'queued' END, t.created_at,
         'customer', '', 0, true),
        ('released', 'scheduled', 'queued', t.desired_time - interval '2 minutes', 'system', 'due', 0,
         t.kind = 'scheduled'),
        ('canceled', 'queued', 'canceled', t.created_at + interval '2 minutes', 'customer', 'customer_request', 0,
         t.kind = 'canceled'),
        ('expired', 'queued', 'expired', t.created_at + interval '1 day', 'system', 'max_wait_exceeded', 0,
         t.kind = 'expired'),
        ('assigned', 'queued', 'assigned', t.assigned_at, 'agent', 'claimed', 0,
         t.kind NOT IN ('canceled', 'expired')),
        ('started', 'assigned', 'in_progress', t.started_at, 'agent', '', 1, t.kind NOT IN ('canceled', 'expired')),
        ('retry_scheduled', 'in_progress', 'retry_wait', t.started_at + interval '1 minute', 'agent', 'no_answer', 1,
         t.kind = 'retried'),
        ('released', 'retry_wait', 'queued', t.started_at + interval '11 minutes', 'system', 'due', 1,
         t.kind = 'retried'),
        ('assigned', 'queued', 'assigned', t.started_at + interval '14 minutes', 'agent', 'claimed', 1,
         t.kind = 'retried'),
        ('started', 'assigned', 'in_progress', t.started_at + interval '15 minutes', 'agent', '', 2,
         t.kind = 'retried'),
        ('completed', 'in_progress', 'completed', t.started_at + interval '15 minutes' + t.talk, 'agent', '', 2,
         t.kind = 'retried'),
        ('completed', 'in_progress', 'completed', t.started_at + t.talk, 'agent', '', 1,
         t.kind IN ('now', 'scheduled')),
        ('failed', 'in_progress', 'failed', t.started_at + interval '1 minute', 'agent', 'wrong_number', 1,
         t.kind = 'failed')
      ) AS e(type, from_state, to_state, at, actor, reason, attempt, happens)
     WHERE e.happens
     ORDER BY e.at
"""

ATTEMPTS = """
    INSERT INTO callbacks_attempt (callback_id, number, agent_id, started_at, ended_at, outcome, notes)
    SELECT id, 1, agent_id, started_at,
           started_at + CASE WHEN kind IN ('now', 'scheduled') THEN talk ELSE interval '1 minute' END,
           CASE kind WHEN 'retried' THEN 'no_answer' WHEN 'failed' THEN 'wrong_number' ELSE 'connected' END, ''
      FROM bench_times WHERE kind NOT IN ('canceled', 'expired')
    UNION ALL
    SELECT id, 2, agent_id, started_at + interval '15 minutes', started_at + interval '15 minutes' + talk,
           'connected', ''
      FROM bench_times WHERE kind = 'retried'
"""

# Open callbacks for the live dashboard, waiting in line or scheduled for later today.
OPEN = """
    INSERT INTO callbacks_callback (
        public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, desired_time, due_at, place_at, expires_at, queued_at, dial_timezone,
        rejections, flagged, created_at, updated_at, state_changed_at, token_hash, number_timezone,
        calling_country, calling_subdivision)
    SELECT gen_random_uuid(), q.id, '+4420794' || lpad((i %% 100000)::text, 5, '0'), '', '', '', '', '{}', '',
           'widget', CASE WHEN i %% 4 = 0 THEN 'scheduled' ELSE 'queued' END, '', 0,
           CASE WHEN i %% 4 = 0 THEN %(now)s + (i %% 600) * interval '1 minute' END,
           CASE WHEN i %% 4 = 0 THEN %(now)s + (i %% 600) * interval '1 minute' END,
           %(now)s - (i %% 3600) * interval '1 second', %(now)s + interval '1 day',
           CASE WHEN i %% 4 = 0 THEN NULL ELSE %(now)s - (i %% 3600) * interval '1 second' END, 'UTC',
           0, false, %(now)s - (i %% 3600) * interval '1 second', %(now)s, %(now)s, '', '', '', ''
      FROM generate_series(1, %(count)s) AS i
      JOIN LATERAL (SELECT id FROM queues_virtualqueue WHERE slug LIKE 'bench-%%'
                     ORDER BY id OFFSET i %% 5 LIMIT 1) AS q ON true
"""

# The bare baseline: every event of the 90 days counted by queue, the queue's local day, type and state.
BARE_GROUP_BY = """
    SELECT c.queue_id, (e.created_at AT TIME ZONE q.time_zone)::date AS day, e.type, e.to_state, count(*)
      FROM callbacks_callbackevent e
      JOIN callbacks_callback c ON c.id = e.callback_id
      JOIN queues_virtualqueue q ON q.id = c.queue_id
     WHERE e.created_at >= %(start)s AND e.created_at < %(end)s
     GROUP BY 1, 2, 3, 4
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="about this many events (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each read (default: %(default)s)")
    parser.add_argument(
        "--open",
        default="1000,100000",
        help="open callbacks for the live dashboard, small,large (default: %(default)s)",
    )
    parser.add_argument("--database", default="callbacks_bench", help="database to work in (default: %(default)s)")
    args = parser.parse_args()
    args.open = [int(size) for size in args.open.split(",")]
    return args


class Bench:
    def __init__(self, args: argparse.Namespace):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.utils import timezone

        from queues.models import Agent, VirtualQueue

        self.args = args
        self.connection = connection
        self.now = timezone.now()
        self.today = self.now.date()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE callbacks_callback, reporting_rollup RESTART IDENTITY CASCADE")
            cursor.execute("DROP TABLE IF EXISTS bench_plan, bench_times")
        self.queues = [
            VirtualQueue.objects.update_or_create(slug=slug, defaults={"name": slug, "time_zone": zone})[0]
            for slug, zone in QUEUES.items()
        ]
        self.agents = []
        for n in range(20):
            user, _ = get_user_model().objects.get_or_create(username=f"bench-agent-{n}")
            agent, _ = Agent.objects.get_or_create(user=user)
            agent.queues.set(self.queues)
            self.agents.append(agent)
        # A manager who sees every queue: the dashboard is read as they would read it.
        self.user, _ = get_user_model().objects.get_or_create(username="bench-manager", defaults={"is_superuser": True})

    def fill_history(self) -> None:
        started = time.perf_counter()
        count = round(self.args.events / 4.22)
        # The 90 finished local days before today in every queue's zone, and a day's margin each side.
        first = dt.datetime.combine(self.today - dt.timedelta(days=DAYS), dt.time(), tzinfo=dt.UTC)
        span = dt.timedelta(days=DAYS - 1)
        with self.connection.cursor() as cursor:
            cursor.execute(PLAN, {"start": first, "span": span, "count": count, "agents": len(self.agents)})
            cursor.execute(TIMES)
            cursor.execute(CALLBACKS)
            cursor.execute(EVENTS)
            cursor.execute(ATTEMPTS)
            cursor.execute("SELECT setval(pg_get_serial_sequence('callbacks_callback', 'id'), %s)", [count])
            cursor.execute("DROP TABLE bench_plan, bench_times")
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT count(*) FROM callbacks_callbackevent")
            [self.events] = cursor.fetchone()
        print(f"history: {count:,} callbacks, {self.events:,} events in {time.perf_counter() - started:.1f} s")

    def roll_up(self) -> None:
        from reporting.rollups import rollups_write_due

        started = time.perf_counter()
        rolled = rollups_write_due(now=self.now)
        print(f"roll-up: {len(rolled)} queue-days in {time.perf_counter() - started:.1f} s")

    def report(self) -> dict:
        from reporting.history import report_build

        start, end = self.today - dt.timedelta(days=DAYS), self.today - dt.timedelta(days=1)
        result = timed(
            lambda: report_build(queues=self.queues, start=start, end=end, by="day", now=self.now), self.args.runs
        )
        bounds = {
            "start": dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1),
            "end": dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=2),
        }

        def bare():
            with self.connection.cursor() as cursor:
                cursor.execute(BARE_GROUP_BY, bounds)
                cursor.fetchall()

        return {"ours": result, "bare": timed(bare, self.args.runs)}

    def live(self) -> dict:
        from reporting.live import live_figures

        results = {}
        opened = 0
        for size in self.args.open:
            with self.connection.cursor() as cursor:
                cursor.execute(OPEN, {"now": self.now, "count": size - opened})
                cursor.execute("VACUUM ANALYZE callbacks_callback")
            opened = size
            results[size] = timed(lambda: live_figures(self.user, now=self.now), self.args.runs)
            print(f"  live with {size:,} open: p50 {results[size]['p50']:.1f} ms")
        return results


def report(reports: dict, live: dict) -> int:
    ours, bare = reports["ours"], reports["bare"]
    ratio = ours["p50"] / bare["p50"]
    print()
    print(f"{'read':<44} | {'p50':>9} | {'p99':>9}")
    print(f"{'90-day report, 5 queues by day (roll-ups)':<44} | {ours['p50']:>6.1f} ms | {ours['p99']:>6.1f} ms")
    print(f"{'bare GROUP BY over the same events':<44} | {bare['p50']:>6.1f} ms | {bare['p99']:>6.1f} ms")
    for size, figures in live.items():
        print(f"{f'live dashboard, {size:,} open':<44} | {figures['p50']:>6.1f} ms | {figures['p99']:>6.1f} ms")
    small, large = min(live), max(live)
    return verdict(
        "reports",
        [
            Check(
                "90-day report vs bare GROUP BY, p50",
                f"{ours['p50']:.1f} ms",
                f"{bare['p50']:.1f} ms",
                ratio,
                REPORT_TARGET,
                at_most=True,
            ),
            Check(
                f"live p50 at {large:,} vs {small:,} open",
                f"{live[large]['p50']:.1f} ms",
                f"{live[small]['p50']:.1f} ms",
                live[large]["p50"] / live[small]["p50"],
                LIVE_TARGET,
                at_most=True,
            ),
        ],
    )


def main() -> int:
    args = parse_args()
    use_bench_database(args.database)
    setup_django()
    bench = Bench(args)
    print(f"PostgreSQL database {args.database}; {args.runs} timed runs of each read after one untimed")
    bench.fill_history()
    bench.roll_up()
    reports = bench.report()
    live = bench.live()
    return report(reports, live)


if __name__ == "__main__":
    sys.exit(main())
