"""The management pages in a real Chromium against the live server: a supervisor's errand, end to end."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from callbacks.models import State
from tests.browser import ARTIFACTS
from tests.factories import CallbackFactory, QueueFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def supervisor(roles):
    user = UserFactory(username="sam", first_name="Sam", last_name="Supervisor")
    user.groups.add(Group.objects.get(name="Supervisor"))
    return user


def test_a_supervisor_filters_opens_and_reschedules_a_callback(new_page, live_server, supervisor):
    support = QueueFactory(slug="support", name="Customer support", time_zone="Europe/Paris")
    billing = QueueFactory(slug="billing", name="Billing")
    grace = CallbackFactory(queue=support, first_name="Grace", last_name="Hopper", phone_number="+33142685300")
    CallbackFactory(queue=billing, first_name="Alan", last_name="Turing")
    local = dt.datetime.combine((timezone.now() + dt.timedelta(days=2)).date(), dt.time(15, 30))

    page = new_page()
    page.goto(live_server.url + "/manage/callbacks/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()
    expect(page.get_by_role("link", name="Alan Turing")).to_be_visible()
    page.get_by_label("Queue", exact=True).select_option("support")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Alan Turing")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "manage-list.png", full_page=True)

    page.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_test_id("state")).to_have_text("Queued")
    page.get_by_label("New time (Europe/Paris)").fill(local.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Reschedule", exact=True).click()

    expect(page.get_by_text("Callback rescheduled.")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text("Scheduled")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_text("Rescheduled", exact=True)).to_be_visible()
    expect(timeline).to_contain_text("by sam (staff) · Moved to a new time")
    expect(timeline.get_by_test_id("moved")).to_have_text(
        re.compile(r"from as soon as possible\s+to \w{3} \d{1,2} \w{3}, 15:30 CES?T")
    )
    page.screenshot(path=ARTIFACTS / "manage-detail.png", full_page=True)
    grace.refresh_from_db()
    assert grace.state == State.SCHEDULED
    assert grace.desired_time == local.replace(tzinfo=support.time_zone)


def test_cancelling_from_the_detail_page_asks_first_and_a_no_leaves_the_callback(new_page, live_server, supervisor):
    grace = CallbackFactory(queue=QueueFactory(slug="support"), first_name="Grace", last_name="Hopper")
    page = new_page()
    page.goto(f"{live_server.url}/manage/callbacks/{grace.public_id}/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()
    asked = []

    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel callback").click()
    expect(page.get_by_test_id("state")).to_have_text("Queued")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel callback").click()

    expect(page.get_by_test_id("state")).to_have_text("Canceled")
    assert asked == ["Cancel this callback? The customer will not be called."]


def test_a_supervisor_pages_through_the_list_older_and_back(new_page, live_server, supervisor):
    support = QueueFactory(slug="support", name="Customer support")
    start = timezone.now() - dt.timedelta(hours=1)
    for n in range(27):
        CallbackFactory(queue=support, first_name="Customer", last_name=f"No {n}", now=start + dt.timedelta(minutes=n))
    page = new_page()
    page.goto(live_server.url + "/manage/callbacks/?queue=support")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Newest first, 25 a page.")).to_be_visible()
    expect(page.get_by_role("link", name="Customer No 26")).to_be_visible()
    page.get_by_role("link", name="Older →").click()

    expect(page.get_by_role("link", name=re.compile(r"^Customer No \d+$"))).to_have_count(2)
    expect(page.get_by_role("link", name="Customer No 0")).to_be_visible()
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)
    expect(page.get_by_label("Queue", exact=True)).to_have_value("support")
    page.screenshot(path=ARTIFACTS / "manage-list-older.png", full_page=True)
    page.get_by_role("link", name="← Newer").click()

    expect(page.get_by_role("link", name="Customer No 26")).to_be_visible()
    expect(page.get_by_role("link", name="← Newer")).to_have_count(0)
