"""What the service keeps beside callbacks: refusals, API problems, idempotent answers, consent."""

import datetime as dt
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from queues.models import VirtualQueue
from rules.models import RejectionCode

from .access import ApiKey, Widget
from .callback import Callback, Channel


class RejectionRecord(models.Model):
    """A request the rules refused, for troubleshooting and reports. Never the whole phone number.

    Written by ``callbacks.rejections``; moved here from rules with its table
    (callbacks 0019), so rules need not know widgets.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        RESCHEDULE = "reschedule", "Reschedule"

    created_at = models.DateTimeField("time", default=timezone.now)
    queue = models.ForeignKey(
        VirtualQueue, on_delete=models.SET_NULL, null=True, related_name="rejections", verbose_name="queue"
    )
    widget = models.ForeignKey(
        Widget, on_delete=models.SET_NULL, null=True, blank=True, related_name="rejections", verbose_name="widget"
    )
    action = models.CharField("action", max_length=10, choices=Action.choices, default=Action.CREATE)
    code = models.CharField("code", max_length=32, choices=RejectionCode.choices)
    message = models.CharField("message", max_length=255, blank=True)
    channel = models.CharField("channel", max_length=16, choices=Channel.choices)
    # varchar(4): the database itself refuses a whole number here.
    number_last_digits = models.CharField("number ends with", max_length=4, blank=True)
    desired_time = models.DateTimeField("desired time", null=True, blank=True)

    class Meta:
        db_table = "rules_rejectionrecord"
        ordering = ["-created_at"]
        verbose_name = "rejection"
        indexes = [
            models.Index(fields=["created_at"], name="rejection_time"),
            models.Index(fields=["code", "created_at"], name="rejection_code_time"),
            models.Index(fields=["queue", "created_at"], name="rejection_queue_time"),
        ]

    def __str__(self):
        return f"{self.code} at {self.created_at:%Y-%m-%d %H:%M}"


class ApiProblem(models.Model):
    """A refusal of the public API that is not a rule's: what integrators look for on the troubleshooting page.

    Holds no personal data: the origin and path of the request only.
    """

    class Kind(models.TextChoices):
        CAPTCHA = "captcha_failed", "CAPTCHA failed"
        CORS = "cors_refused", "CORS refused"
        THROTTLED = "throttled", "Throttled"

    created_at = models.DateTimeField("time", default=timezone.now)
    kind = models.CharField("kind", max_length=16, choices=Kind.choices)
    widget = models.ForeignKey(
        Widget, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems", verbose_name="widget"
    )
    origin = models.CharField("origin", max_length=200, blank=True)
    path = models.CharField("path", max_length=200, blank=True)
    detail = models.CharField("detail", max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API problem"
        indexes = [
            models.Index(fields=["kind", "created_at"], name="apiproblem_kind_time"),
            models.Index(fields=["created_at"], name="apiproblem_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.path}"


class IdempotentRequest(models.Model):
    """The first answer to a create sent with an ``Idempotency-Key``, so a retry gets it again.

    Bound to the caller (``widget:<pk>``) and a keyed hash of the body: the
    same key from another caller is another request, with another body a
    refusal. ``body`` is the answer without its token, which is derived again
    on a replay (``services.idempotency_token``) and never stored.
    """

    caller = models.CharField("caller", max_length=64)
    key = models.CharField("idempotency key", max_length=128)
    body_hash = models.CharField("body hash", max_length=64)
    body = models.JSONField("first answer", null=True, encoder=DjangoJSONEncoder)
    # Null only inside the creating transaction, which claims the key before the callback exists.
    callback = models.OneToOneField(
        Callback, on_delete=models.CASCADE, null=True, related_name="idempotent_request", verbose_name="callback"
    )
    created_at = models.DateTimeField("created", default=timezone.now)

    class Meta:
        verbose_name = "idempotent request"
        # Kept by the service alone: no role may view or edit the answers it replays.
        default_permissions = ()
        constraints = [
            # A retry must find the first answer, never create a second
            # callback: the database decides, not a lookup.
            models.UniqueConstraint(fields=["caller", "key"], name="idempotentrequest_caller_key_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotentrequest_time")]

    def __str__(self):
        return f"{self.caller} {self.key}"


class Consent(models.Model):
    """What the customer agreed to when the callback was booked: when, how, from where, to which number.

    The purge blanks the number, the address and the text; the digest and the
    time stay, so a record shown later can still be checked against them.
    """

    callback = models.OneToOneField(Callback, on_delete=models.CASCADE, related_name="consent", verbose_name="callback")
    given_at = models.DateTimeField("given")
    channel = models.CharField("channel", max_length=16, choices=Channel.choices)
    widget = models.ForeignKey(
        Widget, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="widget"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="API key"
    )
    client_address = models.GenericIPAddressField("client address", null=True, blank=True)
    text = models.TextField("consent text", blank=True, help_text="What the customer was shown and agreed to.")
    phone_number = models.CharField("phone number", max_length=16, blank=True, help_text="E.164.")
    digest = models.CharField(
        "digest", max_length=64, editable=False, help_text="SHA-256 of the record as first written (Consent.canonical)."
    )
    purged_at = models.DateTimeField("personal data purged", null=True, blank=True)

    class Meta:
        verbose_name = "consent"

    def __str__(self):
        return f"Consent given {self.given_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"

    def canonical(self) -> bytes:
        """The record as one JSON text: sorted keys, no spaces, UTC time to the microsecond."""
        fields = {
            "callback": str(self.callback.public_id),
            "given_at": self.given_at.astimezone(dt.UTC).isoformat(),
            "channel": self.channel,
            "widget": self.widget_id,
            "api_key": self.api_key_id,
            "client_address": self.client_address,
            "text": self.text,
            "phone_number": self.phone_number,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()
