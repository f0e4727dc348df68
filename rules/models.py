"""Rules administrators set: capacity, countries, numbers, offer thresholds.

What a rule refused is recorded by callbacks (``callbacks.RejectionRecord``), which knows the widget.

A queue's rules live in ``QueueRules``, one row per queue (created with the
queue), so the queues app stays unaware of them.
"""

import datetime as dt

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from queues.models import OfficeHours, VirtualQueue

# phonenumbers.PhoneNumberType names, lower-cased; what administrators pick from.
NUMBER_TYPES = [
    ("premium_rate", "Premium rate"),
    ("shared_cost", "Shared cost"),
    ("toll_free", "Toll free"),
    ("mobile", "Mobile"),
    ("fixed_line", "Fixed line"),
    ("fixed_line_or_mobile", "Fixed line or mobile"),
    ("voip", "VoIP"),
    ("personal_number", "Personal number"),
    ("pager", "Pager"),
    ("uan", "Universal access number"),
    ("voicemail", "Voicemail access"),
    ("unknown", "Unknown"),
]
NUMBER_TYPE_LABELS = dict(NUMBER_TYPES)
DEFAULT_REFUSED_TYPES = ["premium_rate", "shared_cost"]


def default_refused_types() -> list[str]:
    return list(DEFAULT_REFUSED_TYPES)


def number_type_name(number: phonenumbers.PhoneNumber) -> str:
    """'premium_rate', 'mobile', …: the numbering plan's type of the number."""
    kind = phonenumbers.number_type(number)
    names = {value: name for name, value in vars(phonenumbers.PhoneNumberType).items() if name.isupper()}
    return names.get(kind, "UNKNOWN").lower()


def parse_countries(text: str) -> list[str]:
    """'fr, be ch' -> ['BE', 'CH', 'FR']; raises ValidationError for a code phonenumbers does not know."""
    codes = sorted({code.upper() for code in text.replace(",", " ").split()})
    unknown = [code for code in codes if code not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ValidationError(f"Unknown country codes: {', '.join(unknown)} (use ISO 3166 codes such as FR or GB).")
    return codes


class RejectionCode(models.TextChoices):
    """The stable codes a refusal answers with (HTTP 422); clients may rely on them."""

    QUEUE_CLOSED = "queue_closed", "Queue closed"
    OUTSIDE_CALLING_WINDOW = "outside_calling_window", "Outside the customer's calling window"
    COUNTRY_NOT_ALLOWED = "country_not_allowed", "Country not allowed"
    NUMBER_BLOCKED = "number_blocked", "Number blocked"
    NUMBER_TYPE_NOT_ALLOWED = "number_type_not_allowed", "Number type not allowed"
    TOO_MANY_OPEN = "too_many_open", "Too many open callbacks"
    DAILY_LIMIT = "daily_limit", "Daily limit reached"
    NOT_OFFERED = "not_offered", "Not offered now"
    CAPACITY_FULL = "capacity_full", "Capacity full"


class CountryPolicy(models.TextChoices):
    DEFAULT = "default", "Use the global default"
    ANY = "any", "Any country"
    ALLOW = "allow", "Only the listed countries (allow list)"
    DENY = "deny", "Every country but the listed ones (deny list)"


COUNTRIES_HELP = (
    "ISO 3166 codes separated by commas or spaces, e.g. “GB, IE, FR”. The country is read from the "
    "customer's phone number, not from where they browse."
)


class CountryListMixin(models.Model):
    countries = models.CharField("countries", max_length=1000, blank=True, help_text=COUNTRIES_HELP)

    class Meta:
        abstract = True

    @property
    def country_list(self) -> list[str]:
        try:
            return parse_countries(self.countries)
        except ValidationError:
            return []

    def clean(self):
        super().clean()
        try:
            self.countries = ", ".join(parse_countries(self.countries))
        except ValidationError as error:
            raise ValidationError({"countries": error.messages}) from None
        if self.country_policy in (CountryPolicy.ALLOW, CountryPolicy.DENY) and not self.countries:
            raise ValidationError({"countries": "List at least one country for an allow or deny list."})


class GlobalRules(CountryListMixin):
    """Rules for every queue that does not set its own: one row."""

    country_policy = models.CharField(
        "countries",
        max_length=8,
        default=CountryPolicy.ANY,
        choices=[c for c in CountryPolicy.choices if c[0] != CountryPolicy.DEFAULT],
        help_text="Which countries' numbers queues using the global default accept.",
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "global rules"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="globalrules_single_row"),
            models.CheckConstraint(condition=~Q(country_policy=CountryPolicy.DEFAULT), name="globalrules_policy"),
        ]

    def __str__(self):
        return "Global rules"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "GlobalRules":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class QueueRules(CountryListMixin):
    queue = models.OneToOneField(VirtualQueue, on_delete=models.CASCADE, related_name="rules", verbose_name="queue")

    # Capacity
    slot_capacity = models.PositiveIntegerField(
        "callbacks per slot",
        null=True,
        blank=True,
        help_text="How many scheduled callbacks one time slot takes. Empty: no limit; 0: no slot is offered. "
        "Overrides below change it on some days and hours.",
    )
    daily_capacity = models.PositiveIntegerField(
        "callbacks per day",
        null=True,
        blank=True,
        help_text="How many callbacks (immediate and scheduled) one day takes, in the queue's time zone. "
        "Empty: no limit.",
    )

    # Countries
    country_policy = models.CharField(
        "countries",
        max_length=8,
        choices=CountryPolicy.choices,
        default=CountryPolicy.DEFAULT,
        help_text="Which countries' numbers this queue accepts.",
    )

    # Numbers
    refused_number_types = models.JSONField(
        "refused number types",
        default=default_refused_types,
        blank=True,
        help_text="Kinds of number this queue never calls, as the numbering plan classes them. "
        "Premium rate and shared cost are refused by default.",
    )
    max_open_across_queues = models.PositiveSmallIntegerField(
        "open callbacks per number, all queues",
        default=0,
        help_text="Refuse a number that already has this many open callbacks in any queue; 0 turns the check off. "
        "(The queue's own “open callbacks per number” answers a duplicate in this queue.)",
    )
    max_requests_per_day = models.PositiveSmallIntegerField(
        "requests per number per day",
        default=0,
        help_text="Refuse a number that has already asked this queue for this many callbacks today "
        "(the queue's day, canceled ones included); 0 turns the check off.",
    )

    # Immediate callbacks
    immediate_cutoff_minutes = models.PositiveSmallIntegerField(
        "immediate cut-off (minutes)",
        default=0,
        help_text="Refuse immediate callbacks when the queue closes within this many minutes; 0: until closing.",
    )
    offer_min_ewt_minutes = models.PositiveSmallIntegerField(
        "offer immediate only above a wait of (minutes)",
        null=True,
        blank=True,
        help_text="Offer immediate callbacks only while the estimated wait is above this many minutes "
        "(with a short wait customers are better off calling). Empty: whatever the wait.",
    )
    offer_max_waiting = models.PositiveIntegerField(
        "stop offering above (callbacks waiting)",
        null=True,
        blank=True,
        help_text="Stop offering immediate callbacks while more than this many are waiting in the queue. "
        "Empty: no limit.",
    )

    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["queue__name"]
        verbose_name = verbose_name_plural = "queue rules"

    def __str__(self):
        return f"Rules of {self.queue}"

    @classmethod
    def for_queue(cls, queue: VirtualQueue) -> "QueueRules":
        """The queue's rules, read afresh; a queue without a row (bulk-created) gets the defaults, unsaved."""
        return cls.objects.filter(queue=queue).prefetch_related("capacity_overrides").first() or cls(queue=queue)

    def clean(self):
        super().clean()
        types = self.refused_number_types or []
        if not isinstance(types, list) or set(types) - set(NUMBER_TYPE_LABELS):
            raise ValidationError({"refused_number_types": "Pick number types from the list."})


class CapacityOverride(models.Model):
    rules = models.ForeignKey(
        QueueRules, on_delete=models.CASCADE, related_name="capacity_overrides", verbose_name="queue rules"
    )
    weekday = models.PositiveSmallIntegerField(
        "weekday",
        choices=OfficeHours.Weekday.choices,
        null=True,
        blank=True,
        help_text="Empty: every day. A weekday's override wins over an every-day one.",
    )
    starts = models.TimeField("from", help_text="Local time, in the queue's zone.")
    ends = models.TimeField("until", help_text="Slots starting before this time; 00:00 means midnight.")
    slot_capacity = models.PositiveIntegerField(
        "callbacks per slot", help_text="Where overrides of one kind overlap, the smallest applies."
    )

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name = "capacity override"
        indexes = [models.Index(fields=["rules", "weekday"], name="capacityoverride_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="capacityoverride_weekday"
            ),
            models.CheckConstraint(
                condition=Q(ends=dt.time(0)) | Q(ends__gt=models.F("starts")), name="capacityoverride_range"
            ),
        ]

    def __str__(self):
        day = self.get_weekday_display() if self.weekday is not None else "Every day"
        return f"{day} {self.starts:%H:%M}–{self.ends:%H:%M}: {self.slot_capacity} a slot"

    def covers(self, local: dt.datetime) -> bool:
        if self.weekday is not None and self.weekday != local.weekday():
            return False
        at = local.time()
        return self.starts <= at and (self.ends == dt.time(0) or at < self.ends)

    def clean(self):
        if self.ends != dt.time(0) and self.ends <= self.starts:
            raise ValidationError({"ends": "The override must end after it starts (use 00:00 for midnight)."})


E164 = RegexValidator(r"^\+[1-9][0-9]{0,14}$", "Use + and digits only, as in +44 or +449012345678.")


class NumberEntry(models.Model):
    class Kind(models.TextChoices):
        DENY = "deny", "Deny"
        ALLOW = "allow", "Allow"

    class Match(models.TextChoices):
        EXACT = "exact", "Exact number"
        PREFIX = "prefix", "Prefix"

    rules = models.ForeignKey(
        QueueRules,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="number_entries",
        verbose_name="queue rules",
        help_text="Empty: applies to every queue.",
    )
    kind = models.CharField("kind", max_length=5, choices=Kind.choices, default=Kind.DENY)
    match = models.CharField("match", max_length=6, choices=Match.choices, default=Match.PREFIX)
    value = models.CharField(
        "number or prefix",
        max_length=16,
        validators=[E164],
        help_text="E.164: + and digits, e.g. +449 for a premium-rate range.",
    )
    note = models.CharField("note", max_length=200, blank=True, help_text="Why this entry exists.")
    created_at = models.DateTimeField("created", default=timezone.now)

    class Meta:
        ordering = ["value"]
        verbose_name = "number entry"
        verbose_name_plural = "number entries"
        indexes = [models.Index(fields=["value"], name="numberentry_value")]
        constraints = [
            models.CheckConstraint(condition=Q(value__startswith="+"), name="numberentry_e164"),
            models.UniqueConstraint(
                fields=["rules", "match", "value"], name="numberentry_unique_in_queue", condition=Q(rules__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["match", "value"], name="numberentry_unique_global", condition=Q(rules__isnull=True)
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}{'…' if self.match == self.Match.PREFIX else ''}"

    def matches(self, e164: str) -> bool:
        return e164 == self.value if self.match == self.Match.EXACT else e164.startswith(self.value)

    @property
    def specificity(self) -> tuple[int, int]:
        """The longest match wins; at equal length an exact number beats a prefix."""
        return len(self.value), self.match == self.Match.EXACT
