"""The queue overview, its page (/manage/) and its staff API read (GET /api/v1/queues/): the same statements
however many callbacks its queues hold, and today's completions counted from the callbacks' end times."""

import pytest
from django.utils import timezone

from callbacks import claim, services
from callbacks.models import Outcome, State
from reporting.selectors import queue_overview
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, forced_into, working_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def queues():
    return [QueueFactory(slug=slug, name=slug.title(), any_hour=True) for slug in ("support", "sales", "billing")]


def some_callbacks(count: int, queues) -> None:
    """``count`` callbacks over ``queues``: waiting, held by agents of their own, or completed."""
    for n in range(count):
        callback = CallbackFactory(queue=queues[n % len(queues)])
        if n % 3 == 1:
            forced_into(callback, State.IN_PROGRESS, agent=AgentFactory())
        elif n % 3 == 2:
            forced_into(callback, State.COMPLETED)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_overview_page_takes_the_same_statements_however_many_callbacks(
    supervisor, queues, rows, django_assert_max_num_queries
):
    some_callbacks(rows, queues)

    with django_assert_max_num_queries(15):
        response = supervisor.get("/manage/")

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_the_overview_api_takes_the_same_statements_however_many_callbacks(
    manager, queues, rows, django_assert_max_num_queries
):
    some_callbacks(rows, queues)

    with django_assert_max_num_queries(15):
        response = manager.get("/api/v1/queues/")

    assert len(response.json()) == 3


def test_done_today_counts_the_callbacks_completed_today(queues):
    agent = working_agent(queues[0])
    callback = CallbackFactory(queue=queues[0])
    claim.callback_claim_next(agent=agent)
    services.callback_start(callback=callback, agent=agent)
    services.callback_record_outcome(callback=callback, agent=agent, outcome=Outcome.CONNECTED, notes="")
    CallbackFactory(queue=queues[0])  # still waiting

    assert queue_overview(queues[0], now=timezone.now()).done_today == 1
