"""The live dashboard in a real Chromium against the live server: figures and the roster change without a reload.

The screenshot lands in test-artifacts/ (gitignored) for a human look at the page.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from callbacks import services
from callbacks.claim import callback_claim_next
from callbacks.lifecycle import Actor
from callbacks.models import State
from queues.models import Agent
from tests.browser import ARTIFACTS
from tests.factories import CallbackFactory, QueueFactory, UserFactory, WidgetFactory, working_agent

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests"  # UserFactory's


@pytest.fixture
def queue(roles):
    queue = QueueFactory(slug="support", name="Customer support", time_zone="Europe/London", any_hour=True)
    WidgetFactory(public_key="shop", queue=queue)
    return queue


@pytest.fixture
def page(new_page):
    return new_page(viewport={"width": 1280, "height": 900})


def log_in_as_supervisor(page, live_server):
    UserFactory(username="sam", first_name="Sam").groups.add(Group.objects.get(name="Supervisor"))
    page.goto(live_server.url + "/reports/live/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Live dashboard")).to_be_visible()


def test_the_dashboard_follows_bookings_and_agents_without_a_reload(page, live_server, queue):
    ada = working_agent(queue, username="ada", first_name="Ada", last_name="Byron")
    grace = working_agent(queue, username="grace", first_name="Grace", last_name="Hopper")
    # Something to show: Grace is on a call, a customer canceled, another is booked for later, one waits.
    CallbackFactory(queue=queue)
    services.callback_start(callback=callback_claim_next(agent=grace), agent=grace)
    services.callback_cancel(callback=CallbackFactory(queue=queue), actor=Actor.CUSTOMER, reason="canceled_by_customer")
    CallbackFactory(queue=queue, desired_time=timezone.now() + dt.timedelta(minutes=40))
    CallbackFactory(queue=queue, now=timezone.now() - dt.timedelta(minutes=4, seconds=5))
    log_in_as_supervisor(page, live_server)
    page.evaluate("window.loadedOnce = true")  # still there later only if the page never reloaded
    waiting = page.locator('[data-panel="support"] [data-figure="waiting"] dd')
    expect(waiting).to_have_text("1")

    booked = page.request.post(
        live_server.url + "/api/v1/public/widgets/shop/callbacks", data={"phone_number": "+44 20 7946 0958"}
    )
    assert booked.status == 201, booked.text()
    expect(waiting).to_have_text("2", timeout=12_000)
    expect(page.locator('[data-panel="total"] [data-figure="waiting"] dd')).to_have_text("2")

    services.agent_set_status(agent=ada, status=Agent.Status.AWAY)
    expect(page.locator('[data-agent="ada"] [data-testid="agent-status"]')).to_have_text("Away", timeout=12_000)
    assert page.evaluate("window.loadedOnce") is True
    page.screenshot(path=ARTIFACTS / "reports-live.png", full_page=True)


def test_a_supervisor_sets_an_agent_offline_from_the_roster(page, live_server, queue):
    ada = working_agent(queue, username="ada", first_name="Ada", last_name="Byron")
    reserved = CallbackFactory(queue=queue)
    callback_claim_next(agent=ada)
    log_in_as_supervisor(page, live_server)

    page.locator('[data-agent="ada"]').get_by_role("button", name="Set offline").click()

    expect(page.get_by_text("Ada Byron is now offline.")).to_be_visible()
    expect(page.locator('[data-agent="ada"] [data-testid="agent-status"]')).to_have_text("Offline")
    reserved.refresh_from_db()
    assert reserved.state == State.QUEUED


def test_a_supervisor_pins_the_panels_they_watch(page, live_server, queue):
    QueueFactory(slug="billing", name="Billing", time_zone="America/New_York")
    log_in_as_supervisor(page, live_server)

    page.get_by_role("link", name="Choose panels").click()
    page.get_by_label("Total of my queues").uncheck()
    page.get_by_label("Billing").uncheck()
    for figure in page.locator('input[name="figures"]').all():
        figure.uncheck()
    page.get_by_label("Waiting", exact=True).check()
    page.get_by_label("Callback activity").check()
    page.screenshot(path=ARTIFACTS / "reports-live-panels.png", full_page=True)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your dashboard is saved.")).to_be_visible()
    expect(page.locator("[data-panel]")).to_have_count(1)
    expect(page.locator('[data-panel="support"] [data-figure]')).to_have_count(1)
    expect(page.get_by_test_id("activity")).to_be_visible()
