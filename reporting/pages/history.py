"""The historical report under /reports/: a range of days by day or by hour, each chart over its table, and CSV.

For ``reporting.view_reports`` (supervisors, managers, administrators) within their lines of business:
every view asks ``report_queues``, which refuses the others (403); anonymous visitors log in first.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from reporting import charts
from reporting.access import report_queues
from reporting.export import Table, csv_filename, csv_value, report_table, table_csv
from reporting.history import Report
from reporting.templatetags.report_format import NOTHING, seconds, share

from .forms import HistoryForm

# Each section of the page: its table and what its figures mean, in one line.
SECTIONS = [
    ("offered", "Callbacks asked for, in the period they were asked; refused: bookings the queue's rules turned down."),
    ("outcomes", "Each callback counts once, in the period it ended (completed, failed, canceled or expired)."),
    (
        "wait",
        "True wait: from the request to the customer connected, scheduled callbacks included — not counted as "
        "“no wait”. Service level: immediate callbacks connected within the queue's target.",
    ),
    (
        "promises",
        "Promises kept: scheduled callbacks first dialled within ±2, ±5 or ±15 minutes of the time the customer "
        "chose; late by: how late the late ones were.",
    ),
    ("handling", "Average handle time: the length of the connected calls; attempts per completed callback."),
    ("agents", "Dials each agent ended in the range, how many connected, and their average handle time."),
    ("funnel", "Page views of the queue's widgets by the furthest step reached, and where people left."),
]
# The charts of the period tables: (kind, title, y axis, the figures drawn). Bars stack; the others are lines.
PERIOD_CHARTS = {
    "offered": ("bars", "Callbacks asked for", "Callbacks", ("offered_immediate", "offered_scheduled", "refused")),
    "outcomes": (
        "bars",
        "How callbacks ended",
        "Callbacks",
        ("completed", "failed", "canceled_by_customer", "canceled_by_staff", "expired"),
    ),
    "wait": ("seconds", "True wait", "True wait", ("wait_avg_seconds", "wait_p90_seconds")),
    "promises": (
        "share",
        "Promises kept",
        "Scheduled callbacks",
        ("promises_kept_2m_share", "promises_kept_5m_share", "promises_kept_15m_share"),
    ),
    "handling": ("seconds", "Average handle time", "Handle time", ("aht_seconds",)),
}
# The key and the header of a table's first column, the CSV column it matches (periods: "period").
FIRST_COLUMN = {"agents": ("agent", "Agent"), "funnel": ("label", "Step")}
# The summary strip: the range's headline figures, under their columns' labels.
HEADLINES = [
    "offered",
    "completed",
    "wait_avg_seconds",
    "wait_p90_seconds",
    "promises_kept_5m_share",
    "service_level_share",
    "first_attempt_success_share",
    "aht_seconds",
]


def display(value: int | float | None, kind: str) -> str:
    """A figure as the page writes it: "4 min 05 s", "83 %", "1.50", "—" for nothing measured."""
    if value is None:
        return NOTHING
    if kind == "seconds":
        return seconds(value)
    if kind == "share":
        return share(value)
    if kind == "number":
        return f"{value:.2f}"
    return f"{value:,}"


def _tick(report: Report, period_start) -> str:
    return f"{period_start.day} {period_start:%b}" + (f" {period_start:%H}:00" if report.by == "hour" else "")


def _chart(report: Report, table: Table):
    """The section's chart; each draws the figures its table holds."""
    if table.name in PERIOD_CHARTS:
        return _period_chart(report, *PERIOD_CHARTS[table.name])
    if table.name == "agents":
        bars = [
            charts.Bar(row.agent_name, row.figures.value("handled") or 0, f"{row.figures.value('completed')} connected")
            for row in report.agents
        ]
        return charts.horizontal_bar_chart(
            title="Dials per agent", bars=bars, unit="dials", empty="No dials in this period"
        )
    bars = [
        charts.Bar(
            step.label,
            step.sessions,
            "" if step.share_of_previous is None else f"{share(step.share_of_previous)} of the previous step",
        )
        for step in report.funnel
    ]
    return charts.horizontal_bar_chart(
        title="Widget funnel", bars=bars, unit="page views", empty="No widget page views in this period"
    )


def _period_chart(report: Report, kind: str, title: str, y_title: str, keys: tuple[str, ...]):
    ticks = [_tick(report, row.period_start) for row in report.rows]
    caption = f"{'Day' if report.by == 'day' else 'Hour'} ({report.time_zone_label})"
    columns = {column.key: column for column in report.columns}
    series = [charts.Series(columns[key].label, [row.figures.value(key) for row in report.rows]) for key in keys]
    if kind == "bars":
        return charts.bar_chart(title=title, periods=ticks, series=series, x_caption=caption, y_title=y_title)
    if kind == "share":
        scale = charts.share_scale(y_title)
    else:
        scale = charts.seconds_scale(y_title, max((v or 0 for line in series for v in line.values), default=0))
    return charts.line_chart(title=title, periods=ticks, series=series, x_caption=caption, scale=scale)


def _section(report: Report, name: str, explanation: str, query: dict) -> dict:
    table = report_table(report, name)
    return {
        "table": table,
        "explanation": explanation,
        "chart": _chart(report, table),
        "first": FIRST_COLUMN.get(name) or ("period", f"Period ({report.time_zone_label})"),
        "rows": [
            {
                "row": row,
                "cells": [
                    (display(value, column.kind), csv_value(value, column.kind))
                    for value, column in zip(row.values, table.columns, strict=True)
                ],
            }
            for row in table.rows
        ],
        "csv_url": reverse("reports:history-csv") + "?" + urlencode(query | {"table": name}),
    }


def _query(form: HistoryForm) -> dict:
    data = form.cleaned_data
    return {"from": data["from"].isoformat(), "to": data["to"].isoformat(), "queue": data["queue"], "by": data["by"]}


@require_GET
@login_required
def history(request):
    form = HistoryForm(request.GET, queues=list(report_queues(request.user)))
    if not form.is_valid():
        return render(request, "reports/history.html", {"form": form}, status=400)
    report = form.report()
    query = _query(form)
    columns = {column.key: column for column in report.columns}
    context = {
        "form": form,
        "report": report,
        "headlines": [(columns[key].label, display(report.total.value(key), columns[key].kind)) for key in HEADLINES],
        "sections": [_section(report, name, explanation, query) for name, explanation in SECTIONS],
    }
    return render(request, "reports/history.html", context)


@require_GET
@login_required
def history_csv(request):
    form = HistoryForm(request.GET, queues=list(report_queues(request.user)))
    if not form.is_valid():
        return render(request, "reports/history.html", {"form": form}, status=400)
    report = form.report()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    table_csv(report_table(report, form.cleaned_data["table"]), response)
    filename = csv_filename(report, form.cleaned_data["queue"], form.cleaned_data["table"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
