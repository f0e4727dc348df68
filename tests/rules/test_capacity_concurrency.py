"""Capacity under load on real PostgreSQL: requests at once for the last places never overbook a slot."""

import datetime as dt
import itertools

import pytest

from callbacks import services
from callbacks.models import Callback, Channel, RejectionRecord
from rules.engine import Rejection
from tests.callbacks.test_beat_services import run_at_once
from tests.factories import CallbackFactory, QueueFactory, QueueRulesFactory

NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
SLOT = NOW + dt.timedelta(days=1, hours=4)  # Tuesday 14:00 UTC


def attempt(move):
    """The code a rule refused with, or "ok"."""
    try:
        move()
    except Rejection as rejection:
        return rejection.code
    return "ok"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_requests_at_once_for_a_slot_with_room_for_five_create_exactly_five():
    queue = QueueFactory()
    QueueRulesFactory(queue=queue, slot_capacity=5)
    numbers = iter(f"+4420794600{n:02d}" for n in range(50))  # next() on a shared iterator is atomic under the GIL

    outcomes = run_at_once(
        50,
        lambda: attempt(
            lambda: services.callback_create(
                queue=queue, phone_number=next(numbers), desired_time=SLOT, channel=Channel.WIDGET, now=NOW
            )
        ),
    )

    assert outcomes.count("ok") == 5
    assert outcomes.count("capacity_full") == 45
    assert Callback.objects.filter(queue=queue, desired_time=SLOT).count() == 5
    # Each refusal was recorded although its transaction rolled back.
    assert RejectionRecord.objects.filter(queue=queue, code="capacity_full").count() == 45


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_callbacks_moved_at_once_into_a_slot_with_room_for_three_move_exactly_three():
    queue = QueueFactory()
    QueueRulesFactory(queue=queue, slot_capacity=3)
    callbacks = iter(
        [CallbackFactory(queue=queue, desired_time=SLOT + dt.timedelta(hours=i + 1), now=NOW) for i in range(20)]
    )

    outcomes = run_at_once(
        20,
        lambda: attempt(
            lambda: services.callback_reschedule(callback=next(callbacks), desired_time=SLOT, actor="customer", now=NOW)
        ),
    )

    assert outcomes.count("ok") == 3
    assert Callback.objects.filter(queue=queue, desired_time=SLOT).count() == 3
    assert RejectionRecord.objects.filter(queue=queue, action="reschedule").count() == 17


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_at_once_for_the_last_places_of_a_day_never_overbook_it():
    queue = QueueFactory()
    QueueRulesFactory(queue=queue, daily_capacity=4)
    hours = itertools.cycle(range(8))
    numbers = iter(f"+4420794601{n:02d}" for n in range(30))

    def book():
        # Different slots of one day: only the day's lock can keep them apart.
        return attempt(
            lambda: services.callback_create(
                queue=queue,
                phone_number=next(numbers),
                desired_time=SLOT + dt.timedelta(minutes=15 * next(hours)),
                now=NOW,
            )
        )

    outcomes = run_at_once(30, book)

    assert outcomes.count("ok") == 4
    assert Callback.objects.filter(queue=queue).count() == 4
