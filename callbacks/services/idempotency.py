"""Idempotency-Keys: a retried create gets the first answer, bound to the caller and a keyed hash of the body."""

import datetime as dt
import hmac
import json
from base64 import urlsafe_b64encode
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.crypto import salted_hmac

from rules.engine import Rejection

from ..models import IdempotentRequest

# How long a create's Idempotency-Key is remembered: retries come within minutes.
IDEMPOTENCY_RETENTION = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Idempotency:
    """Who sent an ``Idempotency-Key`` (``widget:<pk>``), the key, and ``idempotency_body_hash`` of the body."""

    caller: str
    key: str
    body_hash: str


class IdempotencyKeyReused(Rejection):
    """The caller sent this key before with another body (HTTP 422 ``idempotency_key_reused``)."""

    def __init__(self):
        super().__init__(
            "idempotency_key_reused",
            "This Idempotency-Key was used for another request; send a new key for a new request.",
        )


def idempotency_body_hash(body: dict) -> str:
    """A keyed hash of the request body: without the secret key, a stored hash cannot be searched for a number.

    The CAPTCHA answer is left out: a retry solves a new one.
    """
    canonical = json.dumps({k: v for k, v in body.items() if k != "captcha"}, sort_keys=True, cls=DjangoJSONEncoder)
    return salted_hmac("callbacks.idempotency.body", canonical, algorithm="sha256").hexdigest()


def idempotency_token(idempotency: Idempotency) -> str:
    """The customer token of an idempotent create, derived from the request and the secret key.

    Derived, not random, so that a retry can be given the same token again
    (the first answer may never have arrived) while only its hash is stored.
    """
    message = f"{idempotency.caller}|{idempotency.key}|{idempotency.body_hash}"
    return urlsafe_b64encode(salted_hmac("callbacks.idempotency.token", message, algorithm="sha256").digest()).decode()


def idempotent_answer(*, idempotency: Idempotency) -> dict | None:
    """The first answer to this caller's key, token included; None when it has none.

    Raises IdempotencyKeyReused when the key came with another body.
    """
    first = IdempotentRequest.objects.filter(
        caller=idempotency.caller, key=idempotency.key, callback__isnull=False
    ).first()
    if first is None:
        return None
    if not hmac.compare_digest(first.body_hash, idempotency.body_hash):
        raise IdempotencyKeyReused()
    assert first.body is not None  # written with its callback
    return {**first.body, "token": idempotency_token(idempotency)}
