"""The production settings on a real gunicorn: deploy checks, WhiteNoise static files, security headers."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def production_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "callbackproject.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.update(extra)
    return env


def test_deploy_checks_pass_with_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def get(url: str, **headers: str):
    """The answer, status and headers, never following a redirect's body into an error."""
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)
    except urllib.error.HTTPError as error:
        return error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("static")
    port = free_port()
    env = production_env(
        STATIC_ROOT=str(static_root),
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_COOKIES="false",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "callbackproject.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base, static_root
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def hashed_name(static_root: Path, name: str) -> str:
    import json

    return json.loads((static_root / "staticfiles.json").read_text())["paths"][name]


# The embed snippet's versioned address, its minified twin, and the first address, which older tags still name.
WIDGET_URLS = ["callback/v1/widget.js", "callback/v1/widget.min.js", "callback/widget.js", "callback/widget.min.js"]


@pytest.mark.parametrize("name", WIDGET_URLS)
def test_widget_js_at_its_stable_url_is_short_cached_and_open_to_any_origin(server, name):
    base, _ = server
    response = get(f"{base}/static/{name}")
    assert response.status == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "public, max-age=300"


def test_the_versioned_and_the_first_address_serve_the_same_widget(server):
    base, _ = server
    assert get(f"{base}/static/callback/v1/widget.js").read() == get(f"{base}/static/callback/widget.js").read()


@pytest.mark.parametrize("name", ["callback/v1/widget.js", "callback/widget.js"])
def test_hashed_widget_js_is_cached_for_good(server, name):
    base, static_root = server
    response = get(f"{base}/static/{hashed_name(static_root, name)}")
    assert response.status == 200
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=315360000" in response.headers["cache-control"]


def test_admin_css_is_served_by_its_manifest_name(server):
    base, static_root = server
    response = get(f"{base}/static/{hashed_name(static_root, 'admin/css/base.css')}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_static_files_come_compressed_when_asked(server, encoding):
    base, _ = server
    response = get(f"{base}/static/callback/v1/widget.js", **{"Accept-Encoding": encoding})
    assert response.headers["content-encoding"] == encoding


@pytest.mark.postgres
def test_login_page_renders_with_the_manifest_storage(server):
    base, _ = server
    response = get(f"{base}/accounts/login/")
    assert response.status == 200
    assert response.headers["referrer-policy"] == "same-origin"
    # django-csp writes its directives in no fixed order: compare them by name.
    directives = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    assert directives["script-src"] == "'self'"


@pytest.mark.postgres
def test_the_api_docs_load_their_script_from_our_own_origin(server):
    base, _ = server
    page = get(f"{base}/api/docs/")
    assert page.status == 200
    assert "<script>" not in page.read().decode()  # the split view: its script is a file the policy allows
