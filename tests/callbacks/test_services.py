import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from callbacks import services
from callbacks.lifecycle import IllegalTransition
from callbacks.models import Callback, Channel, State
from tests.factories import QueueFactory

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


def test_the_database_refuses_a_second_callback_with_the_same_idempotency_key():
    queue = QueueFactory()
    create(queue=queue, idempotency_key="abc")

    with pytest.raises(IntegrityError):
        create(queue=queue, idempotency_key="abc")


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
