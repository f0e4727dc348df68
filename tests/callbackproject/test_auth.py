import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token"


def test_it_gives_a_token_for_a_username_and_password():
    user = UserFactory(username="sam", password="pw-for-tests")

    response = APIClient().post(URL, {"username": "sam", "password": "pw-for-tests"}, format="json")

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_it_refuses_a_wrong_password_with_a_field_message():
    UserFactory(username="sam", password="pw-for-tests")

    response = APIClient().post(URL, {"username": "sam", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
