import datetime as dt
import socket

import pytest
from captcha.models import CaptchaStore
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from callbacks.api.public import captcha
from callbacks.api.public.captcha import (
    CaptchaBackend,
    CaptchaInvalid,
    CaptchaUnavailable,
    captcha_verify,
    image_challenge,
)
from callbacks.models import Widget
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

SECRET = "0xSECRET-of-the-widget"
TOKEN = "P0_customer-answer-token"
HOSTED = ["recaptcha", "hcaptcha", "turnstile"]


@pytest.fixture
def make_widget():
    queue = QueueFactory()

    def make(provider, **fields):
        return Widget.objects.create(
            public_key=f"widget-{provider}",
            name=f"{provider} widget",
            queue=queue,
            captcha_provider=provider,
            captcha_secret_key=SECRET,
            **fields,
        )

    return make


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Hosted providers


@pytest.mark.parametrize("name", HOSTED)
def test_hosted_success_posts_secret_token_and_ip_form_encoded(name, provider, make_widget, settings):
    settings.CAPTCHA_VERIFY_URLS = {name: provider.url("success")}

    captcha_verify(holder=make_widget(name), token=TOKEN, remote_ip="203.0.113.7")

    [request] = provider.received
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {"secret": [SECRET], "response": [TOKEN], "remoteip": ["203.0.113.7"]}


def test_hosted_without_remote_ip_leaves_it_out(provider, make_widget, settings):
    settings.CAPTCHA_VERIFY_URLS = {"turnstile": provider.url("success")}

    captcha_verify(holder=make_widget("turnstile"), token=TOKEN, remote_ip=None)

    assert provider.received[0]["form"] == {"secret": [SECRET], "response": [TOKEN]}


@pytest.mark.parametrize("name", HOSTED)
def test_hosted_failure_is_invalid(name, provider, make_widget, settings, caplog):
    settings.CAPTCHA_VERIFY_URLS = {name: provider.url("failure")}

    with pytest.raises(CaptchaInvalid) as raised:
        captcha_verify(holder=make_widget(name), token=TOKEN, remote_ip="203.0.113.7")

    assert raised.value.message == "Please complete the CAPTCHA again."
    assert len(provider.received) == 1
    assert "invalid-input-response" in caplog.text
    assert TOKEN not in caplog.text and SECRET not in caplog.text


def test_each_provider_uses_its_own_url(provider, make_widget, settings):
    settings.CAPTCHA_VERIFY_URLS = {"recaptcha": provider.url("success"), "hcaptcha": provider.url("failure")}

    captcha_verify(holder=make_widget("recaptcha"), token=TOKEN, remote_ip=None)
    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=make_widget("hcaptcha"), token=TOKEN, remote_ip=None)


def test_official_verify_urls_by_default(settings):
    del settings.CAPTCHA_VERIFY_URLS

    assert captcha.get_backend("recaptcha").verify_url() == "https://www.google.com/recaptcha/api/siteverify"
    assert captcha.get_backend("hcaptcha").verify_url() == "https://api.hcaptcha.com/siteverify"
    assert captcha.get_backend("turnstile").verify_url() == "https://challenges.cloudflare.com/turnstile/v0/siteverify"


@pytest.mark.parametrize("token", ["", "   ", None])
def test_hosted_empty_token_is_invalid_without_asking_the_provider(token, provider, make_widget, settings):
    settings.CAPTCHA_VERIFY_URLS = {"hcaptcha": provider.url("success")}

    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=make_widget("hcaptcha"), token=token, remote_ip="203.0.113.7")

    assert provider.received == []


def test_provider_error_is_unavailable(provider, make_widget, settings, caplog):
    settings.CAPTCHA_VERIFY_URLS = {"recaptcha": provider.url("error")}

    with pytest.raises(CaptchaUnavailable):
        captcha_verify(holder=make_widget("recaptcha"), token=TOKEN, remote_ip="203.0.113.7")

    assert "500" in caplog.text
    assert TOKEN not in caplog.text and SECRET not in caplog.text


def test_unreachable_provider_is_unavailable(make_widget, settings):
    settings.CAPTCHA_VERIFY_URLS = {"turnstile": f"http://127.0.0.1:{free_port()}/siteverify"}

    with pytest.raises(CaptchaUnavailable):
        captcha_verify(holder=make_widget("turnstile"), token=TOKEN, remote_ip=None)


def test_slow_provider_is_unavailable(provider, make_widget, settings, monkeypatch):
    # A shorter timeout than production's 3 s keeps the suite fast; the behaviour is the same.
    monkeypatch.setattr(captcha.HostedCaptcha, "timeout", 0.3)
    settings.CAPTCHA_VERIFY_URLS = {"hcaptcha": provider.url("slow")}

    with pytest.raises(CaptchaUnavailable):
        captcha_verify(holder=make_widget("hcaptcha"), token=TOKEN, remote_ip=None)

    assert len(provider.received) == 1


def test_production_timeout_is_short():
    assert captcha.HostedCaptcha.timeout == 3


# Built-in image challenge


def answer_for(key):
    return CaptchaStore.objects.get(hashkey=key).response


def test_image_correct_answer_passes_in_any_case(make_widget):
    challenge = image_challenge()

    captcha_verify(
        holder=make_widget("image"), token=f"{challenge['key']}:{answer_for(challenge['key']).upper()}", remote_ip=None
    )


def test_image_wrong_answer_fails_and_uses_the_challenge_up(make_widget):
    widget = make_widget("image")
    key = image_challenge()["key"]
    answer = answer_for(key)

    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=widget, token=f"{key}:{answer}-wrong", remote_ip=None)
    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=widget, token=f"{key}:{answer}", remote_ip=None)
    assert not CaptchaStore.objects.filter(hashkey=key).exists()


def test_image_token_works_once(make_widget):
    widget = make_widget("image")
    key = image_challenge()["key"]
    token = f"{key}:{answer_for(key)}"

    captcha_verify(holder=widget, token=token, remote_ip=None)
    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=widget, token=token, remote_ip=None)


def test_image_expired_challenge_fails(make_widget):
    key = image_challenge()["key"]
    CaptchaStore.objects.filter(hashkey=key).update(expiration=timezone.now() - dt.timedelta(seconds=1))

    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=make_widget("image"), token=f"{key}:{answer_for(key)}", remote_ip=None)


@pytest.mark.parametrize("shape", ["", "no-colon", ":{answer}", "{key}:", "{key}:  ", "unknown:{answer}"])
def test_image_malformed_token_fails(shape, make_widget):
    key = image_challenge()["key"]
    token = shape.format(key=key, answer=answer_for(key))

    with pytest.raises(CaptchaInvalid):
        captcha_verify(holder=make_widget("image"), token=token, remote_ip=None)


def test_image_challenge_serves_a_png(client):
    challenge = image_challenge()

    assert challenge["image_url"] == f"/captcha/image/{challenge['key']}/"
    response = client.get(challenge["image_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_image_challenge_clears_expired_ones():
    stale = image_challenge()["key"]
    CaptchaStore.objects.filter(hashkey=stale).update(expiration=timezone.now() - dt.timedelta(seconds=1))

    fresh = image_challenge()["key"]

    assert list(CaptchaStore.objects.values_list("hashkey", flat=True)) == [fresh]


# No CAPTCHA and custom backends


@pytest.mark.parametrize("token", ["", None, "anything"])
def test_none_always_passes(token, make_widget):
    captcha_verify(holder=make_widget("none"), token=token, remote_ip=None)


class RecordingBackend(CaptchaBackend):
    calls = []

    def verify(self, *, holder, token, remote_ip):
        self.calls.append((self.provider, holder.pk, token, remote_ip))
        if token != "let-me-in":
            raise CaptchaInvalid("Nope.")


def test_custom_backend_from_settings_is_used(provider, make_widget, settings, monkeypatch):
    monkeypatch.setattr(RecordingBackend, "calls", [])
    settings.CAPTCHA_BACKENDS = {"recaptcha": f"{__name__}.RecordingBackend"}
    settings.CAPTCHA_VERIFY_URLS = {"recaptcha": provider.url("success"), "hcaptcha": provider.url("success")}
    widget = make_widget("recaptcha")

    captcha_verify(holder=widget, token="let-me-in", remote_ip="198.51.100.2")
    with pytest.raises(CaptchaInvalid, match="Nope."):
        captcha_verify(holder=widget, token="guess", remote_ip=None)

    assert RecordingBackend.calls == [
        ("recaptcha", widget.pk, "let-me-in", "198.51.100.2"),
        ("recaptcha", widget.pk, "guess", None),
    ]
    assert provider.received == []
    # Providers the setting leaves out keep their default backend.
    captcha_verify(holder=make_widget("hcaptcha"), token=TOKEN, remote_ip=None)
    assert len(provider.received) == 1


def test_unknown_provider_is_a_configuration_error(make_widget):
    with pytest.raises(ImproperlyConfigured):
        captcha_verify(holder=make_widget("friendly"), token=TOKEN, remote_ip=None)
