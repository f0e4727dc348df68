"""Availability benchmark: 14 days of slots with room, with 1,000 and then 100,000 callbacks booked in the queue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/callbacks .venv/bin/python bench/availability.py

It works in its own database on that server (``callbacks_bench``; created and
migrated when missing, emptied at each run), never the one DATABASE_URL names.
One queue in Paris, open Monday to Saturday 08:00–20:00 with 15-minute slots,
a slot capacity and a daily capacity (so both counts run), beside a history of
finished immediate callbacks. The bookings are spread over the 14 days' slots,
on their starts as the widget books them, a tenth of them canceled. It times,
at each size, in the same run:

- ours: ``queues.selectors.bookable_slots`` + ``rules.selectors.slots_with_capacity``
  for 14 days from today, what the public availability endpoint answers with;
- GES: ``callbacks.compat.ges.free_slots`` for the same 14 days;
- bare: one ``GROUP BY desired_time`` of the range's bookings, the floor of any count.

It passes when ours and GES each keep their p50 with 100,000 booked at most 1.5×
their p50 with 1,000 (the baseline: themselves, in the same run).
"""

import argparse
import datetime as dt
import sys
import time

from common import Check, setup_django, timed, use_bench_database, verdict

DAYS = 14
FLAT_TARGET = 1.5

# Every NOT NULL column the model has; Django sets no database defaults. Booking i sits on slot i mod
# the slots offered; a tenth canceled (they give their place back and must not be counted).
BOOK = """
    INSERT INTO callbacks_callback (
        public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, desired_time, due_at, place_at, expires_at, ended_at, dial_timezone,
        rejections, flagged, created_at, updated_at, state_changed_at, token_hash, number_timezone,
        calling_country, calling_subdivision)
    SELECT gen_random_uuid(), %(queue)s, '+3361' || lpad((i %% 10000000)::text, 8, '0'), '', '', '', '', '{}',
           '', 'widget', CASE WHEN i %% 10 = 0 THEN 'canceled' ELSE 'scheduled' END, '', 0, s.at,
           s.at, s.at, s.at + interval '1 day', CASE WHEN i %% 10 = 0 THEN %(now)s END, 'Europe/Paris',
           0, false, %(now)s, %(now)s, %(now)s, '', '', '', ''
      FROM generate_series(%(first)s, %(last)s) AS i
      JOIN LATERAL (SELECT (%(starts)s::timestamptz[])[1 + i %% %(slots)s] AS at) AS s ON true
"""

# Finished immediate callbacks of the 30 days before: what the daily count must read past.
HISTORY = """
    INSERT INTO callbacks_callback (
        public_id, queue_id, phone_number, first_name, last_name, email, notes, context, customer_timezone,
        channel, state, outcome, attempts, place_at, queued_at, ended_at, dial_timezone, rejections, flagged,
        created_at, updated_at, state_changed_at, token_hash, number_timezone, calling_country,
        calling_subdivision)
    SELECT gen_random_uuid(), %(queue)s, '+3361' || lpad((i %% 10000000)::text, 8, '0'), '', '', '', '', '{}',
           '', 'api', 'completed', 'connected', 1, t.at, t.at, t.at + interval '5 minutes', 'Europe/Paris', 0,
           false, t.at, t.at, t.at, '', '', '', ''
      FROM generate_series(1, %(count)s) AS i
      JOIN LATERAL (SELECT %(now)s - interval '30 days' + i * (interval '30 days' / %(count)s) AS at) AS t ON true
"""

BARE_GROUP_BY = """
    SELECT desired_time, count(*) FROM callbacks_callback
     WHERE queue_id = %(queue)s AND state NOT IN ('canceled', 'expired')
       AND desired_time >= %(start)s AND desired_time < %(end)s
     GROUP BY desired_time
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", default="1000,100000", help="callbacks booked, comma-separated, ascending (default: %(default)s)"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each read per size (default: %(default)s)")
    parser.add_argument(
        "--finished", type=int, default=100_000, help="finished immediate callbacks (default: %(default)s)"
    )
    parser.add_argument("--database", default="callbacks_bench", help="database to work in (default: %(default)s)")
    parser.add_argument("--explain", action="store_true", help="print the plans of our grouped reads at each size")
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if args.sizes != sorted(args.sizes):
        parser.error("--sizes must be ascending: the bookings only grow between sizes")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace):
        from django.db import connection
        from django.utils import timezone

        from queues.models import OfficeHours, VirtualQueue
        from queues.selectors import bookable_slots
        from rules.models import QueueRules

        self.args = args
        self.connection = connection
        self.now = timezone.now()
        self.booked = 0
        connection.cursor().execute("TRUNCATE callbacks_callback CASCADE")
        self.queue, _ = VirtualQueue.objects.update_or_create(
            slug="bench-availability",
            defaults={
                "name": "Bench availability",
                "time_zone": "Europe/Paris",
                "slot_minutes": 15,
                "booking_horizon_days": 30,
                "calling_window_start": dt.time(0),
                "calling_window_end": dt.time(0),
            },
        )
        self.queue.office_hours.all().delete()
        OfficeHours.objects.bulk_create(
            OfficeHours(queue=self.queue, weekday=day, opens=dt.time(8), closes=dt.time(20)) for day in range(6)
        )
        # Room for every booking of the largest size, so every slot stays offered and both sizes answer alike.
        QueueRules.objects.update_or_create(
            queue=self.queue, defaults={"slot_capacity": 10_000, "daily_capacity": 1_000_000}
        )
        self.queue.refresh_from_db()
        self.today = self.now.astimezone(self.queue.time_zone).date()
        self.slots = bookable_slots(self.queue, start=self.today, days=DAYS, max_slots=10_000, now=self.now)

    def fill_history(self) -> None:
        if not self.args.finished:
            return
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(HISTORY, {"queue": self.queue.pk, "count": self.args.finished, "now": self.now})
        print(f"history: {self.args.finished:,} finished immediate callbacks in {time.perf_counter() - started:.1f} s")

    def book(self, size: int) -> None:
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.execute(
                BOOK,
                {
                    "queue": self.queue.pk,
                    "now": self.now,
                    "first": self.booked + 1,
                    "last": size,
                    "starts": [slot.start for slot in self.slots],
                    "slots": len(self.slots),
                },
            )
            cursor.execute("VACUUM ANALYZE callbacks_callback")
        added, self.booked = size - self.booked, size
        print(
            f"booked: {size:,} over {len(self.slots):,} slots ({added:,} added, vacuumed) in {time.perf_counter() - started:.1f} s"
        )

    def ours(self):
        from queues.selectors import bookable_slots
        from rules.selectors import slots_with_capacity

        slots = bookable_slots(self.queue, start=self.today, days=DAYS, max_slots=10_000, now=self.now)
        return slots_with_capacity(self.queue, slots)

    def ges(self):
        from callbacks.compat.ges import free_slots

        return free_slots(self.queue, start=self.now, end=self.now + dt.timedelta(days=DAYS), now=self.now)

    def bare(self):
        with self.connection.cursor() as cursor:
            cursor.execute(
                BARE_GROUP_BY, {"queue": self.queue.pk, "start": self.slots[0].start, "end": self.slots[-1].end}
            )
            return cursor.fetchall()

    def statements(self, read) -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as captured:
            read()
        if self.args.explain:
            for query in captured.captured_queries:
                if "GROUP BY" in query["sql"]:
                    with self.connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query["sql"])
                        print("\n".join(f"    {line}" for (line,) in cursor.fetchall()))
        return len(captured.captured_queries)

    def measure(self, size: int) -> dict:
        rooms = self.ours()
        # Every slot keeps room; the right count in the first shows the reads see the bookings, the
        # canceled ones left out (booking i sits on slot i mod the slots, every tenth canceled).
        booked_first = sum(1 for i in range(1, size + 1) if i % len(self.slots) == 0 and i % 10)
        assert len(rooms) == len(self.slots), (len(rooms), len(self.slots))
        assert rooms[0].remaining == 10_000 - booked_first, (rooms[0].remaining, booked_first)
        assert self.ges()[0] == rooms[0]
        return {
            "size": size,
            "slots": len(rooms),
            "statements": self.statements(self.ours),
            "ges_statements": self.statements(self.ges),
            "ours": timed(self.ours, self.args.runs),
            "ges": timed(self.ges, self.args.runs),
            "bare": timed(self.bare, self.args.runs),
        }


def report(results: list[dict]) -> int:
    print()
    print(
        f"{'booked':>8} | {'slots':>5} | {'ours p50':>9} {'p99':>9} | {'GES p50':>9} {'p99':>9} | "
        f"{'bare GROUP BY p50':>17} | statements ours, GES"
    )
    for r in results:
        ours, ges, bare = r["ours"], r["ges"], r["bare"]
        print(
            f"{r['size']:>8,} | {r['slots']:>5} | {ours['p50']:>6.1f} ms {ours['p99']:>6.1f} ms | "
            f"{ges['p50']:>6.1f} ms {ges['p99']:>6.1f} ms | {bare['p50']:>14.1f} ms | "
            f"{r['statements']}, {r['ges_statements']}"
        )
    small, large = results[0], results[-1]
    print(f"(bare GROUP BY: {large['bare']['p50'] / small['bare']['p50']:.2f}×)")
    if (small["size"], large["size"]) != (1000, 100_000):
        print("(the target compares 1,000 with 100,000; run both sizes for it)")
    return verdict(
        "availability",
        [
            Check(
                f"{label}, p50 at {large['size']:,} vs {small['size']:,} booked",
                f"{large[way]['p50']:.1f} ms",
                f"{small[way]['p50']:.1f} ms",
                large[way]["p50"] / small[way]["p50"],
                FLAT_TARGET,
                at_most=True,
            )
            for way, label in (("ours", "availability"), ("ges", "GES availability"))
        ],
    )


def main() -> int:
    args = parse_args()
    use_bench_database(args.database)
    setup_django()
    bench = Bench(args)
    print(f"PostgreSQL database {args.database}; {args.runs} timed runs of each read per size after one untimed")
    bench.fill_history()
    results = []
    for size in args.sizes:
        bench.book(size)
        results.append(bench.measure(size))
        r = results[-1]
        print(f"  ours p50 {r['ours']['p50']:.1f} ms, GES p50 {r['ges']['p50']:.1f} ms")
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
