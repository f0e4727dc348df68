from django.conf import settings
from django.db import models
from django.utils import timezone


class ReportAccess(models.Model):  # noqa: DJ008 - no rows: it only holds permissions
    """Holds the reporting permissions; reports are computed from callback events."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view real-time and historical reports")]


class WidgetEvent(models.Model):
    """A step of the widget's interaction lifecycle, for the funnel report; purged after its retention."""

    widget = models.ForeignKey(
        "callbacks.Widget", on_delete=models.CASCADE, related_name="events", verbose_name="widget"
    )
    session = models.CharField("widget session", max_length=64, help_text="Random id of one page view.")
    name = models.CharField("event", max_length=40)
    occurred_at = models.DateTimeField("occurred")
    received_at = models.DateTimeField("received", default=timezone.now)
    metadata = models.JSONField("metadata", default=dict, blank=True)

    class Meta:
        # Moved from callbacks with its table (reporting 0002): the rows stay where they were.
        db_table = "callbacks_widgetevent"
        ordering = ["occurred_at"]
        verbose_name = "widget event"
        indexes = [
            models.Index(fields=["widget", "occurred_at"], name="widgetevent_widget_time"),
            # The purge goes by our clock, not the browser's.
            models.Index(fields=["received_at"], name="widgetevent_received"),
        ]

    def __str__(self):
        return self.name


class Rollup(models.Model):
    """A queue's figures for one finished period of its own calendar, rolled up from the event log.

    A 90-day report reads these rows instead of the events; today is computed
    live. Rolling a period again replaces its row, so a re-run changes nothing
    and an event that arrives late re-rolls its day.
    """

    class Grain(models.TextChoices):
        DAY = "day", "Day"
        HOUR = "hour", "Hour"

    queue = models.ForeignKey(
        "queues.VirtualQueue", on_delete=models.CASCADE, related_name="rollups", verbose_name="queue"
    )
    grain = models.CharField("grain", max_length=4, choices=Grain.choices)
    local_date = models.DateField("local date", help_text="The day in the queue's time zone.")
    period_start = models.DateTimeField("period start")
    period_end = models.DateTimeField("period end")
    figures = models.JSONField("figures", default=dict)
    last_event_id = models.BigIntegerField(
        "last event read", default=0, help_text="A later event in the period re-rolls it."
    )
    computed_at = models.DateTimeField("computed", default=timezone.now)

    class Meta:
        ordering = ["queue", "grain", "period_start"]
        verbose_name = "roll-up"
        constraints = [
            # One row per period: a re-run or two workers rolling the same day replace, never add.
            models.UniqueConstraint(fields=["queue", "grain", "period_start"], name="rollup_one_per_period"),
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")), name="rollup_period"),
        ]
        indexes = [models.Index(fields=["queue", "grain", "local_date"], name="rollup_queue_day")]

    def __str__(self):
        return f"{self.queue} {self.grain} {self.period_start:%Y-%m-%d %H:%M}"


class Dashboard(models.Model):
    """What a user pinned to their live dashboard: panels, each a queue (or all they see) and its figures."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard", verbose_name="user"
    )
    panels = models.JSONField(
        "panels", default=list, blank=True, help_text="A list of {queue: slug or null for the total, figures: [names]}."
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "dashboard"

    def __str__(self):
        return f"{self.user}'s dashboard"
