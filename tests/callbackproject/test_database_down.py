"""The database unreachable: every API answers JSON 503 with Retry-After, and the next request is served again.

The test's own connection is terminated on the server (pg_terminate_backend)
between two requests; the test client keeps it open across requests, as a
persistent connection (DB_CONN_MAX_AGE) would.
"""

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.core.handlers.exception import response_for_exception
from django.db import OperationalError, connection
from django.test import Client

from callbacks.models import ApiKey
from tests.factories import QueueFactory, UserFactory, WidgetFactory, working_agent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GES_KEY = "database-down-ges-key-01"


def terminate_our_connection() -> None:
    """Ends the Django connection's backend from a second connection, as a database restart or failover would."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"], autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def clients(roles):
    """For each API, a path and a client of the persona it is for."""
    queue = QueueFactory(slug="support")
    WidgetFactory(public_key="shop", queue=queue)
    key = ApiKey(name="Shop")
    key.set_key(GES_KEY)
    key.save()
    key.queues.add(queue)
    agent = Client()
    agent.force_login(working_agent(queue).user)
    supervisor_user = UserFactory()
    supervisor_user.groups.add(Group.objects.get(name="Supervisor"))
    supervisor = Client()
    supervisor.force_login(supervisor_user)
    return {
        "public": ("/api/v1/public/widgets/shop/config", Client()),
        "agent": ("/api/v1/agent/me", agent),
        "staff": ("/api/v1/queues/", supervisor),
        "ges": ("/engagement/v3/callbacks/queue-status/support", Client(HTTP_X_API_KEY=GES_KEY)),
    }


@pytest.mark.parametrize("api", ["public", "agent", "staff", "ges"])
def test_an_api_answers_503_json_while_the_database_is_gone_then_recovers(api, clients):
    path, client = clients[api]
    assert client.get(path).status_code == 200
    terminate_our_connection()

    down = client.get(path)
    assert down.status_code == 503
    assert down["Content-Type"] == "application/json"
    assert down["Retry-After"] == "5"

    assert client.get(path).status_code == 200


def test_the_503_says_unavailable_with_a_stable_code(clients):
    path, client = clients["public"]
    terminate_our_connection()
    assert client.get(path).json()["code"] == "unavailable"


def test_a_page_still_answers_an_html_page_when_the_database_is_gone(clients):
    _, supervisor = clients["staff"]
    supervisor.raise_request_exception = False
    terminate_our_connection()
    response = supervisor.get("/manage/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_database_error_outside_any_view_is_json_on_an_api_path(rf):
    """handler500: what fails in a middleware or a session, as Django answers it, with the error in flight."""
    request = rf.get("/api/v1/queues/")
    try:
        raise OperationalError("connection refused")
    except OperationalError as exc:
        response = response_for_exception(request, exc)
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response["Content-Type"] == "application/json"
