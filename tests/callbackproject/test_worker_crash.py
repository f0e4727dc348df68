"""A worker killed mid-task: its unacknowledged task runs again on another worker after the visibility timeout."""

import json
import time

from tests.processes import free_port, kill, start, stop
from tests.redis_server import RedisServer

VISIBILITY_TIMEOUT = 5


def worker(*, broker: str, tmp_path, name: str):
    return start(
        [
            "celery",
            "-A",
            "callbackproject",
            "worker",
            "--pool=solo",
            "-I",
            "tests.worker_tasks",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env={
            "CELERY_BROKER_URL": broker,
            "REDIS_URL": broker,
            "DEBUG": "true",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        },
        log=tmp_path / f"{name}.log",
    )


def runs(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def wait_for_runs(path, count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(runs(path)) < count:
        assert time.monotonic() < deadline, f"{count} run(s) not seen within {timeout}s: {runs(path)}"
        time.sleep(0.2)


def test_a_task_whose_worker_is_killed_runs_again_on_the_next_worker(tmp_path):
    redis = RedisServer(free_port())
    redis.start()
    record = tmp_path / "runs"
    first = second = None
    try:
        first = worker(broker=redis.url, tmp_path=tmp_path, name="first")
        # Sent by a process of its own, as a web server would: nothing of this test process's Celery state is used.
        sender = start(
            ["celery", "-A", "callbackproject", "call", "tests.block", "--args", json.dumps([str(record), 120])],
            env={"CELERY_BROKER_URL": redis.url, "REDIS_URL": redis.url, "DEBUG": "true"},
            log=tmp_path / "sender.log",
        )
        sender.wait(timeout=60)
        wait_for_runs(record, 1, timeout=120)  # a worker starting on a busy 2-core machine
        kill(first)  # the whole process group, mid-task: nothing acknowledges or requeues the message

        second = worker(broker=redis.url, tmp_path=tmp_path, name="second")
        # Within the timeout, the 10 s sweep, and the second worker's start-up on a busy machine.
        wait_for_runs(record, 2, timeout=VISIBILITY_TIMEOUT + 40)

        assert runs(record)[0] != runs(record)[1]
    finally:
        for proc in (first, second):
            if proc:
                stop(proc)
        redis.stop()
