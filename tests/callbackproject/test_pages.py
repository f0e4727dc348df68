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
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_schema_and_docs_are_served(client, url):
    assert client.get(url).status_code == 200


def test_an_api_path_no_view_matches_answers_json(client):
    response = client.get("/api/v1/public/callbacks/not-a-uuid")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_page_that_does_not_exist_answers_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_page_for_another_role_explains_itself(agent):
    response = agent.get("/manage/")

    assert response.status_code == 403
    assert "Your role cannot open this page" in response.content.decode()


def test_the_server_error_page_renders_without_a_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
