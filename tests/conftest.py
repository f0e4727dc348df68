import datetime as dt
import os

import pytest
import time_machine
from django.db import connection

from tests.browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db.get("HOST") or db["NAME"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where})"


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, SKIP LOCKED)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def logged_in(group_name, **flags):
    """A client for a user of one role; roles are applied after migrate (callbackproject/setup.py)."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from tests.factories import UserFactory

    user = UserFactory(**flags)
    user.groups.add(Group.objects.get(name=group_name))
    client = Client()
    client.force_login(user)
    client.user = user  # for tests that give the persona more (a line of business, say)
    return client


# Personas, so permission tests read like sentences.
@pytest.fixture
def administrator(db):
    """Staff in the Administrator group, deliberately not a superuser: the group must suffice."""
    return logged_in("Administrator", is_staff=True)


@pytest.fixture
def developer(db):
    return logged_in("Developer", is_staff=True)


@pytest.fixture
def supervisor(db):
    return logged_in("Supervisor")


@pytest.fixture
def manager(db):
    return logged_in("Manager")


@pytest.fixture
def agent(db):
    return logged_in("Agent")


@pytest.fixture
def roles(transactional_db):
    """The role groups a transactional test needs: each flush is followed by post_migrate, which applies them
    again (callbackproject/setup.py), so this only guards a flush that skipped it (available_apps)."""
    from callbackproject.setup import roles_apply

    roles_apply()


@pytest.fixture
def api():
    """A client of the public API: no session, no credentials."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def widget(db):
    """The shop's widget on a support queue in London, open around the clock: what customers book through."""
    from tests.factories import QueueFactory, WidgetFactory

    return WidgetFactory(public_key="shop", queue=QueueFactory(slug="support", time_zone="Europe/London"))


# Every test runs from this instant unless it travels elsewhere: a Tuesday afternoon in Europe,
# morning in the Americas, when the default calling window (09:00–21:00) is open in London,
# Paris, New York and Los Angeles. The suite never depends on when it runs.
SUITE_STARTS_AT = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _named_instant():
    with time_machine.travel(SUITE_STARTS_AT, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shared_cache(settings):
    """Configuration is cached only where every process sees the cache (Redis): the suite without one skips."""
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        pytest.skip("needs a cache the processes share (REDIS_URL)")


@pytest.fixture(scope="session")
def chromium_executable():
    """Debian's Chromium; Playwright's own browser downloads are never used."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    return CHROMIUM


@pytest.fixture
def browser(chromium_executable, monkeypatch):
    """A Chromium for one test.

    Deliberately not session-scoped: while Playwright's sync API is started it keeps an asyncio
    loop running on the main thread, and Django then refuses ORM calls there (SynchronousOnlyOperation)
    unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Kept to one test, the flag covers only code that
    drives a browser, and the rest of the suite keeps Django's check. Starting Playwright and
    Chromium costs about 0.6 s a test.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
        # With the loop running, Django keys its connections to the loop's context, so the test
        # body opened connections of its own: close them now, while they can still be reached,
        # or they outlive the test and block dropping the test database.
        connections.close_all()


@pytest.fixture
def new_page(browser):
    """Opens a page in a fresh context (en-GB, London); fails the test on any uncaught script error or CSP refusal.

    The browser's clock starts at the server's (which tests freeze with time-machine), so "Today" in the
    widget is the server's today and event times agree; from there it runs on.
    """
    from django.utils import timezone

    contexts, errors = [], []

    def make(**context_options):
        options = {"locale": "en-GB", "timezone_id": "Europe/London", "viewport": {"width": 1280, "height": 800}}
        context = browser.new_context(**(options | context_options))
        context.clock.install(time=timezone.now())
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Shown by pytest with a failing test's output: what the browser said, CORS refusals included.
        page.on("console", lambda message: print(f"[browser {message.type}] {message.text}"))
        # A script or style the pages' Content-Security-Policy refused fails the test like a script error.
        page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and print(f"[browser response] {response.status} {response.request.method} {response.url}")
            ),
        )
        page.on(
            "requestfailed",
            lambda request: print(f"[browser request failed] {request.method} {request.url} {request.failure}"),
        )
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
