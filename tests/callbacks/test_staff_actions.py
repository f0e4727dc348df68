"""What the manage page offers a supervisor is what the services then allow: one rule, in services."""

import pytest

from callbacks import services
from callbacks.lifecycle import IllegalTransition
from callbacks.models import State
from tests.factories import CallbackFactory, QueueFactory, forced_into, working_agent

pytestmark = pytest.mark.django_db

MOVES = {
    "assign": lambda callback, agent, user: services.callback_assign_to(callback=callback, agent=agent, user=user),
    "requeue": lambda callback, agent, user: services.callback_requeue(callback=callback, user=user),
}


def refused(move, callback, agent, user) -> bool:
    try:
        MOVES[move](callback, agent, user)
    except IllegalTransition:
        return True
    return False


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("move", MOVES)
def test_a_staff_move_is_offered_exactly_when_the_service_allows_it(move, state, supervisor):
    queue = QueueFactory(slug="support")
    agent = working_agent(queue)
    callback = forced_into(CallbackFactory(queue=queue), state)

    offered = services.callback_staff_actions(callback)[move]

    assert offered is not refused(move, callback, agent, supervisor.user)
