"""The consent record: written with every callback, whatever the channel; kept as a digest and a time after the purge."""

import hashlib
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks import lifecycle, services
from callbacks.models import ApiKey, Callback, Channel, Consent
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0958"
E164 = "+442079460958"
MASKED = "+44 •••• 0958"
ADDRESS = "203.0.113.7"
SHOWN = "Yes, call me back at this number about my order. Privacy notice: shop.example.com/privacy"
GES_KEY = "shop-ges-key-0123456789"


def book(widget, **fields):
    """Books through the widget's endpoint from the customer's address, as the widget does."""
    return APIClient(REMOTE_ADDR=ADDRESS).post(
        f"/api/v1/public/widgets/{widget.public_key}/callbacks", {"phone_number": PHONE, **fields}, format="json"
    )


def consent_of(response) -> Consent:
    return Consent.objects.select_related("callback").get(callback__public_id=response.json()["id"])


def booked(widget) -> Callback:
    callback, _token = services.callback_create(
        queue=widget.queue,
        widget=widget,
        channel=Channel.WIDGET,
        phone_number=PHONE,
        consent_text=SHOWN,
        client_address=ADDRESS,
    )
    return callback


def purged(callback: Callback) -> Callback:
    lifecycle.cancel(callback, actor=lifecycle.Actor.CUSTOMER, reason="customer")
    services.callbacks_purge_personal_data(older_than_days=0, now=timezone.now())
    return callback


def consent_section(response) -> str:
    page = response.content.decode()
    start = page.index('data-testid="consent"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def ges_key():
    key = ApiKey(name="Mobile app")
    key.set_key(GES_KEY)
    key.save()
    key.queues.add(QueueFactory(slug="app-support", time_zone="Europe/London"))
    return key


# -- written at creation, per channel -------------------------------------------------------------


def test_a_widget_booking_records_what_the_widget_showed_from_where_and_for_which_number(widget):
    response = book(widget, consent_text=SHOWN)

    assert response.status_code == 201, response.content
    consent = consent_of(response)
    assert (
        consent.channel,
        consent.widget,
        consent.api_key,
        consent.client_address,
        consent.text,
        consent.phone_number,
    ) == (Channel.WIDGET, widget, None, ADDRESS, SHOWN, E164)
    assert consent.given_at == consent.callback.created_at


def test_a_widget_that_sends_no_text_records_the_services_default(widget, settings):
    settings.CALLBACK_CONSENT_TEXT = "I agree to be called back."

    assert consent_of(book(widget)).text == "I agree to be called back."


def test_a_consent_text_over_1000_characters_is_refused_and_nothing_booked(widget):
    response = book(widget, consent_text="x" * 1001)

    assert response.status_code == 400
    assert "consent_text" in response.json()
    assert not Callback.objects.exists()


def test_a_refused_booking_leaves_no_consent(widget):
    book(widget, consent_text=SHOWN)

    assert book(widget, consent_text=SHOWN).status_code == 409
    assert Consent.objects.count() == 1


def test_a_ges_create_records_the_api_key_the_address_and_the_ges_default_text(ges_key, settings):
    settings.CALLBACK_GES_CONSENT_TEXT = "Consent given in the app."
    client = APIClient(REMOTE_ADDR=ADDRESS, HTTP_X_API_KEY=GES_KEY)

    response = client.post(
        "/engagement/v3/callbacks/create", {"serviceName": "app-support", "phoneNumber": PHONE}, format="json"
    )

    assert response.status_code == 200, response.content
    consent = Consent.objects.get(callback__public_id=response.json()["data"]["id"])
    assert (
        consent.channel,
        consent.widget,
        consent.api_key,
        consent.client_address,
        consent.text,
        consent.phone_number,
    ) == (Channel.API, None, ges_key, ADDRESS, "Consent given in the app.", E164)


def test_a_staff_create_records_who_took_the_consent_and_from_where(supervisor):
    QueueFactory(slug="support", any_hour=True)

    response = supervisor.post(
        "/api/v1/callbacks/",
        {"queue": "support", "phone_number": PHONE},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.20",
    )

    assert response.status_code == 201, response.content
    consent = consent_of(response)
    assert (consent.channel, consent.widget, consent.api_key, consent.client_address, consent.phone_number) == (
        Channel.STAFF,
        None,
        None,
        "198.51.100.20",
        E164,
    )
    assert consent.text == f"Consent taken by {supervisor.user.username} on the customer's behalf."


def test_an_address_that_is_not_one_is_not_recorded(widget):
    # Behind proxies the address comes from X-Forwarded-For, which any client can fill with anything.
    callback, _token = services.callback_create(
        queue=widget.queue, phone_number=PHONE, client_address="unknown, 10.0.0.1"
    )

    assert callback.consent.client_address is None


# -- the digest -----------------------------------------------------------------------------------


def test_the_digest_is_the_sha256_of_the_record_as_stored(widget):
    consent = Consent.objects.get(callback=booked(widget))

    assert consent.digest == hashlib.sha256(consent.canonical()).hexdigest()


def test_the_canonical_record_holds_every_field(widget):
    callback = booked(widget)
    consent = callback.consent

    assert json.loads(consent.canonical()) == {
        "callback": str(callback.public_id),
        "given_at": consent.given_at.isoformat(),
        "channel": "widget",
        "widget": widget.pk,
        "api_key": None,
        "client_address": ADDRESS,
        "text": SHOWN,
        "phone_number": E164,
    }


@pytest.mark.parametrize(
    "field, other",
    [
        ("given_at", timezone.now),
        ("channel", lambda: Channel.API),
        ("widget_id", lambda: None),
        ("client_address", lambda: "203.0.113.8"),
        ("text", lambda: SHOWN + "!"),
        ("phone_number", lambda: "+442079460959"),
    ],
)
def test_the_digest_changes_with_any_field(widget, field, other):
    consent = Consent.objects.get(callback=booked(widget))

    setattr(consent, field, other())

    assert consent.compute_digest() != consent.digest


# -- the purge ------------------------------------------------------------------------------------


def test_the_purge_keeps_only_when_consent_was_given_and_its_digest(widget):
    consent = Consent.objects.get(callback=booked(widget))

    purged(consent.callback)

    after = Consent.objects.get(pk=consent.pk)
    assert (after.phone_number, after.client_address, after.text) == ("", None, "")
    assert (after.given_at, after.digest) == (consent.given_at, consent.digest)
    assert after.purged_at is not None and after.purged_at == Callback.objects.get(pk=consent.callback_id).purged_at


# -- shown to staff -------------------------------------------------------------------------------


def test_the_manage_page_shows_the_consent_with_its_zone_and_the_number_masked(supervisor, widget):
    callback = booked(widget)

    section = consent_section(supervisor.get(reverse("manage:callback", args=[callback.public_id])))

    assert "Tue 1 Dec 2026, 17:30" in section and "GMT (Europe/London)" in section
    assert "Widget" in section and f"“{widget.name}”" in section and ADDRESS in section
    assert SHOWN in section and MASKED in section and E164 not in section


def test_the_manage_page_shows_only_the_time_and_hash_once_purged(supervisor, widget):
    callback = purged(booked(widget))

    section = consent_section(supervisor.get(reverse("manage:callback", args=[callback.public_id])))

    assert "Consent recorded at Tue 1 Dec 2026, 17:30" in section
    assert f"(hash <code>{callback.consent.digest}</code>)" in section
    assert SHOWN not in section and ADDRESS not in section and MASKED not in section


def test_the_admin_page_shows_the_consent_read_only(administrator, widget):
    callback = booked(widget)

    response = administrator.get(reverse("admin:callbacks_callback_change", args=[callback.pk]))

    assert response.status_code == 200
    assert SHOWN in response.text and MASKED in response.text and callback.consent.digest in response.text
    assert "consent" not in response.context["adminform"].form.fields
