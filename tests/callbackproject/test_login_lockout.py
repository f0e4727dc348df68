"""Password guessing is locked out on every sign-in: the pages, the admin and the API token (django-axes)."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"
LOCKED = "Too many failed sign-ins"


def sign_in(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


def guess(client, url, username, times=settings.AXES_FAILURE_LIMIT):
    """Wrong passwords; the one reaching the limit is already answered with the lockout."""
    for n in range(times):
        sign_in(client, url, username, f"wrong-{n}")


@pytest.fixture
def user():
    return UserFactory(username="ada", is_staff=True)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_the_right_password_is_refused_after_too_many_wrong_ones(user, url):
    client = Client()
    guess(client, url, "ada")

    response = sign_in(client, url, "ada", PASSWORD)

    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_lockout_page_says_when_to_try_again_and_who_unlocks(user):
    client = Client()
    guess(client, "/accounts/login/", "ada")

    response = sign_in(client, "/accounts/login/", "ada", PASSWORD)

    assert "Try again after 15 minutes, or ask an administrator to unlock it." in response.content.decode()
    assert response["Retry-After"] == "900"


def test_fewer_wrong_passwords_than_the_limit_do_not_lock(user):
    client = Client()
    guess(client, "/accounts/login/", "ada", times=settings.AXES_FAILURE_LIMIT - 1)

    assert sign_in(client, "/accounts/login/", "ada", PASSWORD).status_code == 302


def test_the_token_endpoint_answers_a_lockout_in_json(user):
    client = Client()
    guess(client, "/api/v1/auth/token", "ada")

    response = sign_in(client, "/api/v1/auth/token", "ada", PASSWORD)

    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert response.json()["code"] == "locked_out"


def test_an_account_is_locked_from_every_address(user):
    guess(Client(REMOTE_ADDR="203.0.113.1"), "/accounts/login/", "ada")

    response = sign_in(Client(REMOTE_ADDR="198.51.100.7"), "/accounts/login/", "ada", PASSWORD)

    assert response.status_code == 429


def test_an_address_guessing_many_accounts_is_locked_for_every_account(user):
    client = Client(REMOTE_ADDR="203.0.113.1")
    for n in range(settings.AXES_FAILURE_LIMIT):
        guess(client, "/accounts/login/", f"someone{n}", times=1)

    response = sign_in(client, "/accounts/login/", "ada", PASSWORD)

    assert response.status_code == 429


def test_an_administrator_unlocks_the_account_in_the_admin(user, administrator):
    guess(Client(), "/accounts/login/", "ada")

    unlocked = administrator.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )

    assert unlocked.status_code == 302 and not AccessAttempt.objects.exists()
    assert sign_in(Client(), "/accounts/login/", "ada", PASSWORD).status_code == 302


def test_the_lock_lifts_when_the_cool_off_has_passed(user):
    client = Client()
    guess(client, "/accounts/login/", "ada")

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        response = sign_in(client, "/accounts/login/", "ada", PASSWORD)

    assert response.status_code == 302


def test_the_lock_holds_until_the_cool_off_has_passed(user):
    client = Client()
    guess(client, "/accounts/login/", "ada")

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14), tick=False):
        response = sign_in(client, "/accounts/login/", "ada", PASSWORD)

    assert response.status_code == 429
