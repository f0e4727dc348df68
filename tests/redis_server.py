"""A Redis server a test starts on its own port, to stop and start again under the service."""

import socket
import subprocess
import time

import kombu.pools
import pytest
from django.test import override_settings


class RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        self._wait(listening=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._wait(listening=False)

    def _wait(self, *, listening: bool) -> None:
        for _ in range(100):
            with socket.socket() as probe:
                if (probe.connect_ex(("127.0.0.1", self.port)) == 0) == listening:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis on port {self.port} did not {'start' if listening else 'stop'}")

    def caches(self) -> dict:
        """A CACHES setting on this server, with the timeouts of the real settings."""
        from django.conf import settings

        options = settings.CACHES["default"].get("OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": self.url,
                "OPTIONS": options,
            }
        }


@pytest.fixture
def redis_server(monkeypatch):
    """The service's cache and broker on a Redis of the test's own (port 6393), which the test stops and starts."""
    from callbackproject.celery import app

    server = RedisServer(6393)
    server.start()
    monkeypatch.setattr(app.conf, "broker_write_url", server.url)
    # Producers connect anew, to this server, and none is left connected to it afterwards.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    try:
        with override_settings(CACHES=server.caches()):
            yield server
    finally:
        kombu.pools.reset()
        server.stop()
