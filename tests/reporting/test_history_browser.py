"""The historical report in a real Chromium against the live server: a week of callbacks, its charts drawn.

Screenshots land in test-artifacts/ (gitignored) for a human look at the page: reports-history.png at
1280 px, reports-history-phone.png at a phone's width.
"""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser import ARTIFACTS
from tests.factories import UserFactory

from .history_scenario import OFFERED, a_week_in_paris

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests"  # UserFactory's
SECTIONS = 7


def log_in_as_manager(page, live_server):
    UserFactory(username="mia", first_name="Mia").groups.add(Group.objects.get(name="Manager"))
    page.goto(live_server.url + "/reports/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()


def test_the_report_draws_its_charts_over_their_tables(new_page, live_server, roles):
    a_week_in_paris()
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in_as_manager(page, live_server)

    expect(page.get_by_test_id("headlines")).to_contain_text(f"Offered{OFFERED}")
    charts = page.locator("section[data-table] svg[role=img]")
    expect(charts).to_have_count(SECTIONS)
    for index in range(SECTIONS):
        expect(charts.nth(index)).to_be_visible()
    expect(page.get_by_role("img", name="How callbacks ended")).to_be_visible()
    assert page.locator("svg[role=img] rect title").count() > 20
    page.screenshot(path=ARTIFACTS / "reports-history.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download Outcomes as CSV").click()
    assert download.value.suggested_filename == "callbacks-all-2026-11-24-2026-11-30-by-day-outcomes.csv"

    page.get_by_label("By", exact=True).select_option("hour")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("row", name="2026-11-24 09:00")).to_have_count(5)
    expect(charts.first).to_be_visible()


def test_on_a_phone_the_wide_tables_scroll_inside_their_frame(new_page, live_server, roles):
    a_week_in_paris()
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    log_in_as_manager(page, live_server)

    expect(page.locator("section[data-table] svg[role=img]").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "reports-history-phone.png", full_page=True)
    # The page itself never scrolls sideways; the charts and tables do, inside their frames.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
