"""A task only the tests' workers import (``celery worker -I tests.worker_tasks``)."""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.block", acks_late=True)
def block(path: str, seconds: float) -> None:
    """Note each run (its worker's pid) in ``path``, then hold the worker for ``seconds``."""
    with Path(path).open("a") as runs:
        runs.write(f"{os.getpid()}\n")
    time.sleep(seconds)
