"""manage.py export_report: the report page's CSV download, written to standard output or a file."""

import io

import pytest
from django.core.management import CommandError, call_command

from .history_scenario import DAYS, a_week_in_paris

pytestmark = pytest.mark.django_db

WEEK = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}


@pytest.fixture
def week():
    return a_week_in_paris()


def exported(*args: str) -> str:
    out = io.StringIO()
    call_command("export_report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("table", ["periods", "outcomes", "agents", "funnel"])
def test_the_command_writes_the_same_csv_as_the_download(manager, week, table):
    download = manager.get("/reports/export.csv", WEEK | {"queue": "paris", "table": table}).content.decode()

    written = exported("--from", WEEK["from"], "--to", WEEK["to"], "--queue", "paris", "--table", table)

    assert written == download


def test_by_hour_writes_the_same_csv_as_the_download(manager, week):
    download = manager.get("/reports/export.csv", WEEK | {"by": "hour"}).content.decode()

    assert exported("--from", WEEK["from"], "--to", WEEK["to"], "--by", "hour") == download


def test_the_command_writes_a_file_when_told(manager, week, tmp_path):
    target = tmp_path / "callbacks-paris-2026-11-24-2026-11-30-by-day.csv"

    exported("--from", WEEK["from"], "--to", WEEK["to"], "--queue", "paris", "--output", str(target))

    download = manager.get("/reports/export.csv", WEEK | {"queue": "paris"}).content
    assert target.read_bytes() == download


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-30", "--to", "2026-11-24"], "--to: The last day is before the first."),
        (["--from", "2026-11-24", "--to", "2026-11-30", "--by", "minute"], "--by: Choose “day” or “hour”."),
        (["--from", "2026-11-31", "--to", "2026-12-01"], "--from: Enter a valid date."),
        (
            ["--from", "2026-11-24", "--to", "2026-11-30", "--queue", "nowhere"],
            "--queue: Select a valid choice. nowhere is not one of the available choices.",
        ),
        (
            ["--from", "2026-10-01", "--to", "2026-11-30", "--by", "hour"],
            "--by: By hour, at most 31 days at a time; choose by day for a longer range.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_pages_messages(db, args, message):
    with pytest.raises(CommandError) as refusal:
        exported(*args)

    assert str(refusal.value) == message
