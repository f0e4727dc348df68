"""The agent's worklist in a real Chromium against the live server: a working day's loop, end to end.

Screenshots land in test-artifacts/ (gitignored) for a human look at the page.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from callbacks import services
from callbacks.models import State
from tests.browser import ARTIFACTS
from tests.factories import CallbackFactory, QueueFactory, working_agent

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests"  # UserFactory's


@pytest.fixture
def queue():
    return QueueFactory(slug="support", name="Customer support", retry_delay_minutes=10, max_attempts=3, any_hour=True)


@pytest.fixture
def agent(queue, roles):
    return working_agent(queue, username="ada", first_name="Ada", last_name="Byron")


@pytest.fixture
def waiting(queue):
    return CallbackFactory(
        queue=queue,
        first_name="Grace",
        last_name="Hopper",
        phone_number="+442079460958",
        notes="Question about the last invoice",
        customer_timezone="Europe/London",
        context={"page": "https://shop.example/billing", "title": "Billing — Acme"},
        now=timezone.now() - dt.timedelta(minutes=4),
    )


def log_in(page, live_server):
    page.goto(live_server.url + "/agent/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your worklist")).to_be_visible()


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


def test_an_agent_claims_retries_and_completes_a_callback(new_page, live_server, agent, waiting):
    page = new_page()
    log_in(page, live_server)
    # Set on the window: still there later only if the page never reloaded.
    page.evaluate("window.loadedOnce = true")
    expect(page.get_by_text("1 callback waiting in your queues.")).to_be_visible()

    page.get_by_role("button", name="Next callback").click()
    card = page.locator(".current")
    expect(card.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(card.get_by_test_id("tel")).to_have_attribute("href", "tel:+442079460958")
    expect(card.get_by_test_id("tel")).to_have_text("020 7946 0958")
    expect(card.get_by_text("Question about the last invoice")).to_be_visible()
    expect(card.get_by_role("link", name="https://shop.example/billing")).to_be_visible()
    expect(card.get_by_role("timer")).to_contain_text(re.compile(r"Start within\s+\d:\d\d"))
    expect(page.get_by_test_id("agent-status")).to_have_text("Busy")
    page.screenshot(path=ARTIFACTS / "worklist-reserved.png", full_page=True)

    card.get_by_role("button", name="Start call").click()
    expect(card.get_by_text("How did the call go?")).to_be_visible()
    card.get_by_label("Notes on this call").fill("Rang out, try after lunch")
    card.get_by_role("button", name="No answer").click()
    expect(page.get_by_text("Recorded: no answer.")).to_be_visible()
    expect(page.get_by_test_id("agent-status")).to_have_text("Available")
    assert state_of(waiting) == State.RETRY_WAIT

    # Later: the retry delay passes and the beat puts the callback back in line.
    # The page notices by itself.
    services.callbacks_release_due(now=timezone.now() + dt.timedelta(minutes=11))
    expect(page.get_by_text("1 callback waiting in your queues.")).to_be_visible(timeout=10_000)

    page.get_by_role("button", name="Next callback").click()
    expect(card.get_by_text("Attempts so far")).to_be_visible()
    expect(card.get_by_role("cell", name="Rang out, try after lunch")).to_be_visible()
    card.get_by_role("button", name="Start call").click()
    expect(card.get_by_text("Attempt 2 of 3", exact=False)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "worklist-on-call.png", full_page=True)
    card.get_by_role("button", name="Connected").click()

    expect(page.get_by_text("Recorded: connected.")).to_be_visible()
    expect(page.get_by_test_id("nothing-waiting")).to_be_visible()
    assert state_of(waiting) == State.COMPLETED
    assert waiting.dial_attempts.count() == 2
    assert page.evaluate("window.loadedOnce") is True
    page.screenshot(path=ARTIFACTS / "worklist-done.png", full_page=True)


def test_the_reservation_countdown_runs_and_gives_the_callback_back(new_page, live_server, agent, waiting, queue):
    queue.reservation_timeout_seconds = 10
    queue.save(update_fields=["reservation_timeout_seconds"])
    page = new_page()
    log_in(page, live_server)

    page.get_by_role("button", name="Next callback").click()
    timer = page.get_by_role("timer")
    expect(timer).to_contain_text(re.compile(r"0:(09|10)"))
    expect(timer).to_contain_text(re.compile(r"0:0[0-7]"), timeout=5_000)
    expect(page.get_by_text("Time is up")).to_be_visible(timeout=12_000)

    # The beat takes it back; the page sees it and shows the agent set away, and why.
    waiting.refresh_from_db()
    services.callbacks_requeue_timed_out(now=waiting.reservation_expires_at)
    expect(page.get_by_text("You are away.")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("timed-out")).to_contain_text(
        "because the callback reserved for you was not started within 10 seconds. "
        "Set yourself Available when you are back."
    )
    page.screenshot(path=ARTIFACTS / "worklist-set-away.png", full_page=True)
    assert state_of(waiting) == State.QUEUED


# 21:34:05 UTC; ticking on from there, so the page has most of a minute before the clocks say 21:35.
INSTANT = dt.datetime(2026, 1, 15, 21, 34, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "number,zone,shown",
    [
        ("+12125550123", "America/New_York", "16:34 EST (America/New_York)"),
        ("+33142685300", "Europe/Paris", "22:34 CET (Europe/Paris)"),
        ("+61292502000", "Australia/Sydney", "08:34 AEDT (Australia/Sydney)"),
    ],
)
def test_the_card_gives_the_customers_local_time(new_page, live_server, agent, queue, number, zone, shown):
    # time-machine moves the clock of every thread, the live server's too; it ticks, as the page polls.
    with time_machine.travel(INSTANT, tick=True):
        CallbackFactory(
            queue=queue, first_name="Grace", last_name="Hopper", phone_number=number, customer_timezone=zone
        )
        page = new_page()
        log_in(page, live_server)
        page.get_by_role("button", name="Next callback").click()

        expect(page.get_by_test_id("customer-time")).to_have_text(shown)
        page.screenshot(path=ARTIFACTS / f"worklist-local-time-{zone.replace('/', '-')}.png", full_page=True)
