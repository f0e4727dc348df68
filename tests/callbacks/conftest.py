"""Fixtures of the callbacks tests: the support queue and its agent; and for the widget's real-browser tests,
a host site on another origin, a widget.

The widget is served by pytest-django's ``live_server`` (http://localhost:<port>) and embedded in
pages served from http://127.0.0.1:<another port>, so every API call crosses origins and CORS is
exercised exactly as on a customer's website.
"""

import http.server
import json
import threading
from urllib.parse import parse_qs

import pytest


@pytest.fixture
def queue(db):
    """The support queue, whose customers may be called at any hour; a module needing another defines its own."""
    from tests.factories import QueueFactory

    return QueueFactory(slug="support", name="Support", any_hour=True)


@pytest.fixture
def me(queue):
    """Ada, an agent serving the test's queue: the one signed in."""
    from tests.factories import working_agent

    return working_agent(queue, username="ada", first_name="Ada", last_name="Byron")


class HostPages:
    """A tiny web server for host pages: tests put HTML at a path and get its URL."""

    def __init__(self):
        pages = self.pages = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, html: str) -> str:
        self.pages[path.split("?")[0]] = html
        return self.origin + path

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def host_pages():
    pages = HostPages()
    yield pages
    pages.stop()


@pytest.fixture
def embedded_widget(host_pages):
    """A widget on an always-open queue that the host site may embed (its origin is allowed)."""
    from django.core.cache import cache

    from tests.factories import QueueFactory, WidgetFactory

    # Throttle counts live in the cache (Redis under `make test`) and would outlive the test.
    cache.clear()
    return WidgetFactory(
        public_key="acme-web",
        name="Acme website",
        queue=QueueFactory(slug="acme-support", name="Acme support", time_zone="UTC"),
        allowed_origins=f"https://www.acme.example\n{host_pages.origin}\n",
    )


HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="data:,">
  <style>
    /* Hostile host CSS: the widget's shadow DOM must keep it out. */
    body {{ margin: 0; font: 20px/1.8 "Comic Sans MS", cursive; color: #7a0000; background: #fffbe6; }}
    button, input, label {{ text-transform: uppercase; color: magenta !important; font-size: 30px; }}
    main {{ padding: 40px; }}
  </style>
</head>
<body>
  <main><h1>{title}</h1><p>Welcome to our shop. Questions? We'll call you.</p>{body}</main>
  {head_script}
  <script src="{api}/static/callback/widget.js" data-widget-key="{key}" {attrs} async></script>
</body>
</html>
"""

# Records every event the bus publishes, for the tests to read back.
RECORDER = """<script>
  window.recorded = [];
  window.CallbackBus = window.CallbackBus || [];
  window.CallbackBus.push(function (bus) {
    bus.subscribe("*", function (data, name) { window.recorded.push({name: name, data: data}); });
  });
</script>"""


@pytest.fixture
def host_page(host_pages, live_server):
    """Serves a page of the host site embedding the widget from the live server; returns its URL."""

    def make(widget, *, path="/", title="Acme Supplies", ui=True, attrs="", body="", record=True):
        attrs = (attrs + ("" if ui else ' data-ui="none"')).strip()
        html = HOST_PAGE.format(
            title=title,
            api=live_server.url,
            key=widget.public_key,
            attrs=attrs,
            body=body,
            head_script=RECORDER if record else "",
        )
        return host_pages.serve(path, html)

    return make


# -- a stand-in for the hosted CAPTCHA providers' siteverify --------------------------------------


class ProviderHandler(http.server.BaseHTTPRequestHandler):
    """Answers like a siteverify endpoint; the path picks the behaviour."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.received.append({"content_type": self.headers["Content-Type"], "form": parse_qs(body)})
        behaviour = self.path.strip("/")
        if behaviour == "slow":
            # Outlasts the client's timeout, then hangs up without answering.
            self.server.released.wait(10)
            return
        if behaviour == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"<h1>Internal Server Error</h1>")
            return
        if behaviour == "success":
            payload = {"success": True, "challenge_ts": "2025-01-01T00:00:00Z", "hostname": "example.com"}
        else:
            payload = {"success": False, "error-codes": ["invalid-input-response"]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass  # keep test output quiet


@pytest.fixture
def provider():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ProviderHandler)
    server.received = []
    server.released = threading.Event()
    server.url = lambda behaviour: f"http://127.0.0.1:{server.server_port}/{behaviour}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.released.set()
    server.shutdown()
    server.server_close()
    thread.join()
