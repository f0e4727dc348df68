"""Real server processes a test starts on 127.0.0.1, each in its own process group, and stops."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(cmd: list[str], *, env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """Run ``cmd`` (a console script of the venv if not a path) from the project root, in a new session."""
    if os.path.sep not in cmd[0] and (BIN / cmd[0]).exists():
        cmd = [str(BIN / cmd[0]), *cmd[1:]]
    out = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_http(url: str, *, timeout: float = 20) -> None:
    """Wait until ``url`` answers at all (any status), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the whole process group at once, as a crashed host would."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def stop(proc: subprocess.Popen, *, timeout: float = 10) -> None:
    """SIGTERM the process group, then SIGKILL it if it has not gone within ``timeout``."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
    kill(proc)
