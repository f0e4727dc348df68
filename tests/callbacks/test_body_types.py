"""A body that is not the object an operation expects is a 400 in JSON, never a 500, on every API."""

import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from tests.factories import every_api_world, working_agent

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["[]", "1", '"x"', "null", "true"]
GES_KEY = "body-types-ges-key-0123"


def operations_with_a_body() -> list[str]:
    """Every operation of /api/schema/ that takes a body, GES's included, from the schema itself."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    )


@pytest.fixture
def world(roles):
    """A queue with a widget, an API key, a customer's callback and its token, and an agent serving the queue."""
    made = every_api_world(ges_key=GES_KEY)
    return {"callback": made["callback"], "token": made["token"], "agent": working_agent(made["queue"])}


def client_for(path: str, world, django_user_model) -> tuple[Client, dict]:
    """The caller each API is for: the customer (with the callback's token), the agent, a supervisor, an API key."""
    client = Client()
    if path.startswith("/engagement/"):
        return client, {"HTTP_X_API_KEY": GES_KEY}
    if path.startswith("/api/v1/public/"):
        return client, {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    if path.startswith("/api/v1/agent/"):
        client.force_login(world["agent"].user)
    elif path != "/api/v1/auth/token":
        from django.contrib.auth.models import Group

        supervisor = django_user_model.objects.create_user("supervisor-bodies")
        supervisor.groups.add(Group.objects.get(name="Supervisor"))
        client.force_login(supervisor)
    return client, {}


@pytest.mark.parametrize("body", NOT_OBJECTS)
@pytest.mark.parametrize("operation", operations_with_a_body())
def test_an_api_refuses_a_body_that_is_no_object(operation, body, world, django_user_model):
    method, path = operation.split(" ")
    url = path.format(key="shop", callback_id=world["callback"].public_id, agent_id=world["agent"].pk)
    client, headers = client_for(path, world, django_user_model)
    response = client.generic(method, url, body, content_type="application/json", **headers)
    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict)  # the token endpoint (DRF's own parsers) says it in its own words


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_the_widget_events_beacon_refuses_text_that_is_no_object(body, world):
    """navigator.sendBeacon's text/plain is parsed as JSON too."""
    response = Client().post("/api/v1/public/widgets/shop/events", body, content_type="text/plain")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON body must be an object."}


@pytest.mark.parametrize("body", NOT_OBJECTS)
@pytest.mark.parametrize("path", ["callbacks/create", "callbacks/cancel", "callbacks/retrieve"])
def test_ges_refuses_a_body_that_is_no_object_in_its_envelope(path, body, world):
    response = Client().post(f"/engagement/v3/{path}", body, content_type="application/json", HTTP_X_API_KEY=GES_KEY)
    assert response.status_code == 400
    assert response.json()["status"]["code"] == 400
    assert response.json()["status"]["message"] == "JSON body must be an object."


def test_a_ges_body_over_the_size_limit_is_413_in_its_envelope(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"serviceName": "support", "phoneNumber": "+442079460958", "userData": {"x": "y" * 1000}})
    response = Client().post(
        "/engagement/v3/callbacks/create", body, content_type="application/json", HTTP_X_API_KEY=GES_KEY
    )
    assert response.status_code == 413
    assert response.json()["status"]["code"] == 413


def test_a_public_body_over_the_size_limit_is_413_json(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"phone_number": "+442079460958", "notes": "y" * 1000})
    response = Client().post("/api/v1/public/widgets/shop/callbacks", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
