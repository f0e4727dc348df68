"""The Genesys Engagement (GES) Callback API v3 under /engagement/v3, so GES integrations work unchanged.

Paths, field names and the envelope follow the public GES v3 contract (as in
Genesys' generated engagement-client-js and -java): every answer is
``{"status": {"code", "message", "corrId"}, "data": …}``, ``code`` 0 on
success and the HTTP status otherwise. The key in ``x-api-key`` (admin: API
keys) names the queues — GES "services" — it may use.

A thin adapter: it translates names and shapes, and calls the services and
selectors of our own API, so the same validation, rules, duplicate check and
throttles apply. The state mapping is the one table in ``ges_mapping``.
"""

import datetime as dt
import json
import logging
import math
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from callbackproject.errors import TOO_LARGE, database_unavailable_answer, database_unreachable
from queues.models import VirtualQueue
from queues.selectors import bookable_slots
from rules.engine import Rejection
from rules.models import RejectionCode
from rules.selectors import SlotCapacity, closes_at, immediate_offer, slots_with_capacity

from .. import services
from ..conf import callback_settings
from ..lifecycle import Actor, IllegalTransition
from ..captcha import CaptchaInvalid, CaptchaUnavailable, captcha_verify
from ..models import ApiKey, ApiProblem, Callback, Channel, State
from ..problems import problem_record
from ..public_api import checked_context, client_ip
from ..selectors import (api_key_get, callback_customer_status, callback_estimated_wait, callback_position,
                         queue_estimated_wait, queue_overview)
from ..throttles import CreateByAddressThrottle, CreateByNumberThrottle, ReadByAddressThrottle
from . import ges_schema as docs
from .correlation import HEADER, corr_id, corr_id_for
from .ges_mapping import ges_state

logger = logging.getLogger(__name__)

UTC = dt.timezone.utc
SUCCESS = 0
UNKNOWN_WAIT = -1  # GES's "no estimate"
NO_AGENT = "No agent able to serve this queue is logged in."
MAX_DAYS = 90
MAX_SLOTS = 1000
MAX_QUEUES = 20
PROPOSED_SLOTS = 5
PROPOSAL_DAYS = 7
# A queue open around the clock has no closing time: openFor counts up to this.
OPEN_FOR_HORIZON = dt.timedelta(days=7)
LAST_USED_EVERY = dt.timedelta(minutes=1)
# Times a client may ask about: wide, and far enough from the calendar's ends that no arithmetic overflows.
EARLIEST, LATEST = dt.datetime(2000, 1, 1, tzinfo=UTC), dt.datetime(2100, 1, 1, tzinfo=UTC)
# The fields our services name in their errors, as a GES client knows them.
GES_FIELDS = {"phone_number": "phoneNumber", "desired_time": "desiredTime", "context": "userData"}
# Optional GES fields kept in the callback's context under "ges" for reports; any other is ignored.
REPORTING_FIELDS = ("cbOfferType", "channel", "language", "priority", "inboundVQ", "offerThreshold", "offerTiming",
                    "cbOriginationIxnId")


# -- the envelope and errors ----------------------------------------------------------------------

def envelope(code: int, message: str, data=None) -> dict:
    body = {"status": {"code": code, "message": message, "corrId": corr_id.get()}}
    return body if data is None else body | {"data": data}


def ok(data) -> Response:
    return Response(envelope(SUCCESS, "Successful", data))


class GesError(exceptions.APIException):
    """An error answered in the envelope; ``data`` carries what GES adds to some (the slots of a 429)."""

    def __init__(self, status_code: int, message: str, data=None):
        self.status_code, self.message, self.data = status_code, message, data
        super().__init__(message)


def message_of(detail) -> str:
    """An error detail (text, or lists and dicts of it) as one line, fields under their GES names."""
    if isinstance(detail, dict):
        return "; ".join(message_of(value) if field == "non_field_errors"
                         else f"{GES_FIELDS.get(field, field)}: {message_of(value)}" for field, value in detail.items())
    if isinstance(detail, list):
        return " ".join(message_of(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """Every error in the envelope with the status a GES client expects: GES has no 409 or 422.

    A rule's refusal and a duplicate are a 400 whose message starts with our
    stable code (``number_blocked: …``, ``duplicate: …``); a full slot is the
    GES 429 with free slots proposed (raised as a GesError by the create view).
    """
    headers, data = {}, None
    if isinstance(exc, GesError):
        status, message, data = exc.status_code, exc.message, exc.data
    elif isinstance(exc, Rejection):
        status, message = 400, f"{exc.code}: {exc.message}"
    elif isinstance(exc, services.DuplicateCallback):
        status, message = 400, f"duplicate: {exc} Its id is {exc.existing.public_id}."
    elif isinstance(exc, IllegalTransition):
        status, message = 400, f"illegal_transition: {exc}"
    elif isinstance(exc, DjangoValidationError):
        status, message = 400, message_of(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, exceptions.APIException):
        status, message = exc.status_code, message_of(exc.detail)
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(math.ceil(exc.wait))
    elif isinstance(exc, CaptchaInvalid):
        status, message = 400, f"captcha_invalid: {exc.message}"
    elif isinstance(exc, CaptchaUnavailable):
        status, message = 503, exc.message
    elif isinstance(exc, RequestDataTooBig):
        status, message = 413, TOO_LARGE
    elif database_unreachable(exc):
        _body, status, headers = database_unavailable_answer()
        message = "The service is unavailable right now; please try again shortly."
    elif isinstance(exc, DatabaseError):
        logger.exception("GES request failed on the database")
        status, message = 503, "The service is unavailable right now; please try again shortly."
    else:
        # A bug: still the envelope GES clients parse, with the corrId that finds the traceback.
        logger.exception("GES request failed")
        status, message = 500, "Internal error; please quote the corrId to support."
    set_rollback()
    return Response(envelope(status, message, data), status=status, headers=headers)


# -- the views ------------------------------------------------------------------------------------

def valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def api_key_used(key: ApiKey, now: dt.datetime) -> None:
    """Note when the key was last used; at most once a minute, not a write on every request."""
    ApiKey.objects.filter(pk=key.pk).exclude(last_used_at__gt=now - LAST_USED_EVERY).update(last_used_at=now)


class GesView(APIView):
    """A GES endpoint: the key in ``x-api-key``; every answer in the envelope with the request's corrId."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ReadByAddressThrottle]
    api_key: ApiKey | None = None

    def get_exception_handler(self):
        return exception_handler

    def dispatch(self, request, *args, **kwargs):
        # Set for the whole request, so every log line written meanwhile carries it (correlation.CorrIdFilter).
        token = corr_id.set(corr_id_for(request))
        try:
            response = super().dispatch(request, *args, **kwargs)
            response[HEADER] = corr_id.get()
            logger.info("GES %s %s answered %s (key: %s)", request.method, request.path, response.status_code,
                        self.api_key or "none")
            return response
        finally:
            corr_id.reset(token)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # throttles first: guessing keys is throttled too
        self.api_key = api_key_get(request.headers.get("x-api-key", ""))
        if self.api_key is None:
            raise GesError(401, "Unknown or inactive API key: send a valid key as x-api-key.")
        # CORS only keeps a browser from reading the answer; this keeps the request from being served.
        origin = request.headers.get("Origin", "").rstrip("/")
        if origin and origin not in self.api_key.origins:
            raise GesError(403, f"This API key may not be used from {origin}.")
        api_key_used(self.api_key, timezone.now())

    def queue(self, name: str) -> VirtualQueue:
        """The queue a service name names, if the key may use it; else 403, whether it exists or not."""
        queues = self.api_key.queues.prefetch_related("office_hours", "closed_dates").filter(slug=name)
        # PostgreSQL refuses a NUL even in a lookup (a 503 here): no slug holds one.
        queue = None if "\x00" in name else queues.first()
        if queue is None:
            raise GesError(403, f"This API key may not use the service “{name}”.")
        return queue

    def callback(self, callback_id: str) -> Callback:
        """A callback of the key's queues; any other, like a malformed id, is unknown (404)."""
        try:
            public_id = uuid.UUID(callback_id)
        except ValueError:
            public_id = None
        callback = public_id and Callback.objects.select_related("queue").filter(
            public_id=public_id, queue__in=self.api_key.queues.all()).first()
        if not callback:
            raise GesError(404, f"No callback with the id “{callback_id}”.")
        return callback

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise GesError(405, f"{request.method} is not allowed here.")


def utc_text(moment: dt.datetime) -> str:
    """GES times: 2024-06-10T09:00:00.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- callbacks ------------------------------------------------------------------------------------

class ReportingText(serializers.CharField):
    """A GES field kept for reports only: never a reason to refuse a create, so cut to ``keep`` characters."""

    def __init__(self, *, keep: int):
        self.keep = keep
        super().__init__(required=False, allow_blank=True)

    def to_internal_value(self, data) -> str:
        return super().to_internal_value(data)[:self.keep]


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
            raise serializers.ValidationError({"userData": error.detail})
        return attrs


@extend_schema_serializer(component_name="GesId")
class IdInput(serializers.Serializer):
    id = serializers.CharField(max_length=64)


def free_slots(queue: VirtualQueue, *, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[SlotCapacity]:
    """Bookable slots with room that start in [start, end), earliest first."""
    first_day = start.astimezone(queue.time_zone).date()
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(queue.time_zone).date()
    days = min(MAX_DAYS, (last_day - first_day).days + 1)
    if days < 1:
        return []
    slots = bookable_slots(queue, start=first_day, days=days, max_slots=MAX_SLOTS, now=now)
    return slots_with_capacity(queue, [slot for slot in slots if start <= slot.start < end])


def proposed_slots(queue: VirtualQueue, desired_time: dt.datetime | None, now: dt.datetime) -> dict:
    """What GES proposes with a full slot: the next free slots from the time asked for, UTC time -> room left."""
    start = desired_time or now
    free = free_slots(queue, start=start, end=start + dt.timedelta(days=PROPOSAL_DAYS), now=now)
    return {utc_text(room.slot.start): room.remaining for room in free[:PROPOSED_SLOTS]}


class CreateView(GesView):
    throttle_classes = [CreateByAddressThrottle, CreateByNumberThrottle]
    phone_field = "phoneNumber"

    @staticmethod
    def phone_region(request) -> str | None:
        # Throttles run before the key is checked: read its default country for them here.
        key = api_key_get(request.headers.get("x-api-key", ""))
        return key.default_country if key else None

    @docs.ges_schema(summary="Book a callback (GES: create)", request=CreateInput, data=docs.Id,
                       codes=(400, 401, 403, 413, 503),
                       extra=docs.FULL)
    def post(self, request):
        fields = valid(CreateInput, request.data)
        queue = self.queue(fields["serviceName"])
        try:
            captcha_verify(holder=self.api_key, token=fields.get("captchaToken"), remote_ip=client_ip(request))
        except CaptchaInvalid as exc:
            problem_record(kind=ApiProblem.Kind.CAPTCHA, request=request, detail=f"API key {self.api_key}: {exc}")
            raise
        desired_time = fields.get("desiredTime")
        try:
            callback, _token = services.callback_create(
                queue=queue, phone_number=fields["phoneNumber"], region=self.api_key.default_country or None,
                desired_time=desired_time,
                context=fields["context"], channel=Channel.API, actor=Actor.CUSTOMER, api_key=self.api_key,
                client_address=client_ip(request), consent_text=callback_settings.ges_consent_text)
        except Rejection as rejection:
            if rejection.code != RejectionCode.CAPACITY_FULL:
                raise
            raise GesError(429, f"{rejection.code}: {rejection.message}",
                           {"slots": proposed_slots(queue, desired_time, timezone.now())})
        return ok({"id": str(callback.public_id)})


class CancelView(GesView):
    @docs.ges_schema(summary="Cancel a callback", request=IdInput, data=docs.Id,
                       codes=(400, 401, 403, 404, 413, 429, 503))
    def post(self, request):
        callback = self.callback(valid(IdInput, request.data)["id"])
        services.callback_cancel(callback=callback, actor=Actor.CUSTOMER, reason="customer")
        return ok({"id": str(callback.public_id)})


def callback_data(callback: Callback) -> dict:
    state, reason = ges_state(callback.state)
    data = {"id": str(callback.public_id),
            # GES: "by default, the desired time is the current time" of the request.
            "desiredTime": utc_text(callback.desired_time or callback.created_at),
            "callbackState": state,
            "phoneNumber": str(callback.phone_number or ""),
            # Ours, beside GES's fields (its clients ignore fields they do not know): where the
            # callback is and why, in words for the customer, as the public API's status_text.
            "statusText": callback_customer_status(callback).text}
    if reason:
        data["callbackReason"] = reason
    if callback.state == State.QUEUED:
        wait = callback_estimated_wait(callback)
        data |= {"positionInQueue": callback_position(callback),
                 "estimatedWaitTime": UNKNOWN_WAIT if wait is None else wait}
    elif callback.state == State.ASSIGNED:
        # Out of the line: an agent has it and is about to dial.
        data |= {"positionInQueue": 0, "estimatedWaitTime": 0}
    return data


class RetrieveView(GesView):
    @docs.ges_schema(summary="A callback's state, place in line and wait", request=IdInput, data=docs.Callback,
                       codes=(400, 401, 403, 404, 413, 429, 503))
    def post(self, request):
        return ok(callback_data(self.callback(valid(IdInput, request.data)["id"])))


# -- queues ---------------------------------------------------------------------------------------

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
    return serializers.FloatField(required=False, min_value=EARLIEST.timestamp() * 1000,
                                  max_value=LATEST.timestamp() * 1000)


class OpenForInput(serializers.Serializer):
    start = serializers.CharField(required=False)
    timezone = serializers.CharField(required=False, default="UTC")

    def validate_timezone(self, value) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(f"Unknown time zone “{value}”.")

    def validate(self, attrs):
        zone = attrs["timezone"]
        try:
            attrs["start"] = parse_instant(attrs["start"], zone) if "start" in attrs else None
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"start": error.detail})
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
                raise serializers.ValidationError({"end": error.detail})
        else:
            # numberOfDays, or else the start's own day: whole days of the requested zone.
            last_day = start.astimezone(zone).date() + dt.timedelta(days=attrs.get("numberOfDays", 1))
            attrs["end"] = dt.datetime.combine(last_day, dt.time(0), tzinfo=zone)
        return attrs


class AvailabilityView(GesView):
    @docs.ges_schema(summary="Free slots of a service", parameters=[AvailabilityInput], data=docs.Availability)
    def get(self, request, service_name):
        queue = self.queue(service_name)
        params = valid(AvailabilityInput, request.query_params)
        zone = params["timezone"]
        free = free_slots(queue, start=params["start"], end=params["end"], now=timezone.now())
        return ok({
            "slots": [{"utcTime": utc_text(room.slot.start),
                       "localTime": room.slot.start.astimezone(zone).isoformat(timespec="milliseconds"),
                       "capacity": room.remaining, "total": room.total}
                      for room in free[:params["maxTimeSlots"]]],
            "durationMin": queue.slot_minutes,
            "timezone": zone.key,
        })


class OpenForView(GesView):
    @docs.ges_schema(summary="How long a service stays open", parameters=[OpenForInput], data=docs.OpenFor)
    def get(self, request, service_name):
        queue = self.queue(service_name)
        at = valid(OpenForInput, request.query_params)["start"] or timezone.now()
        closes = closes_at(queue, at, until=at + OPEN_FOR_HORIZON) if queue.active else None
        return ok({"openFor": 0 if closes is None else round((closes - at).total_seconds())})


def wait_of(queue: VirtualQueue) -> dict:
    wait = queue_estimated_wait(queue)
    return {"virtualQueue": queue.slug, "estimatedWaitTime": UNKNOWN_WAIT if wait is None else wait,
            "message": NO_AGENT if wait is None else ""}


class EstimatedWaitTimeView(GesView):
    @docs.ges_schema(summary="Estimated wait of services", parameters=[docs.VIRTUAL_QUEUES], data=docs.Wait)
    def get(self, request):
        # Genesys' generated clients send "virtual-queues"; plain-HTTP integrations may send "virtualQueues".
        sent = request.query_params.get("virtual-queues") or request.query_params.get("virtualQueues", "")
        names = [name.strip() for name in sent.split(",") if name.strip()]
        if not 1 <= len(names) <= MAX_QUEUES:
            raise GesError(400, f"virtual-queues: one to {MAX_QUEUES} queue names, separated by commas.")
        return ok([wait_of(queue) for queue in [self.queue(name) for name in names]])


class QueueStatusView(GesView):
    @docs.ges_schema(summary="A service's wait and what it offers", data=docs.QueueStatus)
    def get(self, request, service_name):
        queue = self.queue(service_name)
        now = timezone.now()
        overview = queue_overview(queue, now=now)
        return ok({
            "ewt": UNKNOWN_WAIT if overview.ewt_seconds is None else overview.ewt_seconds,
            "offerImmediateCallback": immediate_offer(queue, now=now).available,
            "offerScheduledCallback": queue.active,
            # Ours, beyond GES: what waits for an agent, and what agents hold or are on.
            "waiting": overview.waiting,
            "inService": overview.assigned + overview.in_progress,
        })


class UnsupportedView(GesView):
    """Any other GES path (call-in, notifications, statistics…): said so in the envelope, not with a page."""

    schema = None  # no operation of its own

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise GesError(404, f"{request.path} is not part of this service's GES v3 compatibility.")
