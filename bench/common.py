"""What every benchmark shares: its own database on the server DATABASE_URL names, Django set up on it, timings."""

import datetime as dt
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Every benchmark's last verdicts, by benchmark: what `make bench` leaves behind.
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results.json"))


def use_bench_database(name: str) -> None:
    """Point DATABASE_URL at ``name`` on the same server, creating that database when missing."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/callbacks")
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "callbackproject.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def timed(function, runs: int) -> dict:
    function()  # warm: plans cached, pages in memory
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        values.append(time.perf_counter() - started)
    values.sort()
    return {"p50": percentile(values, 0.5) * 1000, "p99": percentile(values, 0.99) * 1000}


@dataclass(frozen=True)
class Check:
    """One target: ours beside its baseline from the same run, as a ratio."""

    what: str
    ours: str  # as printed, with its unit
    baseline: str
    ratio: float
    target: float
    at_most: bool  # the ratio must stay at or under the target (a slowdown), else reach it (a rate)

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target if self.at_most else self.ratio >= self.target


def verdict(bench: str, checks: list[Check]) -> int:
    """Print the checks as a table, record them in RESULTS under ``bench``; the exit status, 1 on a MISS."""
    print()
    width = max(len(check.what) for check in checks)
    print(f"{'what':<{width}} | {'ours':>14} | {'baseline':>14} | {'ratio':>7} | {'target':>8} |")
    for check in checks:
        target = f"{'≤' if check.at_most else '≥'} {check.target}×"
        print(
            f"{check.what:<{width}} | {check.ours:>14} | {check.baseline:>14} | {check.ratio:>6.3g}× | "
            f"{target:>8} | {'PASS' if check.passed else 'MISS'}"
        )
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[bench] = {
        "ran_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "passed": all(check.passed for check in checks),
        "checks": [{**asdict(check), "ratio": round(check.ratio, 4), "passed": check.passed} for check in checks],
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0 if results[bench]["passed"] else 1
