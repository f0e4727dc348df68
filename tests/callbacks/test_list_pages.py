"""The callbacks list's pages, on the management page and the staff API alike: a cursor walks every row once,
each way, under the filters and through equal times; a page never counts the table, and takes the same
statements however many rows it shows."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callbacks.models import State
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, forced_into, signed_in, working_agent

pytestmark = pytest.mark.django_db

API = "/api/v1/callbacks/"
LIST = "/manage/callbacks/"
T = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def sales():
    return QueueFactory(slug="sales", name="Sales", any_hour=True)


@pytest.fixture
def listed(queue, sales):
    """The support queue's queued callbacks, newest first: seven asked for at the same instant among them.

    Beside them, what the filters leave out: the same instant in another queue, canceled ones.
    """
    later = [CallbackFactory(queue=queue, now=T + dt.timedelta(hours=1)) for _ in range(2)]
    same = [CallbackFactory(queue=queue, now=T) for _ in range(7)]
    earlier = [CallbackFactory(queue=queue, now=T - dt.timedelta(hours=1)) for _ in range(2)]
    for _ in range(3):
        CallbackFactory(queue=sales, now=T)
    for _ in range(2):
        forced_into(CallbackFactory(queue=queue, now=T), State.CANCELED)
    newest_first = [*reversed(later), *reversed(same), *reversed(earlier)]  # equal times: the higher id first
    return [str(callback.public_id) for callback in newest_first]


FILTERS = {"queue": "support", "state": "queued", "page_size": 3}


def api_pages(client, body, link: str) -> list[list[str]]:
    pages = []
    while True:
        pages.append([item["id"] for item in body["results"]])
        if not body[link]:
            return pages
        body = client.get(body[link]).json()


class TestTheStaffApiWalk:
    def test_next_walks_every_matching_callback_once_in_order(self, manager, listed):
        pages = api_pages(manager, manager.get(API, FILTERS).json(), "next")

        assert [len(page) for page in pages] == [3, 3, 3, 2]
        assert [item for page in pages for item in page] == listed

    def test_previous_walks_back_through_the_same_pages(self, manager, listed):
        forward = api_pages(manager, manager.get(API, FILTERS).json(), "next")
        last = manager.get(API, FILTERS).json()
        while last["next"]:
            last = manager.get(last["next"]).json()

        assert api_pages(manager, last, "previous") == forward[::-1]

    def test_a_page_whose_callbacks_went_meanwhile_leads_back_to_the_newest(self, manager, queue):
        kept = [CallbackFactory(queue=queue, now=T + dt.timedelta(minutes=n)) for n in range(3)]
        following = manager.get(API, {"page_size": 2}).json()["next"]
        kept[0].delete()

        body = manager.get(following).json()

        assert (body["results"], body["next"]) == ([], None)
        assert manager.get(body["previous"]).json()["results"][0]["id"] == str(kept[2].public_id)

    def test_a_search_walks_its_pages_by_the_same_cursor(self, manager, listed):
        first = manager.post(API + "search?page_size=3", {"queue": "support", "state": ["queued"]}, "application/json")
        second = manager.post(first.json()["next"], {"queue": "support", "state": ["queued"]}, "application/json")

        assert [item["id"] for item in second.json()["results"]] == listed[3:6]


def older_link(body: str) -> str | None:
    found = re.search(r'href="([^"]*)">Older →', body)
    return html.unescape(found.group(1)) if found else None


def newer_link(body: str) -> str | None:
    found = re.search(r'href="([^"]*)">← Newer', body)
    return html.unescape(found.group(1)) if found else None


def page_pages(client, url: str, link) -> tuple[list[list[str]], str]:
    """The public ids of each page followed by ``link`` from ``url``, and the last page's address."""
    pages = []
    while True:
        response = client.get(url)
        pages.append([str(callback.public_id) for callback in response.context["callbacks"]])
        following = link(response.content.decode())
        if following is None:
            return pages, url
        url = following


class TestTheManagePageWalk:
    def test_older_walks_every_matching_callback_once_in_order(self, supervisor, listed):
        pages, _ = page_pages(supervisor, f"{LIST}?queue=support&state=queued&page_size=3", older_link)

        assert [item for page in pages for item in page] == listed

    def test_newer_walks_back_through_the_same_pages(self, supervisor, listed):
        forward, last = page_pages(supervisor, f"{LIST}?queue=support&state=queued&page_size=3", older_link)

        backward, _ = page_pages(supervisor, last, newer_link)

        assert backward == forward[::-1]

    def test_its_links_keep_the_filters_and_never_a_number_typed_in_the_address(self, supervisor, listed):
        body = supervisor.get(f"{LIST}?queue=support&state=queued&page_size=3&phone=%2B442079460958").content.decode()

        link = older_link(body)
        assert link is not None and "queue=support" in link and "state=queued" in link
        assert "phone" not in link and "2079460958" not in link

    def test_a_number_search_pages_by_its_id_not_the_number(self, supervisor, queue):
        for _ in range(3):
            CallbackFactory(queue=queue, phone_number="+442079460958")
        found = supervisor.post(LIST + "search", {"phone": "020 7946 0958", "query": "page_size=2"}, follow=True)

        link = older_link(found.content.decode())
        assert link is not None and "search=" in link and "7946" not in link
        assert len(supervisor.get(link).context["callbacks"]) == 1

    def test_an_unreadable_cursor_starts_again_from_the_newest(self, supervisor, listed):
        response = supervisor.get(f"{LIST}?queue=support&cursor=not-a-cursor", follow=True)

        assert response.redirect_chain == [(f"{LIST}?queue=support", 302)]
        assert "That page of the list could not be found" in response.content.decode()


class TestTheDayFilters:
    @pytest.fixture
    def around_the_2nd(self, queue):
        return {
            "before": CallbackFactory(queue=queue, now=dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=dt.UTC)),
            "first": CallbackFactory(queue=queue, now=dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)),
            "last": CallbackFactory(queue=queue, now=dt.datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=dt.UTC)),
            "after": CallbackFactory(queue=queue, now=dt.datetime(2026, 3, 3, 0, 0, tzinfo=dt.UTC)),
        }

    def test_from_and_until_a_day_take_the_whole_day_and_nothing_else(self, manager, around_the_2nd):
        body = manager.get(API, {"created_from": "2026-03-02", "created_to": "2026-03-02"}).json()

        wanted = [around_the_2nd["last"], around_the_2nd["first"]]
        assert [item["id"] for item in body["results"]] == [str(callback.public_id) for callback in wanted]


def some_callbacks(count: int, *queues) -> None:
    """``count`` callbacks over ``queues``, every third held by an agent of its own: each row with its own
    queue, agent and user to read, as an N+1 would."""
    for n in range(count):
        callback = CallbackFactory(queue=queues[n % len(queues)])
        if n % 3 == 0:
            forced_into(callback, State.IN_PROGRESS, agent=AgentFactory())


class TestStatementsPerPage:
    """The same bound with 3 rows and with 30: no statement per row."""

    @pytest.fixture
    def queues(self, queue, sales):
        return [queue, sales, QueueFactory(slug="billing", name="Billing", any_hour=True)]

    @pytest.mark.parametrize("rows", [3, 30])
    def test_the_manage_list(self, supervisor, queues, rows, django_assert_max_num_queries):
        some_callbacks(rows, *queues)

        with django_assert_max_num_queries(8):
            response = supervisor.get(LIST)

        assert len(response.context["callbacks"]) == min(rows, 25)

    @pytest.mark.parametrize("rows", [3, 30])
    def test_the_manage_list_filtered(self, supervisor, queues, rows, django_assert_max_num_queries):
        some_callbacks(rows, *queues)

        with django_assert_max_num_queries(9):
            response = supervisor.get(LIST, {"queue": "support", "state": ["queued", "in_progress"]})

        assert response.context["callbacks"]

    @pytest.mark.parametrize("rows", [3, 30])
    def test_the_staff_api_list(self, manager, queues, rows, django_assert_max_num_queries):
        some_callbacks(rows, *queues)

        with django_assert_max_num_queries(7):
            response = manager.get(API)

        assert len(response.json()["results"]) == min(rows, 25)

    @pytest.mark.parametrize("rows", [3, 30])
    def test_the_staff_api_search(self, manager, queues, rows, django_assert_max_num_queries):
        some_callbacks(rows, *queues)

        with django_assert_max_num_queries(8):
            response = manager.post(API + "search", {"queue": "support"}, "application/json")

        assert response.json()["results"]

    @pytest.mark.parametrize("rows", [3, 30])
    def test_the_worklist(self, queues, rows, django_assert_max_num_queries):
        agent = working_agent(*queues)
        client = signed_in(agent)
        some_callbacks(rows, *queues)
        for n in range(rows):
            CallbackFactory(queue=queues[n % 3], desired_time=T.replace(year=2099) + dt.timedelta(minutes=n))

        with django_assert_max_num_queries(15):
            response = client.get("/agent/")

        assert response.status_code == 200

    def test_no_list_counts_its_rows(self, supervisor, manager, queues):
        some_callbacks(30, *queues)

        with CaptureQueriesContext(connection) as captured:
            supervisor.get(LIST)
            manager.get(API)

        assert not [query["sql"] for query in captured if "COUNT(" in query["sql"].upper()]
