"""The tables of a historical report, and each one as CSV: what the page shows and what it downloads are one table.

The page (``reporting/pages/history.py``), its download and ``manage.py export_report`` all go through
``report_table`` and ``table_csv``, so a CSV cannot differ from the table on the page.

CSV layout: one header row of snake_case keys (the figures' ``Column.key``; labels are for the page), then
a row per period, agent or funnel step. The periods tables begin with ``period`` (the local label the page
shows) and ``period_start`` (ISO 8601 with the zone's offset), and end with the range's ``Total`` row
(``period_start`` empty). Values are raw: counts and seconds as integers, shares as 0..1 with four
decimals, other numbers with four decimals, nothing measured as an empty cell. No personal data: agents
are named, customers never.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from .figures import Column
from .history import Report

# name → (title, the column groups it shows; None: every period column or a table of its own)
TABLES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "periods": ("Every figure by period", None),
    "offered": ("Offered & refused", ("Offered", "Refused")),
    "outcomes": ("Outcomes", ("Outcomes",)),
    "wait": ("Wait", ("Wait",)),
    "promises": ("Promises", ("Promises",)),
    "handling": ("Handling", ("Handling",)),
    "agents": ("Agents", None),
    "funnel": ("Widget funnel", None),
}
FUNNEL_COLUMNS = [
    Column("sessions", "Page views", "count", "Funnel"),
    Column("share_of_previous", "Of the previous step", "share", "Funnel"),
    Column("left", "Left at this step", "count", "Funnel"),
]


@dataclass(frozen=True)
class Row:
    keys: Sequence[str]  # what leads the CSV row: the period's label and start, the agent, the step
    label: str  # what the page's first cell says
    values: Sequence[int | float | None]
    total: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    lead: Sequence[str]  # the CSV keys of the leading cells
    columns: Sequence[Column]
    rows: Sequence[Row]


def report_table(report: Report, name: str) -> Table:
    """The table ``name`` (a key of TABLES) of the report."""
    title, groups = TABLES[name]
    if name == "agents":
        rows = [
            Row([row.agent_name], row.agent_name, [row.figures.value(c.key) for c in report.agent_columns])
            for row in report.agents
        ]
        return Table(name, title, ["agent"], report.agent_columns, rows)
    if name == "funnel":
        rows = [
            Row([step.name, step.label], step.label, [step.sessions, step.share_of_previous, step.left])
            for step in report.funnel
        ]
        return Table(name, title, ["step", "label"], FUNNEL_COLUMNS, rows)
    columns = [column for column in report.columns if groups is None or column.group in groups]
    rows = [
        Row([row.label, row.period_start.isoformat()], row.label, [row.figures.value(c.key) for c in columns])
        for row in report.rows
    ]
    rows.append(Row(["Total", ""], "Total", [report.total.value(c.key) for c in columns], total=True))
    return Table(name, title, ["period", "period_start"], columns, rows)


def csv_value(value: int | float | None, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("count", "seconds"):
        return str(round(value))
    return f"{value:.4f}"


def table_csv(table: Table, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow([*table.lead, *(column.key for column in table.columns)])
    for row in table.rows:
        values = (csv_value(value, column.kind) for value, column in zip(row.values, table.columns, strict=True))
        writer.writerow([*row.keys, *values])


def csv_filename(report: Report, queue_slug: str | None, name: str) -> str:
    """``callbacks-<queue or all>-<from>-<to>-by-<day|hour>[-<table>].csv``; the periods table has no suffix."""
    suffix = "" if name == "periods" else f"-{name}"
    return f"callbacks-{queue_slug or 'all'}-{report.start}-{report.end}-by-{report.by}{suffix}.csv"
