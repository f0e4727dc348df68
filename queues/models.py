import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from timezone_field import TimeZoneField

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(10)]
# A range of local times closing at 00:00 closes at midnight at the end of its day; none runs overnight.
MIDNIGHT = dt.time(0)
CALLING_WINDOW_RANGE = "The calling window must close after it opens (use 00:00 for midnight)."
HOURS_RANGE = "Closing time must be after opening time (use 00:00 for midnight)."


def closes_after_opening(opens: str, closes: str) -> Q:
    """The database's check of a range of local times: it closes after it opens, or at midnight."""
    return Q(**{closes: MIDNIGHT}) | Q(**{f"{closes}__gt": F(opens)})


class Skill(models.Model):
    name = models.CharField("name", max_length=80, unique=True)
    description = models.CharField("description", max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "skill"

    def __str__(self):
        return self.name


class VirtualQueue(models.Model):
    class AfterHours(models.TextChoices):
        SCHEDULE_AT_OPENING = "schedule_at_opening", "Book it for when the customer's window opens"
        REFUSE = "refuse", "Refuse it (outside_calling_window)"

    slug = models.SlugField("slug", max_length=60, unique=True)
    name = models.CharField("name", max_length=120)
    time_zone = TimeZoneField(
        "time zone", default="UTC", use_pytz=False, help_text="Office hours, slots and reports are in this zone."
    )
    priority = models.PositiveSmallIntegerField(
        "priority", default=5, help_text="Agents serving several queues take higher numbers first."
    )
    active = models.BooleanField("active", default=True)
    skills: "models.ManyToManyField[Skill, QueueSkill]" = models.ManyToManyField(
        Skill, through="QueueSkill", blank=True, related_name="queues", verbose_name="required skills"
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "slot length (minutes)", default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        "bookable days ahead", default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    max_wait_minutes = models.PositiveIntegerField(
        "maximum wait (minutes)",
        default=240,
        validators=[MinValueValidator(1)],
        help_text="A callback not served this long after it was due expires.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        "maximum attempts", default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    retry_delay_minutes = models.PositiveIntegerField(
        "delay between attempts (minutes)", default=15, validators=[MinValueValidator(1)]
    )
    reservation_timeout_seconds = models.PositiveIntegerField(
        "reservation timeout (seconds)",
        default=60,
        validators=[MinValueValidator(10)],
        help_text="An agent who does not start the call within this time loses the callback back to the queue.",
    )
    max_open_per_number = models.PositiveSmallIntegerField(
        "open callbacks per number",
        default=1,
        help_text="How many open callbacks one phone number may have in this queue; 0 turns the check off.",
    )
    calling_window_start = models.TimeField(
        "calling window opens",
        default=dt.time(9),
        help_text="Customers are never dialled before this time, in their own time zone.",
    )
    calling_window_end = models.TimeField(
        "calling window closes",
        default=dt.time(21),
        help_text="…nor from this time on, in their own time zone; 00:00 means midnight.",
    )
    after_hours = models.CharField(
        "immediate request outside the calling window",
        max_length=20,
        choices=AfterHours.choices,
        default=AfterHours.SCHEDULE_AT_OPENING,
        help_text="What an “as soon as possible” request gets while the customer may not be called.",
    )
    max_rejections = models.PositiveSmallIntegerField(
        "rejections before flagging",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="A callback agents have rejected this many times is flagged for supervisors.",
    )
    early_release_cap_minutes = models.PositiveSmallIntegerField(
        "early release cap (minutes)",
        default=15,
        help_text="A scheduled callback joins the queue ahead of its time by the current estimated wait, "
        "at most this much; 0 releases it exactly on time.",
    )
    service_level_seconds = models.PositiveIntegerField(
        "service level target (seconds)",
        default=300,
        validators=[MinValueValidator(1)],
        help_text="An immediate callback meets the service level when the customer is connected "
        "within this many seconds of asking.",
    )
    promise_tolerance_minutes = models.PositiveSmallIntegerField(
        "promise tolerance (minutes)",
        default=5,
        help_text="A scheduled callback keeps its promise when first dialled within this many minutes "
        "either side of the time the customer chose.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["-priority", "name"]
        verbose_name = "virtual queue"
        # The validators' ranges, kept by the database as well. clean() gives the admin its field error first.
        constraints = [
            models.CheckConstraint(
                condition=closes_after_opening("calling_window_start", "calling_window_end"),
                name="virtualqueue_calling_window_range",
                violation_error_message=CALLING_WINDOW_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=240), name="virtualqueue_slot_minutes_range"
            ),
            models.CheckConstraint(
                condition=Q(booking_horizon_days__gte=1, booking_horizon_days__lte=90),
                name="virtualqueue_booking_horizon_range",
            ),
            models.CheckConstraint(condition=Q(max_wait_minutes__gte=1), name="virtualqueue_max_wait_positive"),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1, max_attempts__lte=20), name="virtualqueue_max_attempts_range"
            ),
            models.CheckConstraint(condition=Q(retry_delay_minutes__gte=1), name="virtualqueue_retry_delay_positive"),
            models.CheckConstraint(
                condition=Q(reservation_timeout_seconds__gte=10), name="virtualqueue_reservation_timeout_min"
            ),
            models.CheckConstraint(condition=Q(max_rejections__gte=1), name="virtualqueue_max_rejections_positive"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.calling_window_end != MIDNIGHT and self.calling_window_end <= self.calling_window_start:
            raise ValidationError({"calling_window_end": CALLING_WINDOW_RANGE})


class QueueSkill(models.Model):
    queue = models.ForeignKey(
        VirtualQueue, on_delete=models.CASCADE, related_name="required_skills", verbose_name="queue"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, verbose_name="skill")
    min_level = models.PositiveSmallIntegerField("minimum level", default=1, validators=LEVEL_VALIDATORS)

    class Meta:
        verbose_name = "required skill"
        constraints = [
            models.UniqueConstraint(fields=["queue", "skill"], name="queueskill_unique"),
            models.CheckConstraint(condition=Q(min_level__gte=1, min_level__lte=10), name="queueskill_level_range"),
        ]

    def __str__(self):
        return f"{self.skill} ≥ {self.min_level}"


def clock_range(opens: dt.time, closes: dt.time) -> str:
    """'09:00–17:00'; a close at 00:00 is midnight at the end of the day: '24:00'."""
    return f"{opens:%H:%M}–{'24:00' if closes == dt.time(0) else f'{closes:%H:%M}'}"


class WeekdayHours(models.Model):
    """A range of local times on a weekday (``weekday``, ``opens``, ``closes``): office or allowed hours."""

    # The subclasses' fields, each with its own label.
    opens: dt.time
    closes: dt.time

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=closes_after_opening("opens", "closes"),
                name="%(class)s_range",
                violation_error_message=HOURS_RANGE,
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="%(class)s_weekday_range"),
        ]

    def __str__(self):
        if self.opens == dt.time(0) and self.closes_at_midnight:
            return f"{self.get_weekday_display()} all day"
        return f"{self.get_weekday_display()} {clock_range(self.opens, self.closes)}"

    @property
    def closes_at_midnight(self) -> bool:
        return self.closes == MIDNIGHT

    def clean(self):
        if not self.closes_at_midnight and self.closes <= self.opens:
            raise ValidationError({"closes": HOURS_RANGE})


class OfficeHours(WeekdayHours):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    queue = models.ForeignKey(VirtualQueue, on_delete=models.CASCADE, related_name="office_hours", verbose_name="queue")
    weekday = models.PositiveSmallIntegerField("weekday", choices=Weekday.choices)
    opens = models.TimeField("opens")
    closes = models.TimeField("closes", help_text="00:00 means midnight at the end of the day.")

    class Meta(WeekdayHours.Meta):
        ordering = ["weekday", "opens"]
        verbose_name = "office hours"
        verbose_name_plural = "office hours"
        indexes = [models.Index(fields=["queue", "weekday"])]


class ClosedDate(models.Model):
    queue = models.ForeignKey(VirtualQueue, on_delete=models.CASCADE, related_name="closed_dates", verbose_name="queue")
    date = models.DateField("date")
    reason = models.CharField("reason", max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "closed date"
        constraints = [models.UniqueConstraint(fields=["queue", "date"], name="closeddate_unique")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class Agent(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        BUSY = "busy", "Busy"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent", verbose_name="user"
    )
    skills: "models.ManyToManyField[Skill, AgentSkill]" = models.ManyToManyField(
        Skill, through="AgentSkill", blank=True, related_name="agents", verbose_name="skills"
    )
    queues = models.ManyToManyField(VirtualQueue, blank=True, related_name="agents", verbose_name="queues served")
    status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.OFFLINE)
    status_changed_at = models.DateTimeField("status changed", default=timezone.now)

    class Meta:
        ordering = ["user__username"]
        verbose_name = "agent"
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class AgentSkill(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="skill_levels", verbose_name="agent")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, verbose_name="skill")
    level = models.PositiveSmallIntegerField("level", default=5, validators=LEVEL_VALIDATORS)

    class Meta:
        verbose_name = "agent skill"
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=10), name="agentskill_level_range"),
        ]

    def __str__(self):
        return f"{self.skill} {self.level}"


class LineOfBusiness(models.Model):
    """Queues grouped for the staff who look after them.

    A supervisor, manager or developer who belongs to lines of business sees and
    touches only their queues, on every page, report and API; staff in none see
    every queue.
    """

    name = models.CharField("name", max_length=120, unique=True)
    queues = models.ManyToManyField(VirtualQueue, blank=True, related_name="lines_of_business", verbose_name="queues")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="lines_of_business",
        verbose_name="members",
        help_text="Staff limited to these queues.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "line of business"
        verbose_name_plural = "lines of business"

    def __str__(self):
        return self.name


class CallingPolicy(models.Model):
    """The hours and attempts the law of a country, US state or Canadian province allows.

    Every policy matching a number applies (the country's and its state's): the
    strictest of them and the queue's calling window wins, at booking and at
    dial time. A policy without hours restricts no hours, only holidays and attempts.
    """

    country = models.CharField("country", max_length=2, help_text="ISO 3166 code of the number's country, e.g. US.")
    subdivision = models.CharField(
        "state or province",
        max_length=3,
        blank=True,
        help_text="ISO 3166-2 code without the country, e.g. FL; empty for the whole country. "
        "Read from the number's area code for the US and Canada.",
    )
    no_calls_on_holidays = models.BooleanField(
        "no calls on public holidays",
        default=False,
        help_text="Public holidays of the country (and state) as the holidays package knows them.",
    )
    max_attempts_per_24h = models.PositiveSmallIntegerField(
        "dial attempts per number per 24 hours",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Rolling 24 hours, over every callback of the number; empty: no limit.",
    )
    note = models.TextField("source", blank=True, help_text="The rule this follows, so it can be checked.")
    active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["country", "subdivision"]
        verbose_name = "calling policy"
        verbose_name_plural = "calling policies"
        constraints = [models.UniqueConstraint(fields=["country", "subdivision"], name="callingpolicy_unique")]

    def __str__(self):
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def clean(self):
        self.country, self.subdivision = self.country.upper(), self.subdivision.upper()


class CallingPolicyHours(WeekdayHours):
    policy = models.ForeignKey(CallingPolicy, on_delete=models.CASCADE, related_name="hours", verbose_name="policy")
    weekday = models.PositiveSmallIntegerField("weekday", choices=OfficeHours.Weekday.choices)
    opens = models.TimeField("from")
    closes = models.TimeField("until", help_text="00:00 means midnight at the end of the day.")

    class Meta(WeekdayHours.Meta):
        ordering = ["weekday", "opens"]
        verbose_name = "allowed hours"
        verbose_name_plural = "allowed hours (a weekday without any: no calls that day)"
