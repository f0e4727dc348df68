"""Settings as each way of starting the service loads them: in a fresh process, from the environment alone."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*argv, tmp_path, **env):
    """``argv`` in a fresh Python with only ``env`` set beyond the basics (no DEBUG, no SECRET_KEY)."""
    base = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "callbackproject.settings"}
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60)


def test_manage_py_in_a_checkout_runs_with_nothing_set(tmp_path):
    result = run(
        "manage.py",
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        tmp_path=tmp_path,
    )

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
    result = run(
        "-c",
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        tmp_path=tmp_path,
        SECRET_KEY="a-real-secret-for-this-test",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_importing_the_settings_touches_nothing(tmp_path):
    var = tmp_path / "var"

    result = run("-c", "import callbackproject.settings", tmp_path=tmp_path, VAR_DIR=str(var), DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert not var.exists()


def test_a_checkout_makes_its_folders_and_one_development_key_at_start_up(tmp_path):
    var = tmp_path / "var"
    key = "from django.conf import settings; print(settings.SECRET_KEY)"

    first = run("manage.py", "shell", "-v", "0", "-c", key, tmp_path=tmp_path, VAR_DIR=str(var))
    second = run("manage.py", "shell", "-v", "0", "-c", key, tmp_path=tmp_path, VAR_DIR=str(var))

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout == (var / "dev_secret_key").read_text() + "\n"
    assert (var / "dev_secret_key").stat().st_mode & 0o777 == 0o600
    assert {path.name for path in (var / "celery").iterdir()} == {"queue", "processed", "control"}


def test_a_server_on_postgresql_and_redis_touches_no_folder(tmp_path):
    var = tmp_path / "var"

    result = run(
        "-c",
        "import django; django.setup()",
        tmp_path=tmp_path,
        VAR_DIR=str(var),
        SECRET_KEY="a-real-secret-for-this-test",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )

    assert result.returncode == 0, result.stderr
    assert not var.exists()


def test_an_app_setting_has_its_default_in_the_app_and_its_value_from_the_environment(tmp_path):
    read = (
        "import django; django.setup(); from callbacks.conf import callback_settings; "
        "print(callback_settings.retention_days)"
    )
    server = {"SECRET_KEY": "a-real-secret-for-this-test"}

    default = run("-c", read, tmp_path=tmp_path, **server)
    configured = run("-c", read, tmp_path=tmp_path, **server, CALLBACK_RETENTION_DAYS="7")

    assert (default.stdout.strip(), configured.stdout.strip()) == ("30", "7")
