"""The historical report page (/reports/) and its CSV download: who may look, what it shows, bad queries."""

import csv
import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from pytest_django.asserts import assertContains

from queues.models import LineOfBusiness
from tests.factories import QueueFactory

from .history_scenario import COMPLETED, DAYS, OFFERED, a_week_in_paris

pytestmark = pytest.mark.django_db

PAGE = "/reports/"
CSV = "/reports/export.csv"
WEEK = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
SECTIONS = ["offered", "outcomes", "wait", "promises", "handling", "agents", "funnel"]


@pytest.fixture
def week():
    return a_week_in_paris()


def limited_to(client, *queues):
    line = LineOfBusiness.objects.create(name=f"Line of {client.user.username}")
    line.queues.add(*queues)
    line.members.add(client.user)
    return client


def words(response) -> str:
    return " ".join(response.content.decode().split())


class Tables(HTMLParser):
    """The page's report tables, by section: each column's key and every row's cells (the CSV value of a figure,
    the text of the first cell)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self.section = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-table" in attrs:
            self.section = self.tables.setdefault(attrs["data-table"], {"keys": [], "rows": [], "svg": 0})
        elif self.section is None:
            return
        elif tag == "svg":
            self.section["svg"] += 1
        elif tag == "th" and "data-key" in attrs:
            self.section["keys"].append(attrs["data-key"])
        elif tag == "tr":
            self.row: list[str] = []
        elif tag in ("td", "th") and "data-key" not in attrs:
            self.cell = [attrs["data-value"]] if "data-value" in attrs else []
            self.keep_text = "data-value" not in attrs

    def handle_data(self, data):
        if self.cell is not None and self.keep_text:
            self.cell.append(data.strip())

    def handle_endtag(self, tag):
        if self.section is None:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and getattr(self, "row", None):
            self.section["rows"].append(self.row)
            self.row = []
        elif tag == "section":
            self.section = None


def tables_of(response) -> dict[str, dict]:
    return Tables(response.content.decode()).tables


def rows_of_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# -- who may look -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "manager", "administrator"])
def test_report_viewers_open_the_reports(request, persona):
    response = request.getfixturevalue(persona).get(PAGE)

    assert response.status_code == 200
    assert "<h1>Reports</h1>" in response.content.decode()


def test_an_agent_may_not_open_the_reports(agent):
    assert agent.get(PAGE).status_code == 403


def test_an_agent_may_not_download_a_report(agent):
    assert agent.get(CSV).status_code == 403


def test_a_developer_may_not_open_the_reports(developer):
    assert developer.get(PAGE).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_anonymous_download_is_sent_to_log_in(client):
    assert client.get(CSV).status_code == 302


def test_a_manager_sees_only_their_lines_queues(manager):
    mine = QueueFactory(slug="mine", name="My queue")
    QueueFactory(slug="theirs", name="Their queue")
    limited_to(manager, mine)

    page = manager.get(PAGE).content.decode()

    assert '<option value="mine">My queue</option>' in page
    assert "Their queue" not in page


def test_all_my_queues_are_only_the_lines_queues(manager, week):
    other = a_week_in_paris(slug="lyon", name="Lyon support")
    limited_to(manager, other.queue)

    total = tables_of(manager.get(PAGE, WEEK))["offered"]["rows"][-1]

    assert total[:2] == ["Total", str(OFFERED)]


def test_a_queue_outside_the_lines_is_as_unknown_as_a_made_up_one(manager):
    limited_to(manager, QueueFactory(slug="mine"))
    QueueFactory(slug="theirs")

    outside, made_up = manager.get(PAGE, {"queue": "theirs"}), manager.get(PAGE, {"queue": "nowhere"})

    assert outside.status_code == made_up.status_code == 400
    assert outside.context["form"].errors["queue"] == [
        "Select a valid choice. theirs is not one of the available choices."
    ]
    assert made_up.context["form"].errors["queue"] == [
        "Select a valid choice. nowhere is not one of the available choices."
    ]


def test_the_nav_links_the_reports_for_those_who_may_see_them(manager):
    assert '<a href="/reports/">Reports</a>' in manager.get("/").content.decode()


def test_the_nav_hides_the_reports_from_agents(agent):
    assert '<a href="/reports/">Reports</a>' not in agent.get("/").content.decode()


def test_the_subnav_links_the_live_dashboard(manager):
    assertContains(manager.get(PAGE), '<a href="/reports/live/" >Live</a>', html=True)


def test_the_live_dashboard_links_back_to_the_history(manager):
    assertContains(manager.get("/reports/live/"), '<a href="/reports/" >History</a>', html=True)


# -- bad queries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-11-30", "to": "2026-11-24"}, "to", "The last day is before the first."),
        ({"queue": "nowhere"}, "queue", "Select a valid choice. nowhere is not one of the available choices."),
        ({"by": "minute"}, "by", "Choose “day” or “hour”."),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "to", "At most 366 days at a time."),
        (
            {"from": "2026-10-01", "to": "2026-11-30", "by": "hour"},
            "by",
            "By hour, at most 31 days at a time; choose by day for a longer range.",
        ),
        ({"from": "2026-13-01"}, "from", "Enter a valid date."),
        ({"table": "customers"}, "table", "Select a valid choice. customers is not one of the available choices."),
    ],
)
def test_a_bad_query_shows_the_form_with_its_field_error(manager, query, field, message):
    QueueFactory(slug="paris", time_zone="Europe/Paris")

    response = manager.get(PAGE, query)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message.replace("“", "&ldquo;") in response.content.decode() or message in response.content.decode()


def test_a_bad_download_is_refused_with_the_same_errors(manager):
    response = manager.get(CSV, {"by": "minute"})

    assert response.status_code == 400
    assert response.context["form"].errors["by"] == ["Choose “day” or “hour”."]


# -- what the page shows ------------------------------------------------------------------------


def test_the_range_defaults_to_the_last_seven_finished_days_in_the_queues_zone(manager):
    # The suite's instant is 1 December 17:30 UTC, already the 2nd in Auckland.
    QueueFactory(slug="auckland", time_zone="Pacific/Auckland")

    form = manager.get(PAGE, {"queue": "auckland"}).context["form"]

    assert (form.cleaned_data["from"], form.cleaned_data["to"]) == (dt.date(2026, 11, 25), dt.date(2026, 12, 1))


def test_the_page_has_a_chart_over_a_table_for_every_section(manager, week):
    tables = tables_of(manager.get(PAGE, WEEK))

    assert list(tables) == SECTIONS
    assert all(table["svg"] == 1 and table["rows"] for table in tables.values())


def test_the_summary_gives_the_ranges_headline_figures(manager, week):
    page = words(manager.get(PAGE, WEEK))

    assert f"<dt>Offered</dt><dd>{OFFERED}</dd>" in page
    assert f"<dt>Completed</dt><dd>{COMPLETED}</dd>" in page
    for headline in ("True wait, average", "True wait, 90th percentile", "Promises kept ±5 min", "Service level"):
        assert f"<dt>{headline}</dt>" in page
    assert "<dt>First-attempt success</dt><dd>83 %</dd>" in page


def test_a_row_for_each_local_day_and_a_total(manager, week):
    rows = tables_of(manager.get(PAGE, WEEK))["outcomes"]["rows"]

    assert [row[0] for row in rows] == [day.isoformat() for day in DAYS] + ["Total"]


def test_by_hour_gives_a_row_for_each_local_hour(manager, week):
    rows = tables_of(manager.get(PAGE, WEEK | {"by": "hour"}))["offered"]["rows"]

    assert len(rows) == 7 * 24 + 1
    assert rows[9][0] == "2026-11-24 09:00"


def test_the_figures_say_their_zone(manager, week):
    page = words(manager.get(PAGE, WEEK))

    assert "Days and hours are local to Europe/Paris." in page
    assert "Period (Europe/Paris)" in page
    assert "Day (Europe/Paris)" in page


def test_the_page_explains_true_wait_and_promises_kept(manager, week):
    page = words(manager.get(PAGE, WEEK))

    assert "True wait: from the request to the customer connected, scheduled callbacks included" in page
    assert "Promises kept: scheduled callbacks first dialled within ±2, ±5 or ±15 minutes of the time" in page


def test_the_agents_table_names_the_agents_with_their_dials(manager, week):
    (ada,) = tables_of(manager.get(PAGE, WEEK))["agents"]["rows"]

    assert ada[:3] == ["Ada", str(COMPLETED + 4), str(COMPLETED)]


def test_the_funnel_follows_the_widgets_page_views(manager, week):
    rows = tables_of(manager.get(PAGE, WEEK))["funnel"]["rows"]

    assert [row[:2] for row in rows] == [
        ["Opened the widget", "14"],
        ["Submitted the form", "7"],
        ["Booked a callback", "7"],
    ]


def test_a_range_without_callbacks_says_so_instead_of_an_empty_chart(manager):
    QueueFactory(slug="quiet")

    page = manager.get(PAGE).content.decode()

    assert page.count(">No callbacks in this period</text>") == 5
    assert ">No dials in this period</text>" in page
    assert ">No widget page views in this period</text>" in page


# -- the CSV is the table -----------------------------------------------------------------------


@pytest.mark.parametrize("table", SECTIONS)
def test_the_csv_export_matches_the_table_shown(manager, week, table):
    shown = tables_of(manager.get(PAGE, WEEK))[table]

    rows = rows_of_csv(manager.get(CSV, WEEK | {"table": table}))

    assert [[row[key] for key in shown["keys"]] for row in rows] == shown["rows"]


def test_the_csv_of_every_figure_holds_every_sections_columns(manager, week):
    tables = tables_of(manager.get(PAGE, WEEK))

    header = next(csv.reader(io.StringIO(manager.get(CSV, WEEK).content.decode())))

    shown = [key for name in SECTIONS[:5] for key in tables[name]["keys"] if key != "period"]
    assert header == ["period", "period_start", *shown]


def test_the_csv_gives_each_period_start_with_its_offset(manager, week):
    rows = rows_of_csv(manager.get(CSV, WEEK | {"queue": "paris"}))

    assert rows[0]["period_start"] == "2026-11-24T00:00:00+01:00"
    assert rows[-1]["period"] == "Total" and rows[-1]["period_start"] == ""


def test_the_csv_writes_shares_as_fractions_and_seconds_as_whole_numbers(manager, week):
    total = rows_of_csv(manager.get(CSV, WEEK | {"table": "outcomes"}))[-1]
    wait = rows_of_csv(manager.get(CSV, WEEK | {"table": "wait"}))[-1]

    assert total["first_attempt_success_share"] == "0.8333"
    assert wait["wait_avg_seconds"].isdigit()


def test_the_download_is_named_for_the_queue_the_range_and_the_grain(manager, week):
    response = manager.get(CSV, WEEK | {"queue": "paris", "table": "agents"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="callbacks-paris-2026-11-24-2026-11-30-by-day-agents.csv"'
    )


def test_each_table_links_its_own_download(manager, week):
    page = manager.get(PAGE, WEEK | {"queue": "paris"}).content.decode()

    for table in SECTIONS:
        assert (
            f'href="/reports/export.csv?from=2026-11-24&amp;to=2026-11-30&amp;queue=paris&amp;by=day&amp;table={table}"'
            in page
        )


def test_a_day_that_turns_the_clocks_back_has_twenty_five_hours(manager):
    QueueFactory(slug="paris", time_zone="Europe/Paris")

    rows = tables_of(manager.get(PAGE, {"from": "2026-10-25", "to": "2026-10-25", "by": "hour"}))["outcomes"]["rows"]

    assert len(rows) == 25 + 1
    assert [row[0] for row in rows[2:5]] == ["2026-10-25 02:00 CEST", "2026-10-25 02:00 CET", "2026-10-25 03:00"]


def test_queues_in_different_zones_say_each_is_in_its_own(manager):
    QueueFactory(slug="paris", time_zone="Europe/Paris")
    QueueFactory(slug="new-york", time_zone="America/New_York")

    page = words(manager.get(PAGE))

    assert "Days and hours are local to each queue's own zone." in page.replace("&#x27;", "'")


def test_a_queue_name_is_written_as_text(manager):
    QueueFactory(slug="sales", name="<b>Sales</b>")

    page = manager.get(PAGE, {"queue": "sales"}).content.decode()

    assert "<b>Sales</b>" not in page
    assert "&lt;b&gt;Sales&lt;/b&gt;" in page


def test_the_form_downloads_the_table_chosen_for_the_same_query(manager):
    page = manager.get(PAGE).content.decode()

    assert '<select name="table" id="id_table">' in page
    assert 'formaction="/reports/export.csv"' in page
