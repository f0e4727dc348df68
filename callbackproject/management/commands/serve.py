"""Run the whole service for trying it out: web server, Celery worker and beat, a demo site, until Ctrl-C.

Each child runs in its own process group, so Ctrl-C in the terminal reaches
only this command, which then stops the children in order; signalling the
group also reaches what a child started itself (runserver's autoreloader).
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT = 10
# The demo pages embed the widget from http://127.0.0.1:8000, so they assume the default --port.
DEMO_PORT = 8001


@dataclass
class Child:
    name: str
    where: str
    argv: list[str]
    process: subprocess.Popen | None = None


class Command(BaseCommand):
    help = (
        "Serve the web app on 127.0.0.1 with a Celery worker and beat, and the widget demo site on "
        f"127.0.0.1:{DEMO_PORT} (development and demos only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port of the web server (default: 8000).")

    def children(self, port: int) -> list[Child]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "callbackproject"]
        var = settings.VAR_DIR
        return [
            Child(
                "web",
                f"http://127.0.0.1:{port}/",
                [python, str(settings.BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"],
            ),
            Child("worker", "Celery worker, runs the tasks", [*celery, "worker", "--pool=solo", "--loglevel=info"]),
            Child(
                "beat",
                "Celery beat, sends the periodic ticks stored in the database",
                [
                    *celery,
                    "beat",
                    "--loglevel=info",
                    "-S",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                    "--pidfile",
                    str(var / "celerybeat.pid"),
                    "--schedule",
                    str(var / "celerybeat-schedule"),
                ],
            ),
            # A pretend customer site on another origin, embedding the widget as a real one would.
            Child(
                "demo",
                f"http://127.0.0.1:{DEMO_PORT}/ (widget demo), "
                f"http://127.0.0.1:{DEMO_PORT}/service-only.html (CallbackService alone)",
                [
                    python,
                    "-m",
                    "http.server",
                    str(DEMO_PORT),
                    "--bind",
                    "127.0.0.1",
                    "--directory",
                    str(settings.BASE_DIR / "callbacks" / "demo_host"),
                ],
            ),
        ]

    def handle(self, *args, port, **options):
        stopping = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: stopping.append(signum))

        children = self.children(port)
        # The beat keeps its pid and schedule files there (the embedded defaults may not have made it).
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Unbuffered, so the children's logs interleave in the order they happen.
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        died = None
        try:
            for child in children:
                child.process = subprocess.Popen(
                    child.argv, env=env, cwd=settings.BASE_DIR, stdin=subprocess.DEVNULL, process_group=0
                )
            self.stdout.write("Running (Ctrl-C stops everything):")
            for child in children:
                self.stdout.write(f"  {child.name:<7} {child.where}  [pid {child.process.pid}]")
            self.stdout.flush()
            while not stopping and died is None:
                time.sleep(0.3)
                died = next((c for c in children if c.process.poll() is not None), None)
        finally:
            self.stdout.write("Stopping…")
            self.stop({c.name: c.process for c in children if c.process})
        if died:
            raise CommandError(f"{died.name} exited with code {died.process.returncode}; stopped the others.")
        self.stdout.write("Stopped.")

    def stop(self, processes: dict[str, subprocess.Popen]) -> None:
        """SIGTERM every group, give them STOP_TIMEOUT seconds in all, then SIGKILL what is left."""
        self.signal(processes.values(), signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, process in processes.items():
            try:
                process.wait(max(0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop within {STOP_TIMEOUT} s; killing it.")
        self.signal(processes.values(), signal.SIGKILL)
        for process in processes.values():
            process.wait()

    @staticmethod
    def signal(processes: Iterable[subprocess.Popen], signum: int) -> None:
        for process in processes:
            try:
                os.killpg(process.pid, signum)
            except ProcessLookupError:
                pass
