"""A widget's create in a handful of statements (#13): the number's lock and counts, three inserts, the position.

The queue's rules, hours, calling policies, widget and staffing come from the cache after the first request;
BEGIN, COMMIT and savepoints are not counted.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import QueueFactory, QueueRulesFactory, WidgetFactory, working_agent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_cache")]

MOST = 8


@pytest.fixture
def widget():
    queue = QueueFactory(slug="support", time_zone="Europe/London", any_hour=True)
    working_agent(queue, username="ada")
    return WidgetFactory(public_key="shop", queue=queue)


def statements_of_a_create(widget, number: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = APIClient().post(
            f"/api/v1/public/widgets/{widget.public_key}/callbacks", {"phone_number": number}, format="json"
        )
    assert response.status_code == 201, response.json()
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_create_takes_at_most_eight_statements_once_the_queues_configuration_is_cached(widget):
    statements_of_a_create(widget, "+44 20 7946 0950")

    assert len(statements_of_a_create(widget, "+44 20 7946 0951")) <= MOST


def test_every_limit_on_the_number_is_answered_by_one_lock_and_one_count(widget):
    QueueRulesFactory(queue=widget.queue, max_open_across_queues=2, max_requests_per_day=3)
    statements_of_a_create(widget, "+44 20 7946 0950")

    statements = statements_of_a_create(widget, "+44 20 7946 0951")

    assert len(statements) <= MOST
    assert sum("pg_advisory_xact_lock" in sql for sql in statements) == 1
    assert sum('FROM "callbacks_callback" WHERE "callbacks_callback"."phone_number"' in sql for sql in statements) == 1
