import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from queues.models import Agent, VirtualQueue


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
        raise models.ProtectedError(
            "An agent who holds a callback cannot be deleted: release or finish it first.", set(held)
        )
    models.SET_NULL(collector, field, sub_objs, using)


class Callback(models.Model):
    public_id = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    queue = models.ForeignKey(VirtualQueue, on_delete=models.PROTECT, related_name="callbacks", verbose_name="queue")
    phone_number = PhoneNumberField(
        "phone number", blank=True, help_text="E.164; emptied when personal data is purged."
    )
    first_name = models.CharField("first name", max_length=100, blank=True)
    last_name = models.CharField("last name", max_length=100, blank=True)
    email = models.EmailField("email", blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)
    context = models.JSONField(
        "journey context",
        default=dict,
        blank=True,
        help_text="Data from the customer's journey: page, referrer, custom fields.",
    )
    desired_time = models.DateTimeField(
        "desired time", null=True, blank=True, help_text="Empty means as soon as possible."
    )
    customer_timezone = models.CharField("customer's time zone", max_length=64, blank=True)
    channel = models.CharField("channel", max_length=16, choices=Channel.choices, default=Channel.API)
    state = models.CharField("state", max_length=16, choices=State.choices, default=State.QUEUED)
    outcome = models.CharField("last outcome", max_length=20, choices=Outcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField("attempts", default=0)
    agent = models.ForeignKey(
        Agent,
        on_delete=keep_held_callbacks,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name="assigned agent",
    )
    widget = models.ForeignKey(
        "Widget",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name="booked through widget",
    )

    # When the row next needs the beat's attention: release (scheduled,
    # retry_wait), expiry, reservation timeout. Due times live here, never as
    # one beat entry per callback.
    due_at = models.DateTimeField("due", null=True, blank=True)
    expires_at = models.DateTimeField("expires", null=True, blank=True)
    reservation_expires_at = models.DateTimeField("reservation expires", null=True, blank=True)

    # Routing. The place in line never changes on retry or requeue, so a
    # customer loses nothing when a call fails or an agent gives it back.
    place_at = models.DateTimeField(
        "place in line",
        default=timezone.now,
        help_text="When requested (as soon as possible), else the desired time, or when it joined if released early.",
    )
    hold_until = models.DateTimeField(
        "held until",
        null=True,
        blank=True,
        help_text="Not offered to agents before this time (customer's quiet hours).",
    )
    dial_timezone = models.CharField(
        "dialling time zone",
        max_length=64,
        blank=True,
        help_text="The customer's zone for quiet hours, resolved at creation.",
    )
    number_timezone = models.CharField(
        "number's time zone",
        max_length=64,
        blank=True,
        help_text="The number's own zone when it differs from the one the customer gave: both windows apply.",
    )
    calling_country = models.CharField(
        "number's country", max_length=2, blank=True, help_text="For calling policies; resolved at creation."
    )
    calling_subdivision = models.CharField("number's state or province", max_length=3, blank=True)
    rejections = models.PositiveSmallIntegerField("rejections", default=0)
    flagged = models.BooleanField(
        "flagged for supervisors", default=False, help_text="Agents rejected it as often as the queue allows."
    )

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
            models.Index(
                fields=["due_at"], name="callback_due_open", condition=Q(state__in=[State.SCHEDULED, State.RETRY_WAIT])
            ),
            models.Index(
                fields=["expires_at"],
                name="callback_expiry_open",
                condition=Q(state__in=[State.SCHEDULED, State.QUEUED, State.RETRY_WAIT]),
            ),
            models.Index(
                fields=["reservation_expires_at"], name="callback_reservation", condition=Q(state=State.ASSIGNED)
            ),
            models.Index(
                fields=["ended_at"],
                name="callback_purgeable",
                condition=Q(purged_at__isnull=True, ended_at__isnull=False),
            ),
            models.Index(fields=["queue", "state"], name="callback_queue_state"),
            # The claim walks this in line order and stops at the first free
            # row, however many callbacks have finished.
            models.Index(fields=["queue", "place_at", "id"], name="callback_claim", condition=Q(state=State.QUEUED)),
            models.Index(fields=["phone_number"], name="callback_phone"),
            # What the capacity rules count (every state but canceled and expired: callbacks.ledger), by
            # slot on desired_time, and created_at after it for the day's immediate ones (desired_time null).
            models.Index(
                fields=["queue", "desired_time", "created_at"],
                name="callback_booked",
                condition=~Q(state__in=[State.CANCELED, State.EXPIRED]),
            ),
            # The staff lists, newest first by their cursor's key (callbacks.filters): a page is one range of
            # one of these however long the history, under a queue and under open states too.
            models.Index(fields=["created_at", "id"], name="callback_newest"),
            models.Index(fields=["queue", "created_at", "id"], name="callback_queue_newest"),
            models.Index(fields=["created_at", "id"], name="callback_open_newest", condition=Q(state__in=OPEN_STATES)),
            # The handle time of the wait estimate (the overview's, the widget's): a queue's latest completed
            # calls, read from the index alone, never the queue's whole history.
            models.Index(
                fields=["queue", "ended_at"],
                include=["started_at"],
                name="callback_handle_time",
                condition=Q(state=State.COMPLETED),
            ),
        ]
        # What lifecycle.py keeps on every move, refused by the database too, so
        # no other writer (a shell, a data migration, a bulk update) can break it.
        constraints = [
            # One held callback per agent. The claim checks first, under a lock
            # on the agent's row; this is the backstop should any path to
            # ASSIGNED skip that lock (two tabs, a double click, a new caller).
            # Also the index every claim asks "what does the agent hold" with.
            models.UniqueConstraint(
                fields=["agent"],
                name="callback_held",
                condition=Q(state__in=HELD_STATES),
                violation_error_message="The agent already holds a callback.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=False, state__in=TERMINAL_STATES)
                | Q(ended_at__isnull=True, state__in=OPEN_STATES),
                name="callback_ended_iff_final",
                violation_error_message="Only a final callback has an end time.",
            ),
            # A held callback has its agent; a waiting one has none (requeue and retry clear it); a final
            # one keeps whoever last worked it, or none.
            models.CheckConstraint(
                condition=Q(agent__isnull=False, state__in=HELD_STATES)
                | Q(agent__isnull=True, state__in=WAITING_STATES)
                | Q(state__in=TERMINAL_STATES),
                name="callback_agent_fits_state",
                violation_error_message="An assigned or in-progress callback has an agent; a waiting one has none.",
            ),
            # The beat releases on due_at: set while scheduled or retrying, on no other open callback; a
            # final one keeps the time it was due.
            models.CheckConstraint(
                condition=Q(due_at__isnull=False, state__in=[State.SCHEDULED, State.RETRY_WAIT])
                | Q(due_at__isnull=True, state__in=[State.QUEUED, *HELD_STATES])
                | Q(state__in=TERMINAL_STATES),
                name="callback_due_fits_state",
                violation_error_message="A scheduled or retrying callback has a due time; no other open one has.",
            ),
            models.CheckConstraint(
                condition=Q(reservation_expires_at__isnull=False, state=State.ASSIGNED)
                | (Q(reservation_expires_at__isnull=True) & ~Q(state=State.ASSIGNED)),
                name="callback_reservation_iff_assigned",
                violation_error_message="Only an assigned callback has a reservation.",
            ),
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

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="events", verbose_name="callback")
    type = models.CharField("type", max_length=32)
    from_state = models.CharField("from state", max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField("to state", max_length=16, choices=State.choices)
    created_at = models.DateTimeField("time", default=timezone.now)
    actor = models.CharField("actor", max_length=10, choices=Actor.choices, default=Actor.SYSTEM)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="acting user",
    )
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

    callback = models.ForeignKey(
        Callback, on_delete=models.CASCADE, related_name="dial_attempts", verbose_name="callback"
    )
    number = models.PositiveSmallIntegerField("attempt number")
    agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attempts", verbose_name="agent"
    )
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
