"""Two gunicorns and two Celery workers on one PostgreSQL and one Redis: every callback booked and worked once."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery import Celery
from django.conf import settings
from rest_framework.authtoken.models import Token

from callbacks.models import Callback, CallbackEvent, State
from tests.factories import QueueFactory, WidgetFactory, working_agent
from tests.processes import free_port, start, stop, wait_http
from tests.redis_server import RedisServer

BOOKINGS = 200
DUPLICATES = 8
AGENTS = 12
BEAT_TASKS = ("callbacks.tasks.release_due", "callbacks.tasks.requeue_timed_out", "callbacks.tasks.expire_overdue")


def call(url, *, body=None, token=None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Token {token}"} if token else {})
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def environment(redis_url: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "scale-out-test-key-that-is-long-enough-for-django",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        # Every booking comes from 127.0.0.1: the per-address limit is not what is under test.
        "THROTTLE_PUBLIC_CREATE": "100000/min",
        "THROTTLE_AUTH": "100000/min",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_web_servers_and_two_workers_book_and_hand_out_each_callback_once(roles, tmp_path):
    queue = QueueFactory(any_hour=True)
    widget = WidgetFactory(queue=queue)
    tokens = [Token.objects.create(user=working_agent(queue).user).key for _ in range(AGENTS)]
    redis = RedisServer(free_port())
    redis.start()
    env = environment(redis.url)
    ports = [free_port(), free_port()]
    processes = []
    try:
        for n, port in enumerate(ports):
            processes.append(
                start(
                    ["gunicorn", "callbackproject.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                    env=env,
                    log=tmp_path / f"web{n}.log",
                )
            )
            processes.append(
                start(
                    ["celery", "-A", "callbackproject", "worker", "--concurrency", "1", "-n", f"worker{n}@%h"],
                    env=env,
                    log=tmp_path / f"worker{n}.log",
                )
            )
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_http(f"{base}/api/v1/public/widgets/{widget.public_key}/config", timeout=60)

        numbers = [f"+3120555{i:04d}" for i in range(BOOKINGS)] + ["+31205559999"] * DUPLICATES
        with ThreadPoolExecutor(16) as pool:
            booked = list(
                pool.map(
                    lambda job: call(
                        f"{bases[job[0] % 2]}/api/v1/public/widgets/{widget.public_key}/callbacks",
                        body={"phone_number": job[1], "first_name": "Ada"},
                    ),
                    enumerate(numbers),
                )
            )
        statuses = Counter(status for status, _ in booked)
        assert statuses == {201: BOOKINGS + 1, 409: DUPLICATES - 1}, booked

        # Both workers take the beat's ticks meanwhile, as two beats or a retried tick would send them.
        beat = Celery(broker=redis.url)
        stop_beat = threading.Event()

        def tick():
            while not stop_beat.wait(0.5):
                for task in BEAT_TASKS:
                    beat.send_task(task)

        ticker = threading.Thread(target=tick)
        ticker.start()

        def work(n: int) -> list[str]:
            base, token, done = bases[n % 2], tokens[n], []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status, callback = call(f"{base}/api/v1/agent/next", token=token)
                if status == 204:
                    return done
                assert status == 200, callback
                path = f"{base}/api/v1/agent/callbacks/{callback['id']}"
                assert call(f"{path}/start", token=token)[0] == 200
                assert call(f"{path}/outcome", body={"outcome": "connected"}, token=token)[0] == 200
                done.append(callback["id"])
            raise TimeoutError("the agent was still claiming after 60 s")

        try:
            with ThreadPoolExecutor(AGENTS) as pool:
                per_agent = list(pool.map(work, range(AGENTS)))
        finally:
            stop_beat.set()
            ticker.join(timeout=5)
    finally:
        for proc in processes:
            stop(proc)
        redis.stop()

    claims = Counter(public_id for done in per_agent for public_id in done)
    assert [public_id for public_id, times in claims.items() if times > 1] == []  # nobody got one twice
    assert len(claims) == BOOKINGS + 1  # none lost
    assert Callback.objects.filter(state=State.COMPLETED).count() == BOOKINGS + 1
    assert CallbackEvent.objects.filter(type="assigned").count() == BOOKINGS + 1
    assert sum(1 for done in per_agent if done) > 1  # the agents really worked side by side
