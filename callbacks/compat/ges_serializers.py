"""What the GES adapter takes: Genesys' field names and formats, checked."""

import datetime as dt
import json
import zoneinfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..api.public.serializers import checked_context

UTC = dt.UTC
MAX_DAYS = 90
MAX_SLOTS = 1000
# Times a client may ask about: wide, and far enough from the calendar's ends that no arithmetic overflows.
EARLIEST, LATEST = dt.datetime(2000, 1, 1, tzinfo=UTC), dt.datetime(2100, 1, 1, tzinfo=UTC)


# Optional GES fields kept in the callback's context under "ges" for reports; any other is ignored.
REPORTING_FIELDS = (
    "cbOfferType",
    "channel",
    "language",
    "priority",
    "inboundVQ",
    "offerThreshold",
    "offerTiming",
    "cbOriginationIxnId",
)


class ReportingText(serializers.CharField):
    """A GES field kept for reports only: never a reason to refuse a create, so cut to ``keep`` characters."""

    def __init__(self, *, keep: int):
        self.keep = keep
        super().__init__(required=False, allow_blank=True)

    def to_internal_value(self, data) -> str:
        return super().to_internal_value(data)[: self.keep]


@extend_schema_serializer(component_name="GesCreate")
class CreateInput(serializers.Serializer):
    serviceName = serializers.CharField(max_length=60)
    phoneNumber = serializers.CharField(max_length=40)
    desiredTime = serializers.DateTimeField(required=False, allow_null=True)
    userData = serializers.JSONField(required=False)
    captchaToken = serializers.CharField(required=False, allow_blank=True, max_length=4096)
    # Genesys' JS client sends its documented default, a sentence, when the integration sets none:
    # like GES, any offer type is taken (the callback is ASAP or scheduled by desiredTime), kept as sent.
    cbOfferType = ReportingText(keep=200)
    channel = ReportingText(keep=40)
    language = ReportingText(keep=20)
    priority = serializers.IntegerField(required=False)
    inboundVQ = ReportingText(keep=120)
    offerThreshold = serializers.FloatField(required=False)
    offerTiming = ReportingText(keep=20)
    cbOriginationIxnId = ReportingText(keep=120)

    def validate_userData(self, value):
        if isinstance(value, str):  # the generated JS client types it a string holding the JSON object
            try:
                value = json.loads(value)
                # What our JSON parser refuses in a body (callbackproject/api.py): no text or number, or too deep.
                json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
            except (ValueError, RecursionError):
                value = None
        if not isinstance(value, dict):
            raise serializers.ValidationError("A JSON object.")
        return value

    def validate(self, attrs):
        reporting = {name: attrs.pop(name) for name in REPORTING_FIELDS if name in attrs}
        try:
            attrs["context"] = checked_context(attrs.pop("userData", {}) | ({"ges": reporting} if reporting else {}))
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"userData": error.detail}) from None
        return attrs


@extend_schema_serializer(component_name="GesId")
class IdInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)


def parse_instant(text: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """An ISO 8601 time; one without an offset is read in ``zone`` (GES's ``timezone`` parameter)."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise serializers.ValidationError("An ISO 8601 date and time, e.g. 2024-06-10T09:00:00.000Z.")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    if not EARLIEST <= moment < LATEST:
        raise serializers.ValidationError(f"A time from {EARLIEST.year} to {LATEST.year}.")
    return moment


def from_epoch_ms(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value / 1000, UTC)


def epoch_ms_field():
    return serializers.FloatField(
        required=False, min_value=EARLIEST.timestamp() * 1000, max_value=LATEST.timestamp() * 1000
    )


class OpenForInput(serializers.Serializer):
    start = serializers.CharField(required=False)
    timezone = serializers.CharField(required=False, default="UTC")

    def validate_timezone(self, value) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(f"Unknown time zone “{value}”.") from None

    def validate(self, attrs):
        zone = attrs["timezone"]
        try:
            attrs["start"] = parse_instant(attrs["start"], zone) if "start" in attrs else None
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"start": error.detail}) from None
        return attrs


class AvailabilityInput(OpenForInput):
    startMS = epoch_ms_field()
    end = serializers.CharField(required=False)
    endMS = epoch_ms_field()
    numberOfDays = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DAYS)
    maxTimeSlots = serializers.IntegerField(required=False, default=MAX_SLOTS, min_value=1, max_value=MAX_SLOTS)
    reportBusy = serializers.BooleanField(required=False)  # accepted; full slots are never listed

    def validate(self, attrs):
        attrs = super().validate(attrs)
        zone = attrs["timezone"]
        if "startMS" in attrs:
            attrs["start"] = from_epoch_ms(attrs["startMS"])
        start = attrs["start"] = attrs["start"] or timezone.now()
        if "endMS" in attrs:
            attrs["end"] = from_epoch_ms(attrs["endMS"])
        elif "end" in attrs:
            try:
                attrs["end"] = parse_instant(attrs["end"], zone)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"end": error.detail}) from None
        else:
            # numberOfDays, or else the start's own day: whole days of the requested zone.
            last_day = start.astimezone(zone).date() + dt.timedelta(days=attrs.get("numberOfDays", 1))
            attrs["end"] = dt.datetime.combine(last_day, dt.time(0), tzinfo=zone)
        return attrs
