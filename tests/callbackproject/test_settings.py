"""Settings as each way of starting the service loads them: in a fresh process, from the environment alone."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*argv, tmp_path, **env):
    """``argv`` in a fresh Python with only ``env`` set beyond the basics (no DEBUG, no SECRET_KEY)."""
    base = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "callbackproject.settings"}
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=base | env, capture_output=True, text=True,
                          timeout=60)


def test_manage_py_in_a_checkout_runs_with_nothing_set(tmp_path):
    result = run("manage.py", "shell", "-v", "0", "-c", "from django.conf import settings; print(settings.DEBUG)",
                 tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_manage_py_with_debug_off_refuses_to_start_without_a_secret_key(tmp_path):
    result = run("manage.py", "check", tmp_path=tmp_path, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_server_process_has_debug_off_and_refuses_to_start_without_a_secret_key(tmp_path):
    # What gunicorn and celery do: load the settings without manage.py.
    result = run("-c", "import django; django.setup()", tmp_path=tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_server_process_with_a_secret_key_starts_with_debug_off(tmp_path):
    result = run("-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
                 tmp_path=tmp_path, SECRET_KEY="a-real-secret-for-this-test")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
