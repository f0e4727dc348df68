"""Pages benchmark: the staff lists, the worklist and the overview with 1,000 and then 1,000,000 callbacks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callbacks .venv/bin/python bench/pages.py

It works in two databases of its own on that server (``callbacks_bench`` for
1,000 and ``callbacks_bench_large`` for 1,000,000; created and migrated when
missing, emptied at each run), never the one DATABASE_URL names.
Five queues, each in its own zone, twenty agents serving them all. The first
1,000 callbacks are today's: about 200 open (queued, some held for their
customers' hours and some flagged, scheduled, retrying, and ten held by agents)
and the rest finished in the hours before; the next 999,000, written with
set-based SQL shaped like the rows the state machine leaves, are the 90 days
before that, finished (completed, failed, canceled, expired), each with its
created and final events. What is open and what happened today is the same at
both sizes: only the history grows. It times, through Django's test client
with the whole middleware stack, signed in as a supervisor who sees every
queue (the worklist as an agent), the sizes taking turns (a few runs of every
page on one, then the other) so that the rest of the machine's load falls on
both alike:

- the management list, its first page and a filtered one (a queue's completed
  and failed callbacks of the last week), and its open callbacks (the open
  states ticked);
- the staff API list, its first page and the same filtered one;
- the agent's worklist;
- the queue overview, its page and its staff API read.

It passes when each p50 at 1,000,000 is at most 1.5× its own p50 at 1,000.
"""

import argparse
import datetime as dt
import sys
import time

from common import Check, percentile, setup_django, use_bench_database, verdict

FLAT_TARGET = 1.5
TODAY = 1_000  # the callbacks of today, open and finished, at every size
QUEUES = {
    "bench-london": "Europe/London",
    "bench-paris": "Europe/Paris",
    "bench-new-york": "America/New_York",
    "bench-sydney": "Australia/Sydney",
    "bench-tokyo": "Asia/Tokyo",
}
AGENTS = 20

# Every NOT NULL column the model has (Django sets no database defaults). Finished callback i: by i % 100
# completed, failed, canceled or expired; every fifth one booked for an hour after it was asked for.
FINISHED = """
    INSERT INTO callbacks_callback (
        public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, agent_id, desired_time, place_at, expires_at, queued_at, assigned_at,
        started_at, ended_at, dial_timezone, rejections, flagged, created_at, updated_at, state_changed_at,
        token_hash, number_timezone, calling_country, calling_subdivision)
    SELECT gen_random_uuid(), (%(queues)s::bigint[])[1 + i %% 5], '+4420794' || lpad((i %% 100000)::text, 5, '0'),
           'Customer', 'No ' || i, '', '', '{}', '', CASE WHEN i %% 3 = 0 THEN 'api' ELSE 'widget' END, k.state,
           CASE k.state WHEN 'completed' THEN 'connected' WHEN 'failed' THEN 'wrong_number' ELSE '' END,
           CASE WHEN k.dialled THEN 1 ELSE 0 END,
           CASE WHEN k.dialled THEN (%(agents)s::bigint[])[1 + i %% %(agent_count)s] END,
           k.desired, coalesce(k.desired, t.at), coalesce(k.desired, t.at) + interval '1 day', coalesce(k.desired, t.at),
           CASE WHEN k.dialled THEN coalesce(k.desired, t.at) + interval '90 seconds' END,
           CASE WHEN k.dialled THEN coalesce(k.desired, t.at) + interval '110 seconds' END,
           CASE k.state WHEN 'canceled' THEN t.at + interval '2 minutes' WHEN 'expired' THEN t.at + interval '30 minutes'
                        WHEN 'failed' THEN coalesce(k.desired, t.at) + interval '170 seconds'
                        ELSE coalesce(k.desired, t.at) + interval '110 seconds' + (i %% 300) * interval '1 second'
                                                       + interval '2 minutes' END,
           'UTC', 0, false, t.at, t.at, t.at, '', '', '', ''
      FROM generate_series(%(first)s, %(last)s) AS i
      JOIN LATERAL (SELECT %(start)s + (i - %(first)s) * (%(span)s / (%(last)s - %(first)s + 1)) AS at) AS t ON true
      JOIN LATERAL (SELECT s.state, s.state IN ('completed', 'failed') AS dialled,
                           CASE WHEN i %% 5 = 0 THEN t.at + interval '1 hour' END AS desired
                      FROM (SELECT CASE WHEN i %% 100 < 80 THEN 'completed' WHEN i %% 100 < 84 THEN 'failed'
                                        WHEN i %% 100 < 94 THEN 'canceled' ELSE 'expired' END AS state) AS s
                   ) AS k ON true
"""

# Today's open callbacks, by i % 20: queued (every tenth held for the customer's hours, every 25th flagged),
# scheduled for later, retrying; then ten held by agents 2 to 11 (reserved, then on the call).
OPEN = """
    INSERT INTO callbacks_callback (
        public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, agent_id, desired_time, due_at, place_at, expires_at, queued_at,
        assigned_at, reservation_expires_at, hold_until, dial_timezone, rejections, flagged, created_at,
        updated_at, state_changed_at, token_hash, number_timezone, calling_country, calling_subdivision)
    SELECT gen_random_uuid(), (%(queues)s::bigint[])[1 + i %% 5], '+4420795' || lpad(i::text, 5, '0'),
           'Waiting', 'No ' || i, '', '', '{}', '', 'widget', s.state,
           CASE WHEN s.state = 'retry_wait' THEN 'no_answer' ELSE '' END,
           CASE WHEN s.state = 'retry_wait' THEN 1 ELSE 0 END,
           CASE WHEN i > %(waiting)s THEN (%(agents)s::bigint[])[2 + i - %(waiting)s] END,
           CASE WHEN s.state = 'scheduled' THEN %(now)s + (i %% 600) * interval '1 minute' END,
           CASE WHEN s.state = 'scheduled' THEN %(now)s + (i %% 600) * interval '1 minute' - interval '15 minutes'
                WHEN s.state = 'retry_wait' THEN %(now)s + interval '10 minutes' END,
           %(now)s - (i %% 3600) * interval '1 second', %(now)s + interval '1 day',
           CASE WHEN s.state <> 'scheduled' THEN %(now)s - (i %% 3600) * interval '1 second' END,
           CASE WHEN i > %(waiting)s THEN %(now)s - interval '1 minute' END,
           CASE WHEN s.state = 'assigned' THEN %(now)s + interval '1 minute' END,
           CASE WHEN s.state = 'queued' AND i %% 10 = 0 THEN %(now)s + interval '2 hours' END,
           'UTC', 0, s.state = 'queued' AND i %% 25 = 0, %(now)s - (i %% 3600) * interval '1 second',
           %(now)s, %(now)s, '', '', '', ''
      FROM generate_series(1, %(open)s) AS i
      JOIN LATERAL (SELECT CASE WHEN i > %(waiting)s + 5 THEN 'in_progress' WHEN i > %(waiting)s THEN 'assigned'
                                WHEN i %% 20 < 13 THEN 'queued' WHEN i %% 20 < 18 THEN 'scheduled'
                                ELSE 'retry_wait' END AS state) AS s ON true
"""

# Each callback's first event, and a finished one's last: the event log the overview counts today from.
EVENTS = """
    INSERT INTO callbacks_callbackevent (callback_id, type, from_state, to_state, created_at, actor, reason, metadata)
    SELECT c.id, e.type, e.from_state, e.to_state, e.at, e.actor, e.reason, '{}'
      FROM callbacks_callback c
      CROSS JOIN LATERAL (VALUES
        ('created', '', CASE WHEN c.desired_time IS NULL THEN 'queued' ELSE 'scheduled' END, c.created_at,
         'customer', '', true),
        (CASE c.state WHEN 'completed' THEN 'completed' WHEN 'failed' THEN 'failed' WHEN 'canceled' THEN 'canceled'
                      ELSE 'expired' END,
         CASE WHEN c.state IN ('completed', 'failed') THEN 'in_progress' ELSE 'queued' END, c.state, c.ended_at,
         CASE WHEN c.state = 'expired' THEN 'system' ELSE 'agent' END, '', c.ended_at IS NOT NULL)
      ) AS e(type, from_state, to_state, at, actor, reason, happens)
     WHERE c.id > %(after)s AND e.happens
"""

OPEN_COUNT = 200
HELD = 10  # of the open ones, by agents 2 to 11


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", default="1000,1000000", help="callbacks in the table, small,large (default: %(default)s)"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each page per size (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=6, help="turns the sizes take (default: %(default)s)")
    parser.add_argument(
        "--database",
        default="callbacks_bench",
        help="database of the small size; the large one is it with _large after (default: %(default)s)",
    )
    parser.add_argument("--explain", action="store_true", help="print the plan of every statement at each size")
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if len(args.sizes) != 2 or args.sizes[0] < TODAY or args.sizes[1] < args.sizes[0]:
        parser.error(f"--sizes takes two sizes, small then large, each at least {TODAY:,}")
    return args


def use(database: str) -> None:
    """The default connection on ``database`` from its next statement: the sizes take turns on one process."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = database


class Size:
    """One size in its own database: the same queues, agents and staff in each, then its callbacks."""

    def __init__(self, args: argparse.Namespace, database: str, size: int, now: dt.datetime):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db import connection
        from django.test import Client

        from queues.models import Agent, VirtualQueue

        self.args = args
        self.database = database
        self.size = size
        self.now = now
        self.connection = connection
        use(database)
        with connection.cursor() as cursor:
            # Afresh, so both databases give their rows the same ids (any cache keyed by one agrees).
            cursor.execute(
                "TRUNCATE callbacks_callback, queues_agent, queues_virtualqueue, auth_user RESTART IDENTITY CASCADE"
            )
        self.queues = [
            VirtualQueue.objects.create(slug=slug, name=slug, time_zone=zone) for slug, zone in QUEUES.items()
        ]
        users = get_user_model().objects
        self.agents = []
        for n in range(AGENTS):
            user = users.create(username=f"bench-agent-{n}")
            user.groups.add(Group.objects.get(name="Agent"))
            busy = 2 <= n < 2 + HELD
            agent = Agent.objects.create(user=user, status=Agent.Status.BUSY if busy else Agent.Status.AVAILABLE)
            agent.queues.set(self.queues)
            self.agents.append(agent)
        supervisor = users.create(username="bench-supervisor")
        supervisor.groups.add(Group.objects.get(name="Supervisor"))
        # The host the settings allow; the test client's own "testserver" is not among them.
        staff = Client(HTTP_HOST="localhost")
        staff.force_login(supervisor)
        agent = Client(HTTP_HOST="localhost")
        agent.force_login(self.agents[0].user)
        week = (now - dt.timedelta(days=7)).date().isoformat()
        finished = "state=completed&state=failed"
        open_states = "state=scheduled&state=queued&state=assigned&state=in_progress&state=retry_wait"
        self.pages = {
            "manage list": (staff, "/manage/callbacks/"),
            "manage list, filtered": (staff, f"/manage/callbacks/?queue=bench-paris&{finished}&created_from={week}"),
            "manage list, open": (staff, f"/manage/callbacks/?{open_states}"),
            "staff API list": (staff, "/api/v1/callbacks/"),
            "staff API list, filtered": (staff, f"/api/v1/callbacks/?queue=bench-paris&{finished}&created_from={week}"),
            "worklist": (agent, "/agent/"),
            "overview": (staff, "/manage/"),
            "overview API": (staff, "/api/v1/queues/"),
        }
        self.samples: dict[str, list[float]] = {name: [] for name in self.pages}
        self.fill()

    def fill(self) -> None:
        """Today's 1,000; then, beyond them, the history before today up to the size."""
        started = time.perf_counter()
        params = {
            "queues": [queue.pk for queue in self.queues],
            "agents": [agent.pk for agent in self.agents],
            "agent_count": len(self.agents),
            "now": self.now,
        }
        with self.connection.cursor() as cursor:
            # Finished over the eight hours before the last one, then what is open now.
            start = self.now - dt.timedelta(hours=9)
            span = dt.timedelta(hours=8)
            cursor.execute(FINISHED, params | {"first": 1, "last": TODAY - OPEN_COUNT, "start": start, "span": span})
            cursor.execute(OPEN, params | {"open": OPEN_COUNT, "waiting": OPEN_COUNT - HELD})
            if self.size > TODAY:
                # The 90 days before, ending two days ago: no queue's "today" reaches into them.
                start = self.now - dt.timedelta(days=92)
                span = dt.timedelta(days=90)
                cursor.execute(FINISHED, params | {"first": TODAY + 1, "last": self.size, "start": start, "span": span})
            cursor.execute(EVENTS, {"after": 0})
            cursor.execute("VACUUM ANALYZE callbacks_callback")
            cursor.execute("VACUUM ANALYZE callbacks_callbackevent")
            cursor.execute("SELECT count(*) FROM callbacks_callback")
            [count] = cursor.fetchone()
        assert count == self.size, (count, self.size)
        print(f"{self.database}: {self.size:,} callbacks, vacuumed, in {time.perf_counter() - started:.1f} s")

    def get(self, client, url: str):
        response = client.get(url, secure=True)  # as served: over HTTPS, which the settings redirect to
        assert response.status_code == 200, (url, response.status_code)
        return response

    def statements(self) -> dict[str, int]:
        from django.test.utils import CaptureQueriesContext

        use(self.database)
        counts = {}
        for name, (client, url) in self.pages.items():
            with CaptureQueriesContext(self.connection) as captured:
                self.get(client, url)
            counts[name] = len(captured.captured_queries)
            if self.args.explain:
                print(f"  {self.size:,}: {url}")
                for query in captured.captured_queries:
                    if query["sql"].startswith("SELECT"):
                        with self.connection.cursor() as cursor:
                            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query["sql"])
                            print("\n".join(f"    {line}" for (line,) in cursor.fetchall()))
        return counts

    def turn(self, runs: int) -> None:
        """``runs`` timed requests of every page, after an untimed one of each on the fresh connection."""
        use(self.database)
        for name, (client, url) in self.pages.items():
            self.get(client, url)
            for _ in range(runs):
                started = time.perf_counter()
                self.get(client, url)
                self.samples[name].append((time.perf_counter() - started) * 1000)

    def p50(self, name: str) -> float:
        return percentile(sorted(self.samples[name]), 0.5)


def report(small: Size, large: Size, statements: dict) -> int:
    print()
    print(f"{'page':<26} | {f'{small.size:,} p50':>12} | {f'{large.size:,} p50':>14} | statements")
    for name in small.pages:
        print(
            f"{name:<26} | {small.p50(name):>9.1f} ms | {large.p50(name):>11.1f} ms | "
            f"{statements[small.size][name]} / {statements[large.size][name]}"
        )
    return verdict(
        "pages",
        [
            Check(
                f"{name} p50 at {large.size:,} vs {small.size:,}",
                f"{large.p50(name):.1f} ms",
                f"{small.p50(name):.1f} ms",
                large.p50(name) / small.p50(name),
                FLAT_TARGET,
                at_most=True,
            )
            for name in small.pages
        ],
    )


def main() -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone

    args = parse_args()
    small_db, large_db = args.database, f"{args.database}_large"
    use_bench_database(large_db)
    use_bench_database(small_db)  # the one Django starts on
    setup_django()
    use(large_db)
    call_command("migrate", verbosity=0)
    # Pages link their static files; nothing is collected for a bench, so plain names, as the test suite has.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    now = timezone.now()
    small, large = Size(args, small_db, args.sizes[0], now), Size(args, large_db, args.sizes[1], now)
    statements = {size.size: size.statements() for size in (small, large)}
    per_turn = max(1, args.runs // args.rounds)
    print(f"databases {small_db}, {large_db}; {args.rounds} turns each of {per_turn} timed runs of every page")
    # The sizes take turns, so whatever else the machine does meanwhile falls on both alike.
    for _ in range(args.rounds):
        for size in (small, large):
            size.turn(per_turn)
    return report(small, large, statements)


if __name__ == "__main__":
    sys.exit(main())
