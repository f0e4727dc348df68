"""Debian's Chromium for the real-browser tests (fixtures ``chromium_executable`` and ``browser`` in conftest)."""

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
