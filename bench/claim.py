"""Claim-next benchmark: our service beside a bare SKIP LOCKED UPDATE, on the same PostgreSQL table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callbacks .venv/bin/python bench/claim.py

It works in its own database on that server (``callbacks_bench``; created and
migrated when missing, emptied at each run), never the one DATABASE_URL names.
For each size it keeps exactly N callbacks queued in one queue with required
skills, beside a history of finished ones (the agent's own among them), and
times, one after the other on one connection:

- ours: ``callbacks.claim.callback_claim_next`` for a real agent with skills;
- bare: ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)``.

After each claim, untimed, the claimed row goes back to the end of the line and
the agent back to available, so the line stays N long and both claims always
take the head of the same index.

It passes when ours keeps at least 0.3× the bare update's rate at every size,
and is flat: its median at 1,000,000 queued at most 1.5× its median at 1,000.
"""

import argparse
import datetime as dt
import sys
import time

from common import Check, percentile, setup_django, use_bench_database, verdict

BARE_CLAIM = """
    UPDATE callbacks_callback
       SET state = 'assigned', agent_id = %(agent)s, assigned_at = now(), state_changed_at = now(),
           updated_at = now(), reservation_expires_at = now() + interval '60 seconds'
     WHERE id = (SELECT id FROM callbacks_callback
                  WHERE queue_id = %(queue)s AND state = 'queued'
                  ORDER BY place_at, id
                  FOR UPDATE SKIP LOCKED LIMIT 1)
 RETURNING id
"""

# Every NOT NULL column the model has; Django sets no database defaults.
FILL = """
    INSERT INTO callbacks_callback (
        public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, agent_id, place_at, expires_at, queued_at, ended_at, dial_timezone,
        rejections, flagged, created_at, updated_at, state_changed_at, token_hash,
        number_timezone, calling_country, calling_subdivision)
    SELECT gen_random_uuid(), %(queue)s, '+4420794' || lpad((i %% 100000)::text, 5, '0'), 'Ada', 'Lovelace', '',
           '', '{}', '', 'api', %(state)s, %(outcome)s, %(attempts)s, %(agent)s,
           %(start)s + i * interval '1 millisecond', %(expires)s, %(start)s, %(ended)s, 'UTC',
           0, false, %(start)s, %(start)s, %(start)s, '', '', '', ''
      FROM generate_series(1, %(count)s) AS i
"""

# Ours beside the bare update, from the same run: at least this share of its rate at every size, and
# flat, its median at the largest size at most this many times its median at the smallest.
RATE_TARGET = 0.3
FLAT_TARGET = 1.5

# About a year of one agent's calls: what the claim's "what do they hold now" must not read through.
AGENT_HISTORY = 20_000

RECYCLE = """
    UPDATE callbacks_callback SET state = 'queued', agent_id = NULL, assigned_at = NULL,
           reservation_expires_at = NULL, place_at = %(place_at)s
     WHERE id = %(id)s
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        default="1000,100000,1000000",
        help="queued callbacks, comma-separated, ascending (default: %(default)s)",
    )
    parser.add_argument("--claims", type=int, default=2000, help="claims timed per size and way (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed claims first (default: %(default)s)")
    parser.add_argument(
        "--finished",
        type=int,
        default=1_000_000,
        help=f"finished callbacks in the same queue, {AGENT_HISTORY:,} of them the agent's (default: %(default)s)",
    )
    parser.add_argument("--database", default="callbacks_bench", help="database to work in (default: %(default)s)")
    parser.add_argument("--profile", action="store_true", help="print the SQL of one claim of ours at each size")
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if args.sizes != sorted(args.sizes):
        parser.error("--sizes must be ascending: the line only grows between sizes")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.utils import timezone

        from callbacks.models import Callback
        from queues.models import Agent, AgentSkill, QueueSkill, Skill, VirtualQueue

        self.args = args
        self.connection = connection
        self.now = timezone.now()
        # The line starts two days ago, a millisecond apart; requeued rows go to its end.
        self.tail = self.now - dt.timedelta(days=2)
        self.queued = 0

        connection.cursor().execute("TRUNCATE callbacks_callback CASCADE")
        french, billing, german = (
            Skill.objects.get_or_create(name=f"bench {name}")[0] for name in ("French", "Billing", "German")
        )
        # Open around the clock and calling all day, so the figures do not depend on when it runs;
        # the quiet-hours check still runs on every claim.
        self.queue, _ = VirtualQueue.objects.update_or_create(
            slug="bench",
            defaults={
                "name": "Bench",
                "priority": 5,
                "calling_window_start": dt.time(0),
                "calling_window_end": dt.time(0),
                "max_wait_minutes": 60 * 24 * 30,
            },
        )
        # Served but lacking a skill: the routing filter must leave it out.
        other, _ = VirtualQueue.objects.update_or_create(
            slug="bench-german", defaults={"name": "Bench German", "priority": 9}
        )
        for queue, skill, level in ((self.queue, french, 3), (self.queue, billing, 1), (other, german, 5)):
            QueueSkill.objects.update_or_create(queue=queue, skill=skill, defaults={"min_level": level})
        user, _ = get_user_model().objects.get_or_create(username="bench-agent")
        self.agent, _ = Agent.objects.get_or_create(user=user)
        for skill, level in ((french, 7), (billing, 2)):
            AgentSkill.objects.update_or_create(agent=self.agent, skill=skill, defaults={"level": level})
        self.agent.queues.set([self.queue, other])
        Agent.objects.filter(pk=self.agent.pk).update(status=Agent.Status.AVAILABLE)
        self.Callback = Callback

    # -- filling -------------------------------------------------------------------------------

    def _insert(self, count: int, *, state: str, start: dt.datetime, agent_id: int | None = None) -> None:
        finished = state != "queued"
        with self.connection.cursor() as cursor:
            cursor.execute(
                FILL,
                {
                    "queue": self.queue.pk,
                    "state": state,
                    "outcome": "connected" if finished else "",
                    "attempts": 1 if finished else 0,
                    "agent": agent_id,
                    "start": start,
                    "count": count,
                    "expires": None if finished else self.now + dt.timedelta(days=30),
                    "ended": start if finished else None,
                },
            )

    def fill_history(self) -> None:
        """Finished callbacks: what the partial indexes must keep out of the claim's way."""
        if not self.args.finished:
            return
        own = min(AGENT_HISTORY, self.args.finished)
        started = time.perf_counter()
        self._insert(self.args.finished - own, state="completed", start=self.now - dt.timedelta(days=30))
        self._insert(own, state="completed", start=self.now - dt.timedelta(days=20), agent_id=self.agent.pk)
        print(
            f"history: {self.args.finished:,} finished callbacks ({own:,} handled by the agent) "
            f"in {time.perf_counter() - started:.1f} s"
        )

    def fill_line(self, size: int) -> None:
        """Top the line up to ``size`` queued callbacks, at its end."""
        started = time.perf_counter()
        count = size - self.queued
        self._insert(count, state="queued", start=self.tail)
        self.tail += dt.timedelta(milliseconds=count + 1)
        self.queued = size
        with self.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE callbacks_callback")
        assert self.Callback.objects.filter(queue=self.queue, state="queued").count() == size
        print(f"line: {size:,} queued ({count:,} added, vacuumed) in {time.perf_counter() - started:.1f} s")

    # -- claiming ------------------------------------------------------------------------------

    def _recycle(self, callback_id: int, cursor) -> None:
        self.tail += dt.timedelta(milliseconds=1)
        cursor.execute(RECYCLE, {"id": callback_id, "place_at": self.tail})
        cursor.execute("UPDATE queues_agent SET status = 'available' WHERE id = %s", [self.agent.pk])

    def ours(self, cursor) -> float:
        from callbacks.claim import callback_claim_next

        started = time.perf_counter()
        callback = callback_claim_next(agent=self.agent)
        elapsed = time.perf_counter() - started
        assert callback is not None and callback.state == "assigned", callback
        self._recycle(callback.pk, cursor)
        return elapsed

    def bare(self, cursor) -> float:
        started = time.perf_counter()
        cursor.execute(BARE_CLAIM, {"agent": self.agent.pk, "queue": self.queue.pk})
        [callback_id] = cursor.fetchone()
        elapsed = time.perf_counter() - started
        self._recycle(callback_id, cursor)
        return elapsed

    def profile(self, cursor) -> int:
        """Statements one claim of ours sends, its transaction's COMMIT besides; with --profile, each timed."""
        from django.test.utils import CaptureQueriesContext

        from callbacks.claim import callback_claim_next

        spent = []  # Django rounds its own timings to the millisecond

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append((sql, time.perf_counter() - started))

        with CaptureQueriesContext(self.connection) as captured, self.connection.execute_wrapper(timed):
            started = time.perf_counter()
            callback = callback_claim_next(agent=self.agent)
            total = time.perf_counter() - started
        self._recycle(callback.pk, cursor)
        if self.args.profile:
            for sql, seconds in spent:
                print(f"  {seconds * 1e6:5.0f} µs  {' '.join(sql.split())[:110]}")
            print(
                f"  {total * 1e6:5.0f} µs  the whole claim; "
                f"{sum(seconds for _, seconds in spent) / total:.0%} of it in these statements"
            )
        return sum(query["sql"] not in ("BEGIN", "COMMIT") for query in captured.captured_queries)

    def measure(self, size: int) -> dict:
        times = {"ours": [], "bare": []}
        with self.connection.cursor() as cursor:
            for i in range(self.args.warmup + self.args.claims):
                # Interleaved, so both meet the same table, cache and vacuum state.
                pair = (self.ours(cursor), self.bare(cursor))
                if i >= self.args.warmup:
                    times["ours"].append(pair[0])
                    times["bare"].append(pair[1])
            statements = self.profile(cursor)
        assert self.Callback.objects.filter(queue=self.queue, state="queued").count() == size
        result = {"size": size, "statements": statements}
        for way, values in times.items():
            values.sort()
            result[way] = {
                "p50": percentile(values, 0.5) * 1000,
                "p99": percentile(values, 0.99) * 1000,
                "rate": len(values) / sum(values),
            }
        return result


def report(results: list[dict]) -> int:
    print()
    print(
        f"{'queued':>10} | {'ours p50':>9} {'p99':>9} {'claims/s':>9} | {'bare p50':>9} {'p99':>9} "
        f"{'claims/s':>9} | {'ours/bare':>9} | statements"
    )
    for r in results:
        ours, bare = r["ours"], r["bare"]
        print(
            f"{r['size']:>10,} | {ours['p50']:>6.2f} ms {ours['p99']:>6.2f} ms {ours['rate']:>9,.0f} | "
            f"{bare['p50']:>6.2f} ms {bare['p99']:>6.2f} ms {bare['rate']:>9,.0f} | "
            f"{ours['rate'] / bare['rate']:>8.2f}× | {r['statements']}"
        )
    worst = min(results, key=lambda r: r["ours"]["rate"] / r["bare"]["rate"])
    small, large = results[0], results[-1]
    if (small["size"], large["size"]) != (1000, 1_000_000):
        print("(the flat target compares 1,000 with 1,000,000; run all three sizes for it)")
    return verdict(
        "claim",
        [
            Check(
                f"claims/s at {worst['size']:,} queued (worst)",
                f"{worst['ours']['rate']:,.0f}/s",
                f"{worst['bare']['rate']:,.0f}/s",
                worst["ours"]["rate"] / worst["bare"]["rate"],
                RATE_TARGET,
                at_most=False,
            ),
            Check(
                f"p50 at {large['size']:,} vs {small['size']:,} queued",
                f"{large['ours']['p50']:.2f} ms",
                f"{small['ours']['p50']:.2f} ms",
                large["ours"]["p50"] / small["ours"]["p50"],
                FLAT_TARGET,
                at_most=True,
            ),
        ],
    )


def main() -> int:
    args = parse_args()
    use_bench_database(args.database)
    setup_django()
    bench = Bench(args)
    print(
        f"PostgreSQL database {args.database}; {args.claims:,} claims timed per size and way "
        f"after {args.warmup} untimed"
    )
    bench.fill_history()
    results = []
    for size in args.sizes:
        bench.fill_line(size)
        results.append(bench.measure(size))
        r = results[-1]
        print(f"  ours p50 {r['ours']['p50']:.2f} ms, bare p50 {r['bare']['p50']:.2f} ms")
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
