"""What the public API takes and answers: the widget's requests, checked, and its answers."""

import datetime as dt
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# The widget's lifecycle events are reporting's (a back-import: this view belongs in reporting.api).
from callbacks.lifecycle import SCHEDULED_AT_OPENING, can
from callbacks.phone import parse_phone
from callbacks.selectors import (
    callback_customer_status,
    callback_position,
    estimated_wait_seconds,
    queue_estimated_wait,
)
from queues import calling
from queues.hours import is_open
from rules.selectors import immediate_offer

MAX_CONTEXT_BYTES = 8 * 1024


MAX_CONTEXT_KEYS = 50


class ImmediateOutput(serializers.Serializer):
    available = serializers.BooleanField(help_text="Whether a customer asking now may have an immediate callback.")
    code = serializers.CharField(
        allow_null=True,
        help_text="Why not: the code a request would be refused with "
        "(queue_closed, outside_calling_window, not_offered, "
        "capacity_full).",
    )
    detail = serializers.CharField(allow_null=True, help_text="Why not, for the customer.")
    next_window_opens_at = serializers.DateTimeField(
        allow_null=True, help_text="outside_calling_window: when the customer may next be called (UTC)."
    )
    next_window_opens_local = serializers.CharField(
        allow_null=True, help_text="The same in the customer's zone (ISO 8601 with its offset)."
    )
    books_at_opening = serializers.BooleanField(
        help_text="outside_calling_window on a queue that books at the opening: a request now is booked for the "
        "first free slot inside the customer's window."
    )


class ConfigOutput(serializers.Serializer):
    key = serializers.CharField(source="public_key")
    name = serializers.CharField()
    queue = serializers.SerializerMethodField()
    open_now = serializers.SerializerMethodField()
    offer_immediate = serializers.SerializerMethodField()
    immediate = serializers.SerializerMethodField()
    offer_scheduling = serializers.BooleanField()
    ewt_seconds = serializers.SerializerMethodField()
    form = serializers.JSONField()
    captcha = serializers.SerializerMethodField()
    theme = serializers.SerializerMethodField()

    def get_queue(self, widget) -> dict:
        return {"slug": widget.queue.slug, "name": widget.queue.name, "time_zone": str(widget.queue.time_zone)}

    def get_open_now(self, widget) -> bool:
        return is_open(widget.queue, self.context["now"])

    def get_offer_immediate(self, widget) -> bool:
        return self.offer(widget).available

    @extend_schema_field(ImmediateOutput)
    def get_immediate(self, widget) -> dict:
        return self.offer(widget).as_dict()

    def offer(self, widget):
        if "offer" not in self.context:
            self.context["offer"] = immediate_offer(widget.queue, now=self.context["now"], reach=self.context["reach"])
        return self.context["offer"]

    def get_ewt_seconds(self, widget) -> int | None:
        return queue_estimated_wait(widget.queue)

    def get_captcha(self, widget) -> dict:
        return {"provider": widget.captcha_provider, "site_key": widget.captcha_site_key}

    def get_theme(self, widget) -> dict:
        return {"mode": widget.theme, "accent_color": widget.accent_color}


def valid_zone(value: str) -> str:
    if value and calling.zone_or_none(value) is None:
        raise serializers.ValidationError(f"Unknown time zone “{value}”.")
    return value


class ReachInput(serializers.Serializer):
    """Who would be called, as far as the customer has told: their zone, and their number when known."""

    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The customer's IANA zone, e.g. Europe/London (the browser's).",
    )
    country = serializers.CharField(
        max_length=2,
        min_length=2,
        required=False,
        allow_blank=True,
        default="",
        help_text="ISO 3166 region of the customer's number, or of a number typed without its country code.",
    )

    def validate_timezone(self, value):
        return valid_zone(value)

    def reach(self, queue, phone_number=None) -> calling.Reach:
        fields = self.validated_data
        return calling.reach(
            queue,
            **calling.booking_fields(
                queue, customer_timezone=fields["timezone"], phone_number=phone_number, region=fields["country"]
            ),
        )


class AvailabilityInput(ReachInput):
    start = serializers.DateField(required=False, help_text="First local date (queue's zone); default today.")
    days = serializers.IntegerField(required=False, default=7, min_value=1, max_value=90)
    max_slots = serializers.IntegerField(required=False, default=200, min_value=1, max_value=1000)
    phone_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="POST only (never in a URL): the customer's number, so its own zone and calling policy apply.",
    )

    def number(self):
        """The number given, parsed; one that does not parse (yet) is no reason to refuse availability."""
        fields = self.validated_data
        try:
            return parse_phone(fields["phone_number"], fields["country"] or None) if fields["phone_number"] else None
        except DjangoValidationError:
            return None


class SlotOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    local_start = serializers.CharField(help_text="In the queue's zone.")
    date = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like the stubs' Field.label
    customer_local_start = serializers.CharField(help_text="In the customer's zone.")
    customer_label = serializers.CharField(help_text="In the customer's zone, for showing as “your time”.")
    capacity = serializers.IntegerField(allow_null=True, help_text="Callbacks this slot still takes; null: no limit.")
    total = serializers.IntegerField(allow_null=True, help_text="Callbacks the slot takes in all; null: no limit.")


def slot_label(local: dt.datetime) -> str:
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def slot_data(room, zone, customer_zone) -> dict:
    slot, local, theirs = room.slot, room.slot.start.astimezone(zone), room.slot.start.astimezone(customer_zone)
    return {
        "start": slot.start,
        "end": slot.end,
        "local_start": local.isoformat(),
        "date": local.date().isoformat(),
        "label": slot_label(local),
        "customer_local_start": theirs.isoformat(),
        "customer_label": slot_label(theirs),
        "capacity": room.remaining,
        "total": room.total,
    }


def holds_nul(value) -> bool:
    """Whether a key or string anywhere in JSON data holds a NUL, which PostgreSQL cannot store.

    A loop, not recursion: the data may be nested as deep as the JSON parser allows.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def checked_context(value: dict) -> dict:
    """A callback's journey context within its limits (the GES API checks its userData here too)."""
    if len(value) > MAX_CONTEXT_KEYS:
        raise serializers.ValidationError(f"At most {MAX_CONTEXT_KEYS} keys.")
    if len(json.dumps(value)) > MAX_CONTEXT_BYTES:
        raise serializers.ValidationError(f"At most {MAX_CONTEXT_BYTES // 1024} KB.")
    if holds_nul(value):
        raise serializers.ValidationError("Null characters are not allowed.")
    return value


class CreateInput(serializers.Serializer):
    phone_number = serializers.CharField(max_length=40)
    country = serializers.CharField(
        max_length=2,
        min_length=2,
        required=False,
        allow_blank=True,
        help_text="ISO 3166 region for a number typed without its country code.",
    )
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    desired_time = serializers.DateTimeField(required=False, allow_null=True, help_text="Absent or null: ASAP.")
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    context = serializers.DictField(required=False, help_text="The customer's journey: page, referrer, custom fields.")  # type: ignore[assignment]  # a field named like the stubs' Field.context
    captcha = serializers.CharField(max_length=4096, required=False, allow_blank=True)
    consent_text = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="The consent wording shown with the form, recorded with the callback; absent: the service's default.",
    )

    def validate_context(self, value):
        return checked_context(value)

    def customer_fields(self) -> dict:
        """The customer's validated data, as ``services.callback_create`` takes it."""
        fields = self.validated_data
        return {
            "phone_number": fields["phone_number"],
            "region": fields.get("country") or None,
            "first_name": fields.get("first_name", ""),
            "last_name": fields.get("last_name", ""),
            "email": fields.get("email", ""),
            "notes": fields.get("notes", ""),
            "desired_time": fields.get("desired_time"),
            "customer_timezone": fields.get("timezone", ""),
            "context": fields.get("context", {}),
        }


class CallbackOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    state = serializers.CharField()
    desired_time = serializers.DateTimeField(allow_null=True)
    ewt_seconds = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()
    can_reschedule = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(
        help_text="Why it is where it is, when that is not plain: a stable code such as outside_calling_window."
    )
    status_text = serializers.SerializerMethodField(
        help_text="Where it is, in words for the customer, times in their zone."
    )

    def status(self, callback):
        if "status" not in self.context:
            self.context["status"] = callback_customer_status(callback)
        return self.context["status"]

    def get_reason(self, callback) -> str | None:
        return self.status(callback).reason

    def get_status_text(self, callback) -> str:
        return self.status(callback).text

    def counted_position(self, callback) -> int | None:
        # Counted once: the EWT is figured from it.
        if "position" not in self.context:
            self.context["position"] = callback_position(callback)
        return self.context["position"]

    def get_ewt_seconds(self, callback) -> int | None:
        position = self.counted_position(callback)
        return None if position is None else estimated_wait_seconds(callback.queue, position=position)

    def get_position(self, callback) -> int | None:
        return self.counted_position(callback)

    def get_can_cancel(self, callback) -> bool:
        return can(callback, "cancel")

    def get_can_reschedule(self, callback) -> bool:
        return can(callback, "reschedule")


class CreatedOutput(CallbackOutput):
    token = serializers.SerializerMethodField(
        help_text="Send as `Authorization: Bearer …` to follow this callback. Shown once."
    )
    scheduled_at_opening = serializers.SerializerMethodField(
        help_text="Asked for as soon as possible outside the customer's calling window, and booked for its opening."
    )
    message = serializers.SerializerMethodField(help_text="What to tell the customer, in words.")

    def get_token(self, callback) -> str:
        return self.context["token"]

    def get_scheduled_at_opening(self, callback) -> bool:
        return self.status(callback).reason == SCHEDULED_AT_OPENING

    def get_message(self, callback) -> str:
        return self.status(callback).text


class RescheduleInput(serializers.Serializer):
    desired_time = serializers.DateTimeField()
