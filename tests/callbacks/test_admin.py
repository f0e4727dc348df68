import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from callbacks import lifecycle
from callbacks.admin import CallbackForm
from callbacks.models import Callback, CallbackEvent, Channel, State
from tests.factories import CallbackFactory, QueueFactory

pytestmark = pytest.mark.django_db


def customer_details(**changes):
    """The change form as posted; the read-only event inline still sends its management form."""
    return {
        "phone_number": "+44 20 7946 0958",
        "first_name": "Ada",
        "last_name": "",
        "email": "",
        "customer_timezone": "",
        "notes": "",
        "context": "{}",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "dial_attempts-TOTAL_FORMS": "0",
        "dial_attempts-INITIAL_FORMS": "0",
        **changes,
    }


def listed(response):
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "url",
    [
        "admin:callbacks_callback_changelist",
        "admin:callbacks_callback_add",
        "admin:callbacks_callbackevent_changelist",
    ],
)
def test_it_opens_every_callbacks_page_to_the_administrator(administrator, url):
    CallbackFactory()

    assert administrator.get(reverse(url)).status_code == 200


def test_it_opens_a_callback_with_its_events(administrator):
    callback = CallbackFactory()

    response = administrator.get(reverse("admin:callbacks_callback_change", args=[callback.pk]))

    assert response.status_code == 200
    attempts, events = response.context["inline_admin_formsets"]
    assert [event.type for event in events.formset.get_queryset()] == ["created"]


def test_it_refuses_the_callback_list_to_an_agent(agent):
    response = agent.get(reverse("admin:callbacks_callback_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_lets_a_developer_view_callbacks_but_not_add_one(developer):
    assert developer.get(reverse("admin:callbacks_callback_changelist")).status_code == 200
    assert developer.get(reverse("admin:callbacks_callback_add")).status_code == 403


def test_it_masks_phone_numbers_in_the_callback_list(administrator):
    CallbackFactory(phone_number="+442079460958")

    response = administrator.get(reverse("admin:callbacks_callback_changelist"))

    assert "+44 •••• 0958" in response.text
    assert "2079460958" not in response.text


def test_it_finds_a_callback_by_a_formatted_phone_number(administrator):
    wanted = CallbackFactory(phone_number="+442079460958")
    CallbackFactory(phone_number="+442079460959")

    response = administrator.get(reverse("admin:callbacks_callback_changelist"), {"q": "+44 20 7946 0958"})

    assert listed(response) == [wanted]


def test_it_finds_a_callback_by_public_id(administrator):
    wanted = CallbackFactory()
    CallbackFactory()

    response = administrator.get(reverse("admin:callbacks_callback_changelist"), {"q": str(wanted.public_id)})

    assert listed(response) == [wanted]


def test_it_finds_nothing_for_a_partial_number(administrator):
    CallbackFactory(phone_number="+442079460958")

    response = administrator.get(reverse("admin:callbacks_callback_changelist"), {"q": "0958"})

    assert listed(response) == []


@pytest.mark.parametrize("model", ["callback", "callbackevent"])
def test_it_lists_without_a_query_per_row(administrator, model):
    url = reverse(f"admin:callbacks_{model}_changelist")
    CallbackFactory()
    with CaptureQueriesContext(connection) as one_row:
        administrator.get(url)
    for _ in range(9):
        CallbackFactory(queue=QueueFactory())

    with CaptureQueriesContext(connection) as ten_rows:
        administrator.get(url)

    assert len(ten_rows) == len(one_row)


def test_the_callback_page_does_not_offer_the_state_for_editing(administrator):
    callback = CallbackFactory()

    response = administrator.get(reverse("admin:callbacks_callback_change", args=[callback.pk]))

    assert "state" not in response.context["adminform"].form.fields
    assert 'name="state"' not in response.text


def test_posting_a_state_does_not_change_it(administrator):
    callback = CallbackFactory()

    response = administrator.post(
        reverse("admin:callbacks_callback_change", args=[callback.pk]),
        customer_details(first_name="Grace", state=State.COMPLETED),
    )

    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.state == State.QUEUED
    assert callback.first_name == "Grace"
    assert str(callback.phone_number) == "+442079460958"


def test_saving_customer_details_does_not_undo_a_transition_made_meanwhile(administrator, monkeypatch):
    callback = CallbackFactory()
    clean = CallbackForm.clean

    def cancel_while_posting(form):
        lifecycle.cancel(Callback.objects.get(pk=callback.pk), actor=lifecycle.Actor.CUSTOMER, reason="customer")
        return clean(form)

    monkeypatch.setattr(CallbackForm, "clean", cancel_while_posting)

    administrator.post(
        reverse("admin:callbacks_callback_change", args=[callback.pk]), customer_details(first_name="Grace")
    )

    callback.refresh_from_db()
    assert (callback.state, callback.first_name) == (State.CANCELED, "Grace")


def test_a_purged_callback_cannot_be_given_personal_data_again(administrator):
    callback = CallbackFactory()
    Callback.objects.filter(pk=callback.pk).update(phone_number="", first_name="", purged_at=timezone.now())

    response = administrator.get(reverse("admin:callbacks_callback_change", args=[callback.pk]))

    assert response.context["adminform"].form.fields == {}


def test_it_creates_a_callback_through_the_lifecycle(administrator):
    queue = QueueFactory()
    desired = timezone.now() + dt.timedelta(days=1)

    response = administrator.post(
        reverse("admin:callbacks_callback_add"),
        {
            "queue": queue.pk,
            "desired_time_0": desired.strftime("%Y-%m-%d"),
            "desired_time_1": "10:00:00",
            "phone_number": "+44 20 7946 0958",
            "first_name": "Ada",
            "last_name": "",
            "email": "",
            "customer_timezone": "Europe/London",
            "notes": "",
            "context": "{}",
        },
    )

    assert response.status_code == 302
    callback = Callback.objects.get()
    assert (callback.state, callback.channel, str(callback.phone_number)) == (
        State.SCHEDULED,
        Channel.STAFF,
        "+442079460958",
    )
    assert callback.token_hash
    event = callback.events.get()
    assert (event.type, event.actor, event.actor_user.is_staff) == ("created", CallbackEvent.Actor.STAFF, True)


def test_it_refuses_to_create_a_callback_for_an_invalid_number(administrator):
    response = administrator.post(
        reverse("admin:callbacks_callback_add"),
        {
            "queue": QueueFactory().pk,
            "phone_number": "12345",
            "context": "{}",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone_number"] == [
        "Enter a valid phone number with its country code, e.g. +44 20 7946 0958."
    ]
    assert not Callback.objects.exists()


def test_it_refuses_to_create_a_callback_in_the_past(administrator):
    past = timezone.now() - dt.timedelta(days=1)

    response = administrator.post(
        reverse("admin:callbacks_callback_add"),
        {
            "queue": QueueFactory().pk,
            "desired_time_0": past.strftime("%Y-%m-%d"),
            "desired_time_1": "10:00:00",
            "phone_number": "+44 20 7946 0958",
            "context": "{}",
        },
    )

    assert response.status_code == 200
    assert "desired_time" in response.context["adminform"].form.errors
    assert not Callback.objects.exists()


@pytest.mark.parametrize("page", ["add", "change", "delete"])
def test_the_event_log_cannot_be_rewritten(administrator, page):
    event = CallbackFactory().events.get()
    args = [] if page == "add" else [event.pk]

    response = administrator.post(
        reverse(f"admin:callbacks_callbackevent_{page}", args=args),
        {"type": "forged", "to_state": State.COMPLETED, "post": "yes"},
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.type == "created"


def test_it_finds_the_events_of_a_callback_by_its_public_id(administrator):
    wanted = CallbackFactory()
    CallbackFactory()

    response = administrator.get(reverse("admin:callbacks_callbackevent_changelist"), {"q": str(wanted.public_id)})

    assert [event.callback for event in listed(response)] == [wanted]


def test_it_finds_no_events_for_a_term_that_is_not_a_public_id(administrator):
    CallbackFactory()

    response = administrator.get(reverse("admin:callbacks_callbackevent_changelist"), {"q": "created"})

    assert listed(response) == []


def test_the_admin_is_titled_for_the_service(administrator):
    response = administrator.get(reverse("admin:index"))

    assert "Callback service administration" in response.text
