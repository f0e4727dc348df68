import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", password="demo-pass", stdout=io.StringIO())


def test_home_page_invites_an_anonymous_visitor_to_log_in(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"/accounts/login/" in response.content
    assert b"/api/docs/" in response.content


def test_logging_in_with_a_demo_user_shows_their_role_on_the_home_page(client, demo):
    assert client.get("/accounts/login/").status_code == 200

    response = client.post("/accounts/login/", {"username": "supervisor", "password": "demo-pass"}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert b"Signed in as Sam Super" in response.content
    assert b"Supervisor" in response.content


def test_a_wrong_password_is_refused_on_the_login_page(client, demo):
    response = client.post("/accounts/login/", {"username": "agent1", "password": "wrong"})

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert "_auth_user_id" not in client.session


def test_health_check_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_schema_and_docs_are_served(client, url):
    assert client.get(url).status_code == 200
