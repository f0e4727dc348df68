"""CAPTCHA checks for the public APIs, one pluggable backend per provider a widget or an API key uses.

``CAPTCHA_BACKENDS`` (provider -> dotted path of a ``CaptchaBackend`` subclass) overrides or
adds backends; ``CAPTCHA_VERIFY_URLS`` (provider -> URL) points the hosted providers elsewhere.
Neither the customer's token nor the secret key is ever logged.
"""

import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from callbackproject.base.errors import ServiceError, Unavailable
from callbacks.conf import callback_settings
from callbacks.models import ApiKey, ApiProblem, Widget
from callbacks.problems import problem_record

from .throttles import client_ip

logger = logging.getLogger(__name__)

DEFAULT_BACKENDS = {
    "none": "callbacks.api.public.captcha.NoCaptcha",
    "image": "callbacks.api.public.captcha.ImageCaptcha",
    "recaptcha": "callbacks.api.public.captcha.HostedCaptcha",
    "hcaptcha": "callbacks.api.public.captcha.HostedCaptcha",
    "turnstile": "callbacks.api.public.captcha.HostedCaptcha",
}

DEFAULT_VERIFY_URLS = {
    "recaptcha": "https://www.google.com/recaptcha/api/siteverify",
    "hcaptcha": "https://api.hcaptcha.com/siteverify",
    "turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
}


class CaptchaInvalid(ServiceError):
    """The answer is missing, wrong, expired or already used; the message is for the customer."""

    code = "captcha_invalid"
    default_message = "Please complete the CAPTCHA again."


class CaptchaUnavailable(Unavailable):
    """The provider could not give an answer."""

    default_message = "The CAPTCHA check is unavailable right now. Please try again in a minute."


class CaptchaBackend:
    """Checks one customer's CAPTCHA answer for its holder: a widget or a GES API key."""

    def __init__(self, provider: str):
        self.provider = provider

    def verify(self, *, holder, token: str, remote_ip: str | None) -> None:
        """Return if the answer is good; raise CaptchaInvalid or CaptchaUnavailable otherwise."""
        raise NotImplementedError


class NoCaptcha(CaptchaBackend):
    def verify(self, *, holder, token: str, remote_ip: str | None) -> None:
        return None


def image_challenge() -> dict:
    """A new image challenge: the key to send back with the answer, and the image's URL path."""
    # Unsolved challenges are never checked, so nothing else would delete them.
    CaptchaStore.remove_expired()
    key = CaptchaStore.generate_key()
    return {"key": key, "image_url": captcha_image_url(key)}


class ImageCaptcha(CaptchaBackend):
    """django-simple-captcha's challenge; the token is ``<hashkey>:<answer>``."""

    def verify(self, *, holder, token: str, remote_ip: str | None) -> None:
        key, _, answer = token.partition(":")
        if not key or not answer.strip():
            raise CaptchaInvalid()
        store = CaptchaStore.objects.filter(hashkey=key).first()
        # Every check uses the challenge up, so a wrong guess cannot be followed by another;
        # of two concurrent requests only the one whose DELETE removed the row goes on.
        if store is None or not CaptchaStore.objects.filter(pk=store.pk).delete()[0]:
            raise CaptchaInvalid()
        if store.expiration <= timezone.now() or answer.strip().lower() != store.response:
            raise CaptchaInvalid()


class HostedCaptcha(CaptchaBackend):
    """reCAPTCHA, hCaptcha and Turnstile share one siteverify protocol."""

    timeout = 3  # seconds: the customer is waiting on the widget

    def verify_url(self) -> str:
        return {**DEFAULT_VERIFY_URLS, **callback_settings.captcha_verify_urls}[self.provider]

    def verify(self, *, holder, token: str, remote_ip: str | None) -> None:
        if not token:
            raise CaptchaInvalid()
        fields = {"secret": holder.captcha_secret_key, "response": token}
        if remote_ip:
            fields["remoteip"] = remote_ip
        request = urllib.request.Request(
            self.verify_url(),
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        # URLError, HTTPError and timeouts are OSErrors; a cut-off answer is an HTTPException.
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                result = json.load(response)
            if not isinstance(result, dict):
                raise ValueError("the answer is not a JSON object")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # it holds the provider's connection open until garbage-collected
            logger.warning("%s verification for %s failed: %s", self.provider, holder, exc)
            raise CaptchaUnavailable() from exc
        if result.get("success") is not True:
            # The provider's error codes tell a bad secret (misconfiguration) from a bad answer.
            logger.info("%s rejected a CAPTCHA for %s: %s", self.provider, holder, result.get("error-codes", []))
            raise CaptchaInvalid()


def get_backend(provider: str) -> CaptchaBackend:
    backends = {**DEFAULT_BACKENDS, **callback_settings.captcha_backends}
    if provider not in backends:
        raise ImproperlyConfigured(f"No CAPTCHA backend for provider {provider!r}; add it to CAPTCHA_BACKENDS.")
    return import_string(backends[provider])(provider)


def captcha_verify(*, holder, token: str | None, remote_ip: str | None) -> None:
    """Check the customer's answer with the holder's provider; raises CaptchaInvalid or CaptchaUnavailable.

    ``holder``: a widget or a GES API key, with ``captcha_provider`` and ``captcha_secret_key``.
    """
    get_backend(holder.captcha_provider).verify(holder=holder, token=(token or "").strip(), remote_ip=remote_ip or None)


def captcha_check(*, holder: Widget | ApiKey, token: str | None, request) -> None:
    """``captcha_verify`` for a customer's request: a refused answer is recorded for the troubleshooting page."""
    try:
        captcha_verify(holder=holder, token=token, remote_ip=client_ip(request))
    except CaptchaInvalid as exc:
        if isinstance(holder, Widget):
            logger.info("captcha refused for widget %s", holder.public_key)
            problem_record(kind=ApiProblem.Kind.CAPTCHA, request=request, widget=holder, detail=str(exc))
        else:
            problem_record(kind=ApiProblem.Kind.CAPTCHA, request=request, detail=f"API key {holder}: {exc}")
        raise
