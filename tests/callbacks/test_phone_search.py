"""Searching by phone number keeps the number out of URLs: a POST body on the staff API and the management page."""

import pytest

from tests.callbacks.test_staff_api import ids, limit_to
from tests.factories import CallbackFactory, QueueFactory

SEARCH = "/api/v1/callbacks/search"


@pytest.fixture
def queue(db):
    return QueueFactory(slug="support")


@pytest.fixture
def wanted(queue):
    CallbackFactory(queue=queue, first_name="Alan", phone_number="+442079461234")
    return CallbackFactory(queue=queue, first_name="Grace", phone_number="+442079460958")


@pytest.mark.parametrize("search", ["+44 20 7946 0958", "020 7946 0958", "0958"])
def test_the_staff_api_finds_a_number_whole_or_by_digits_in_a_post_body(manager, wanted, search):
    response = manager.post(SEARCH, {"phone": search}, content_type="application/json")

    assert ids(response) == [str(wanted.public_id)]


def test_the_search_keeps_to_the_users_lines_of_business(manager, wanted):
    other = CallbackFactory(queue=QueueFactory(slug="sales"), phone_number="+442079460958")
    limit_to(manager, other.queue)

    assert ids(manager.post(SEARCH, {"phone": "0958"}, content_type="application/json")) == [str(other.public_id)]


def test_the_search_takes_the_lists_other_filters(manager, wanted):
    response = manager.post(SEARCH, {"phone": "0958", "state": ["scheduled"]}, content_type="application/json")

    assert ids(response) == []


def test_the_search_answers_a_list_where_text_belongs_with_a_field_error(manager, wanted):
    response = manager.post(SEARCH, {"phone": "0958", "created_to": [None, None]}, content_type="application/json")

    assert response.status_code == 400
    assert "created_to" in response.json()


def test_the_list_refuses_a_number_in_its_query_and_points_to_the_search(manager, wanted):
    response = manager.get("/api/v1/callbacks/?phone=0958")

    assert response.status_code == 400
    assert "/api/v1/callbacks/search" in response.json()["phone"][0]


def test_the_manage_page_search_redirects_to_an_address_without_the_number(supervisor, wanted):
    response = supervisor.post("/manage/callbacks/search", {"phone": "020 7946 0958"})

    assert response.status_code == 302
    assert "0958" not in response["Location"] and "search=" in response["Location"]


def test_the_manage_page_lists_what_the_number_search_found(supervisor, wanted):
    body = supervisor.get(supervisor.post("/manage/callbacks/search", {"phone": "0958"})["Location"]).content.decode()

    assert "Grace" in body and "Alan" not in body
