import datetime as dt
import hashlib
import json
import uuid

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from queues.models import Agent, VirtualQueue
from rules.models import RejectionCode


class State(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    EXPIRED = "expired", "Expired"


OPEN_STATES = (State.SCHEDULED, State.QUEUED, State.ASSIGNED, State.IN_PROGRESS, State.RETRY_WAIT)
TERMINAL_STATES = (State.COMPLETED, State.FAILED, State.CANCELED, State.EXPIRED)
# Open, by whether an agent has it.
HELD_STATES = (State.ASSIGNED, State.IN_PROGRESS)
WAITING_STATES = (State.SCHEDULED, State.QUEUED, State.RETRY_WAIT)


class Outcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    VOICEMAIL = "voicemail", "Voicemail"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    CUSTOMER_DECLINED = "customer_declined", "Customer declined"


class Channel(models.TextChoices):
    WIDGET = "widget", "Widget"
    API = "api", "API"
    CLICK_TO_CALL = "click_to_call", "Click-to-call"
    STAFF = "staff", "Staff"


def keep_held_callbacks(collector, field, sub_objs, using):
    """``on_delete`` of a callback's agent: refused while the agent holds one, else the agent is forgotten.

    A held callback without its agent is a row the database refuses (callback_agent_fits_state), and one
    nobody could work; refused with ProtectedError, the admin answers with the callback to release first
    rather than a 500. Finished and waiting callbacks keep no agent or let it go.
    """
    held = sub_objs.filter(state__in=HELD_STATES)
    if held.exists():
        raise models.ProtectedError("An agent who holds a callback cannot be deleted: release or finish it first.",
                                    set(held))
    models.SET_NULL(collector, field, sub_objs, using)


class Callback(models.Model):
    public_id = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    queue = models.ForeignKey(VirtualQueue, on_delete=models.PROTECT, related_name="callbacks",
                              verbose_name="queue")
    phone_number = PhoneNumberField("phone number", blank=True,
                                    help_text="E.164; emptied when personal data is purged.")
    first_name = models.CharField("first name", max_length=100, blank=True)
    last_name = models.CharField("last name", max_length=100, blank=True)
    email = models.EmailField("email", blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)
    context = models.JSONField("journey context", default=dict, blank=True,
                               help_text="Data from the customer's journey: page, referrer, custom fields.")
    desired_time = models.DateTimeField("desired time", null=True, blank=True,
                                        help_text="Empty means as soon as possible.")
    customer_timezone = models.CharField("customer's time zone", max_length=64, blank=True)
    channel = models.CharField("channel", max_length=16, choices=Channel.choices, default=Channel.API)
    state = models.CharField("state", max_length=16, choices=State.choices, default=State.QUEUED)
    outcome = models.CharField("last outcome", max_length=20, choices=Outcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField("attempts", default=0)
    agent = models.ForeignKey(Agent, on_delete=keep_held_callbacks, null=True, blank=True,
                              related_name="callbacks", verbose_name="assigned agent")
    widget = models.ForeignKey("Widget", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="callbacks", verbose_name="booked through widget")

    # When the row next needs the beat's attention: release (scheduled,
    # retry_wait), expiry, reservation timeout. Due times live here, never as
    # one beat entry per callback.
    due_at = models.DateTimeField("due", null=True, blank=True)
    expires_at = models.DateTimeField("expires", null=True, blank=True)
    reservation_expires_at = models.DateTimeField("reservation expires", null=True, blank=True)

    # Routing. The place in line never changes on retry or requeue, so a
    # customer loses nothing when a call fails or an agent gives it back.
    place_at = models.DateTimeField("place in line", default=timezone.now,
                                    help_text="When requested (as soon as possible), else the desired time, "
                                              "or when it joined if released early.")
    hold_until = models.DateTimeField("held until", null=True, blank=True,
                                      help_text="Not offered to agents before this time (customer's quiet hours).")
    dial_timezone = models.CharField("dialling time zone", max_length=64, blank=True,
                                     help_text="The customer's zone for quiet hours, resolved at creation.")
    number_timezone = models.CharField(
        "number's time zone", max_length=64, blank=True,
        help_text="The number's own zone when it differs from the one the customer gave: both windows apply.")
    calling_country = models.CharField("number's country", max_length=2, blank=True,
                                       help_text="For calling policies; resolved at creation.")
    calling_subdivision = models.CharField("number's state or province", max_length=3, blank=True)
    rejections = models.PositiveSmallIntegerField("rejections", default=0)
    flagged = models.BooleanField("flagged for supervisors", default=False,
                                  help_text="Agents rejected it as often as the queue allows.")

    created_at = models.DateTimeField("created", default=timezone.now)
    updated_at = models.DateTimeField("updated", auto_now=True)
    state_changed_at = models.DateTimeField("state changed", default=timezone.now)
    queued_at = models.DateTimeField("first queued", null=True, blank=True)
    assigned_at = models.DateTimeField("assigned", null=True, blank=True)
    started_at = models.DateTimeField("last attempt started", null=True, blank=True)
    ended_at = models.DateTimeField("ended", null=True, blank=True)

    token_hash = models.CharField("customer token hash", max_length=64, blank=True, editable=False)
    purged_at = models.DateTimeField("personal data purged", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "callback"
        permissions = [
            ("work_callback", "Can work callbacks as an agent"),
            ("manage_callback", "Can cancel, reschedule, assign and requeue callbacks"),
            ("view_troubleshooting", "Can view the troubleshooting page"),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="callback_due_open",
                         condition=Q(state__in=[State.SCHEDULED, State.RETRY_WAIT])),
            models.Index(fields=["expires_at"], name="callback_expiry_open",
                         condition=Q(state__in=[State.SCHEDULED, State.QUEUED, State.RETRY_WAIT])),
            models.Index(fields=["reservation_expires_at"], name="callback_reservation",
                         condition=Q(state=State.ASSIGNED)),
            models.Index(fields=["ended_at"], name="callback_purgeable",
                         condition=Q(purged_at__isnull=True, ended_at__isnull=False)),
            models.Index(fields=["queue", "state"], name="callback_queue_state"),
            # The claim walks this in line order and stops at the first free
            # row, however many callbacks have finished.
            models.Index(fields=["queue", "place_at", "id"], name="callback_claim",
                         condition=Q(state=State.QUEUED)),
            models.Index(fields=["phone_number"], name="callback_phone"),
        ]
        # What lifecycle.py keeps on every move, refused by the database too, so
        # no other writer (a shell, a data migration, a bulk update) can break it.
        constraints = [
            # One held callback per agent. The claim checks first, under a lock
            # on the agent's row; this is the backstop should any path to
            # ASSIGNED skip that lock (two tabs, a double click, a new caller).
            # Also the index every claim asks "what does the agent hold" with.
            models.UniqueConstraint(fields=["agent"], name="callback_held", condition=Q(state__in=HELD_STATES),
                                    violation_error_message="The agent already holds a callback."),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=False, state__in=TERMINAL_STATES)
                | Q(ended_at__isnull=True, state__in=OPEN_STATES),
                name="callback_ended_iff_final", violation_error_message="Only a final callback has an end time."),
            # A held callback has its agent; a waiting one has none (requeue and retry clear it); a final
            # one keeps whoever last worked it, or none.
            models.CheckConstraint(
                condition=Q(agent__isnull=False, state__in=HELD_STATES)
                | Q(agent__isnull=True, state__in=WAITING_STATES) | Q(state__in=TERMINAL_STATES),
                name="callback_agent_fits_state",
                violation_error_message="An assigned or in-progress callback has an agent; a waiting one has none."),
            # The beat releases on due_at: set while scheduled or retrying, on no other open callback; a
            # final one keeps the time it was due.
            models.CheckConstraint(
                condition=Q(due_at__isnull=False, state__in=[State.SCHEDULED, State.RETRY_WAIT])
                | Q(due_at__isnull=True, state__in=[State.QUEUED, *HELD_STATES]) | Q(state__in=TERMINAL_STATES),
                name="callback_due_fits_state",
                violation_error_message="A scheduled or retrying callback has a due time; no other open one has."),
            models.CheckConstraint(
                condition=Q(reservation_expires_at__isnull=False, state=State.ASSIGNED)
                | (Q(reservation_expires_at__isnull=True) & ~Q(state=State.ASSIGNED)),
                name="callback_reservation_iff_assigned",
                violation_error_message="Only an assigned callback has a reservation."),
        ]

    def __str__(self):
        return f"Callback {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CallbackEvent(models.Model):
    class Actor(models.TextChoices):
        SYSTEM = "system", "System"
        CUSTOMER = "customer", "Customer"
        AGENT = "agent", "Agent"
        STAFF = "staff", "Staff"

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="events",
                                 verbose_name="callback")
    type = models.CharField("type", max_length=32)
    from_state = models.CharField("from state", max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField("to state", max_length=16, choices=State.choices)
    created_at = models.DateTimeField("time", default=timezone.now)
    actor = models.CharField("actor", max_length=10, choices=Actor.choices, default=Actor.SYSTEM)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="acting user")
    reason = models.CharField("reason", max_length=64, blank=True)
    metadata = models.JSONField("metadata", default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "callback event"
        indexes = [
            models.Index(fields=["callback", "created_at"], name="event_callback_time"),
            models.Index(fields=["created_at"], name="event_time"),
            models.Index(fields=["type", "created_at"], name="event_type_time"),
        ]

    def __str__(self):
        return f"{self.type}: {self.from_state or '–'} → {self.to_state}"


class Attempt(models.Model):
    """One dial of a callback by an agent, from the start of dialling to its outcome."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="dial_attempts",
                                 verbose_name="callback")
    number = models.PositiveSmallIntegerField("attempt number")
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts",
                              verbose_name="agent")
    started_at = models.DateTimeField("started")
    ended_at = models.DateTimeField("ended", null=True, blank=True)
    outcome = models.CharField("outcome", max_length=20, choices=Outcome.choices, blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)

    class Meta:
        ordering = ["callback", "number"]
        verbose_name = "attempt"
        constraints = [models.UniqueConstraint(fields=["callback", "number"], name="attempt_number_unique")]

    def __str__(self):
        return f"Attempt {self.number}: {self.get_outcome_display() or 'dialling'}"


def origin_list(text: str) -> list[str]:
    """The origins of an "allowed origins" box: one a line, compared without a trailing slash."""
    return [line.strip().rstrip("/") for line in text.splitlines() if line.strip()]


def default_form() -> list[dict]:
    """The registration form a new widget starts with: what a customer expects to fill in."""
    return [
        {"name": "first_name", "type": "text", "label": "First name", "required": False, "maxlength": 100,
         "autocomplete": "given-name", "row": 1, "width": "half"},
        {"name": "last_name", "type": "text", "label": "Last name", "required": False, "maxlength": 100,
         "autocomplete": "family-name", "row": 1, "width": "half"},
        {"name": "phone_number", "type": "tel", "label": "Phone", "required": True, "placeholder": "20 7946 0958",
         "autocomplete": "tel", "row": 2, "width": "full"},
        {"name": "notes", "type": "textarea", "label": "Notes", "required": False, "maxlength": 2000,
         "placeholder": "What would you like to talk about?", "row": 3, "width": "full"},
    ]


class Widget(models.Model):
    class Captcha(models.TextChoices):
        NONE = "none", "None"
        IMAGE = "image", "Built-in image challenge"
        RECAPTCHA = "recaptcha", "Google reCAPTCHA"
        HCAPTCHA = "hcaptcha", "hCaptcha"
        TURNSTILE = "turnstile", "Cloudflare Turnstile"

    class Theme(models.TextChoices):
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    public_key = models.SlugField("public key", max_length=64, unique=True,
                                  help_text="Goes in the embed tag's data-widget-key; not a secret.")
    name = models.CharField("name", max_length=120)
    queue = models.ForeignKey(VirtualQueue, on_delete=models.PROTECT, related_name="widgets", verbose_name="queue")
    allowed_origins = models.TextField(
        "allowed origins", blank=True,
        help_text="One origin a line, e.g. https://www.example.com — the sites that may embed this widget (CORS).")
    form = models.JSONField("registration form", default=default_form,
                            help_text="An ordered list of inputs; fields other than the callback's own go into its context.")
    captcha_provider = models.CharField("CAPTCHA", max_length=12, choices=Captcha.choices, default=Captcha.NONE)
    captcha_site_key = models.CharField("CAPTCHA site key", max_length=200, blank=True)
    captcha_secret_key = models.CharField("CAPTCHA secret key", max_length=200, blank=True)
    theme = models.CharField("theme", max_length=8, choices=Theme.choices, default=Theme.LIGHT)
    accent_color = models.CharField("accent colour", max_length=7, default="#2563eb",
                                    validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2563eb.")])
    offer_scheduling = models.BooleanField("offer scheduled callbacks", default=True)
    active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "widget"

    def __str__(self):
        return self.name

    @property
    def origins(self) -> list[str]:
        return origin_list(self.allowed_origins)


class RejectionRecord(models.Model):
    """A request the rules refused, for troubleshooting and reports. Never the whole phone number.

    Written by ``callbacks.rejections``; moved here from rules with its table
    (callbacks 0019), so rules need not know widgets.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        RESCHEDULE = "reschedule", "Reschedule"

    created_at = models.DateTimeField("time", default=timezone.now)
    queue = models.ForeignKey(VirtualQueue, on_delete=models.SET_NULL, null=True, related_name="rejections",
                              verbose_name="queue")
    widget = models.ForeignKey(Widget, on_delete=models.SET_NULL, null=True, blank=True, related_name="rejections",
                               verbose_name="widget")
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
    widget = models.ForeignKey(Widget, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems",
                               verbose_name="widget")
    origin = models.CharField("origin", max_length=200, blank=True)
    path = models.CharField("path", max_length=200, blank=True)
    detail = models.CharField("detail", max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API problem"
        indexes = [models.Index(fields=["kind", "created_at"], name="apiproblem_kind_time"),
                   models.Index(fields=["created_at"], name="apiproblem_time")]

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
    callback = models.OneToOneField(Callback, on_delete=models.CASCADE, null=True, related_name="idempotent_request",
                                    verbose_name="callback")
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


class ApiKey(models.Model):
    """A key of the Genesys-compatible API under /engagement/v3 (``callbacks.compat``).

    It names the queues (GES "services") it may use and the sites that may use
    it from a browser. Only a digest of the key is kept: a key read from the
    database is of no use to anyone.
    """

    name = models.CharField("name", max_length=120, help_text="Who uses it, e.g. “Mobile app” or “IVR”.")
    key_digest = models.CharField("key digest", max_length=64, unique=True, editable=False)
    key_prefix = models.CharField("key starts with", max_length=6, editable=False)
    queues = models.ManyToManyField(VirtualQueue, blank=True, related_name="api_keys", verbose_name="queues",
                                    help_text="The queues (serviceName) it may use; none: no queue at all.")
    allowed_origins = models.TextField(
        "allowed origins", blank=True,
        help_text="One origin a line, e.g. https://www.example.com — the sites that may use this key from a "
                  "browser (CORS). Servers and IVRs send no origin and need none.")
    class Captcha(models.TextChoices):
        # A hosted provider only: GES clients have no way to fetch an image challenge.
        NONE = "none", "None"
        RECAPTCHA = "recaptcha", "Google reCAPTCHA"
        HCAPTCHA = "hcaptcha", "hCaptcha"
        TURNSTILE = "turnstile", "Cloudflare Turnstile"

    captcha_provider = models.CharField(
        "CAPTCHA", max_length=12, choices=Captcha.choices, default=Captcha.NONE,
        help_text="Check the captchaToken of every create against this provider (for keys used from browsers).")
    captcha_secret_key = models.CharField("CAPTCHA secret key", max_length=200, blank=True)
    default_country = models.CharField(
        "default country", max_length=2, blank=True,
        help_text="ISO code such as US or GB: numbers sent without their country code (as many GES "
                  "integrations do) are read as this country's. Empty: numbers must include it.")
    active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self):
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def clean(self):
        if self.captcha_provider != self.Captcha.NONE and not self.captcha_secret_key:
            raise ValidationError({"captcha_secret_key": "The provider needs the secret key to check answers."})
        self.default_country = self.default_country.upper()
        if self.default_country and self.default_country not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError({"default_country": "Use an ISO 3166 country code such as US or GB."})

    def set_key(self, key: str) -> None:
        self.key_digest, self.key_prefix = self.digest(key), key[:6]

    @property
    def origins(self) -> list[str]:
        return origin_list(self.allowed_origins)


class Consent(models.Model):
    """What the customer agreed to when the callback was booked: when, how, from where, to which number.

    The purge blanks the number, the address and the text; the digest and the
    time stay, so a record shown later can still be checked against them.
    """

    callback = models.OneToOneField(Callback, on_delete=models.CASCADE, related_name="consent",
                                    verbose_name="callback")
    given_at = models.DateTimeField("given")
    channel = models.CharField("channel", max_length=16, choices=Channel.choices)
    widget = models.ForeignKey(Widget, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name="widget")
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name="API key")
    client_address = models.GenericIPAddressField("client address", null=True, blank=True)
    text = models.TextField("consent text", blank=True, help_text="What the customer was shown and agreed to.")
    phone_number = models.CharField("phone number", max_length=16, blank=True, help_text="E.164.")
    digest = models.CharField("digest", max_length=64, editable=False,
                              help_text="SHA-256 of the record as first written (Consent.canonical).")
    purged_at = models.DateTimeField("personal data purged", null=True, blank=True)

    class Meta:
        verbose_name = "consent"

    def __str__(self):
        return f"Consent given {self.given_at.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"

    def canonical(self) -> bytes:
        """The record as one JSON text: sorted keys, no spaces, UTC time to the microsecond."""
        fields = {"callback": str(self.callback.public_id), "given_at": self.given_at.astimezone(dt.timezone.utc)
                  .isoformat(), "channel": self.channel, "widget": self.widget_id, "api_key": self.api_key_id,
                  "client_address": self.client_address, "text": self.text, "phone_number": self.phone_number}
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()
