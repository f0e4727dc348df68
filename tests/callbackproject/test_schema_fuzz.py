"""schemathesis over every operation of /api/schema/: no answer is a 5xx, and every answer matches the schema.

Each API is called as the caller it is for (the customer with a callback's
token, an agent's token, a supervisor's, a GES API key) and on objects that
exist, so the generated bodies and queries reach the views rather than a 404.
"""

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from callbackproject.wsgi import application
from tests.factories import UserFactory, every_api_world, working_agent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GES_KEY = "schema-fuzz-ges-key-0123"
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def world(roles):
    """The objects the paths name, and each caller's credentials."""
    made = every_api_world(ges_key=GES_KEY)
    queue, callback, customer_token = made["queue"], made["callback"], made["token"]
    supervisor = UserFactory()
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    return {
        "path": {"key": "shop", "service_name": "support", "callback_id": str(callback.public_id)},
        "/api/v1/public/": {"Authorization": f"Bearer {customer_token}"},
        "/api/v1/agent/": {"Authorization": f"Token {Token.objects.create(user=working_agent(queue).user).key}"},
        "/api/v1/": {"Authorization": f"Token {Token.objects.create(user=supervisor).key}"},
        "/engagement/": {"x-api-key": GES_KEY},
    }


def credentials(world, path: str) -> dict:
    return next((headers for prefix, headers in world.items() if path.startswith(prefix)), {})


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_within_its_schema(case, world):
    # Throttle counts live in the cache: each example starts with none, so the fuzz finds
    # the same answers whatever ran before it (a 429 would hide the view behind it).
    cache.clear()
    case.path_parameters = {
        name: world["path"].get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    case.call_and_validate(
        headers=credentials(world, case.path), checks=[not_a_server_error, response_schema_conformance]
    )
