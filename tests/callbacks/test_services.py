import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from callbacks import services
from callbacks.lifecycle import IllegalTransition
from callbacks.models import Callback, Channel, State
from rules.engine import Rejection
from tests.factories import OfficeHoursFactory, QueueFactory

pytestmark = pytest.mark.django_db


def create(**kwargs):
    kwargs.setdefault("queue", QueueFactory())
    kwargs.setdefault("phone_number", "+44 20 7946 0958")
    return services.callback_create(**kwargs)


def test_it_stores_the_number_as_e164():
    callback, _ = create(phone_number="020 7946 0958", region="GB")

    callback.refresh_from_db()
    assert str(callback.phone_number) == "+442079460958"


def test_it_refuses_an_invalid_number_with_a_clear_message():
    with pytest.raises(ValidationError, match="Enter a valid phone number"):
        create(phone_number="12345")
    assert not Callback.objects.exists()


def test_it_refuses_a_desired_time_in_the_past():
    with pytest.raises(ValidationError) as error:
        create(desired_time=timezone.now() - dt.timedelta(minutes=1))
    assert "desired_time" in error.value.message_dict


def test_it_refuses_an_unknown_time_zone():
    with pytest.raises(ValidationError) as error:
        create(customer_timezone="Mars/Olympus_Mons")
    assert "timezone" in error.value.message_dict


def test_it_keeps_only_a_hash_of_the_customers_token():
    callback, token = create()

    assert len(token) >= 40
    assert callback.token_hash == services.hash_token(token)
    assert token not in callback.token_hash


def test_it_records_the_channel_and_journey_context():
    callback, _ = create(channel=Channel.WIDGET, context={"page": "/pricing", "referrer": "search"})

    callback.refresh_from_db()
    assert (callback.channel, callback.context) == (Channel.WIDGET, {"page": "/pricing", "referrer": "search"})


def test_cancel_ends_an_open_callback():
    callback, _ = create()

    services.callback_cancel(callback=callback, actor="customer", reason="customer")

    callback.refresh_from_db()
    assert callback.state == State.CANCELED
    assert callback.events.last().reason == "customer"


def test_cancel_refuses_a_finished_callback():
    callback, _ = create()
    services.callback_cancel(callback=callback, actor="customer", reason="customer")

    with pytest.raises(IllegalTransition):
        services.callback_cancel(callback=callback, actor="staff", reason="staff")


def test_the_log_line_holds_no_phone_number(caplog):
    with caplog.at_level("INFO"):
        create(phone_number="+44 20 7946 0958")

    assert "7946" not in caplog.text
    assert "created" in caplog.text


def test_it_refuses_a_second_open_callback_for_the_same_number():
    queue = QueueFactory()
    first, _ = create(queue=queue)

    with pytest.raises(services.DuplicateCallback) as duplicate:
        create(queue=queue, phone_number="+442079460958")
    assert duplicate.value.existing == first


def test_a_queue_may_allow_several_open_callbacks_per_number():
    queue = QueueFactory(max_open_per_number=2)
    create(queue=queue)
    create(queue=queue)

    with pytest.raises(services.DuplicateCallback):
        create(queue=queue)


def test_a_finished_callback_does_not_count_as_a_duplicate():
    queue = QueueFactory()
    first, _ = create(queue=queue)
    services.callback_cancel(callback=first, actor="customer", reason="customer")

    second, _ = create(queue=queue)

    assert second.state == State.QUEUED


def test_it_refuses_an_immediate_callback_while_the_queue_is_closed():
    queue = QueueFactory()
    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(9), closes=dt.time(17))
    monday_evening = dt.datetime(2026, 6, 1, 18, 0, tzinfo=dt.UTC)  # 19:00 in London: still callable

    with pytest.raises(Rejection) as rejection:
        create(queue=queue, now=monday_evening)
    assert rejection.value.code == "queue_closed"


def test_it_refuses_a_desired_time_outside_office_hours():
    queue = QueueFactory()
    OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(9), closes=dt.time(17))
    sunday = dt.datetime(2026, 5, 31, 12, 0, tzinfo=dt.UTC)

    with pytest.raises(ValidationError) as error:
        create(queue=queue, desired_time=sunday.replace(hour=20) + dt.timedelta(days=1), now=sunday)
    assert "closed" in error.value.message_dict["desired_time"][0]


def test_it_refuses_a_desired_time_beyond_the_booking_horizon():
    queue = QueueFactory(booking_horizon_days=7)

    with pytest.raises(ValidationError) as error:
        create(queue=queue, desired_time=timezone.now() + dt.timedelta(days=8))
    assert "7 days ahead" in error.value.message_dict["desired_time"][0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_one_number_create_one_callback():
    from tests.callbacks.test_beat_services import run_at_once

    queue = QueueFactory()

    def attempt():
        try:
            create(queue=queue)
            return "created"
        except services.DuplicateCallback:
            return "duplicate"

    outcomes = run_at_once(8, attempt)

    assert sorted(outcomes) == ["created"] + ["duplicate"] * 7
    assert Callback.objects.filter(queue=queue).count() == 1
