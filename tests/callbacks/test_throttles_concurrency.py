"""Throttle counters under concurrency on real Redis: a limit lets exactly its number through."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from callbacks.api.public.throttles import CreateByNumberThrottle
from tests.callbacks.test_public_api import book
from tests.factories import QueueFactory, WidgetFactory

pytestmark = pytest.mark.skipif(
    "Redis" not in settings.CACHES["default"]["BACKEND"],
    reason="needs REDIS_URL: the throttles' counters are shared in Redis",
)

THREADS = 16


def statuses_at_once(requests: int, send) -> list[int]:
    """``send()`` ``requests`` times from THREADS threads, each with its own database connection."""
    start = threading.Barrier(THREADS)

    def worker(count):
        start.wait()
        try:
            return [send() for _ in range(count)]
        finally:
            connection.close()

    shares = [requests // THREADS + (n < requests % THREADS) for n in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        return [code for codes in pool.map(worker, shares) for code in codes]


# Transactional: the threads' own connections commit what they write (the throttling problem record),
# which a rolled-back test would leave behind for the next.
@pytest.mark.django_db(transaction=True)
def test_400_reads_at_once_from_one_address_let_exactly_300_through():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["public_read"] == "300/min"
    # Guessing a GES key is a read by address; the throttle runs before the key is looked up.
    statuses = statuses_at_once(
        400, lambda: APIClient(HTTP_X_API_KEY="guess").get("/engagement/v3/callbacks/open-for/support").status_code
    )

    assert (statuses.count(401), statuses.count(429)) == (300, 100)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_22_creates_at_once_for_one_number_let_exactly_10_through(monkeypatch):
    monkeypatch.setitem(CreateByNumberThrottle.THROTTLE_RATES, "public_number", "10/hour")
    widget = WidgetFactory(
        public_key="shop", queue=QueueFactory(slug="support", time_zone="Europe/London", max_open_per_number=0)
    )
    addresses = iter(range(22))
    lock = threading.Lock()

    def send():
        with lock:  # each create from its own address: only the per-number limit applies
            address = f"10.0.0.{next(addresses)}"
        return book(APIClient(REMOTE_ADDR=address), widget).status_code

    statuses = statuses_at_once(22, send)

    assert (statuses.count(201), statuses.count(429)) == (10, 12)
