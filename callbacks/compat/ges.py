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
import logging
import uuid

from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from queues.models import VirtualQueue
from queues.selectors import bookable_slots
from rules.engine import Rejection
from rules.models import RejectionCode
from rules.selectors import SlotCapacity, closes_at, immediate_offer, slots_with_capacity

from .. import services
from ..api.public.captcha import captcha_check
from ..api.public.throttles import CreateByAddressThrottle, CreateByNumberThrottle, ReadByAddressThrottle, client_ip
from ..conf import callback_settings
from ..lifecycle import Actor
from ..models import ApiKey, Callback, Channel, State
from ..selectors import (
    api_key_get,
    callback_customer_status,
    callback_estimated_wait,
    callback_position,
    queue_estimated_wait,
    queue_status,
)
from . import ges_schema as docs
from .correlation import HEADER, corr_id, corr_id_for
from .ges_errors import GesError, exception_handler, ok
from .ges_mapping import ges_state
from .ges_serializers import MAX_DAYS, MAX_SLOTS, UTC, AvailabilityInput, CreateInput, IdInput, OpenForInput

logger = logging.getLogger(__name__)

UNKNOWN_WAIT = -1  # GES's "no estimate"
NO_AGENT = "No agent able to serve this queue is logged in."
MAX_QUEUES = 20
PROPOSED_SLOTS = 5
PROPOSAL_DAYS = 7
# A queue open around the clock has no closing time: openFor counts up to this.
OPEN_FOR_HORIZON = dt.timedelta(days=7)
LAST_USED_EVERY = dt.timedelta(minutes=1)


# -- the envelope and errors ----------------------------------------------------------------------


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
            logger.info(
                "GES %s %s answered %s (key: %s)",
                request.method,
                request.path,
                response.status_code,
                self.api_key or "none",
            )
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
        assert self.api_key is not None  # initial refused a request without one
        queues = self.api_key.queues.prefetch_related("office_hours", "closed_dates").filter(slug=name)
        # PostgreSQL refuses a NUL even in a lookup (a 503 here): no slug holds one.
        queue = None if "\x00" in name else queues.first()
        if queue is None:
            raise GesError(403, f"This API key may not use the service “{name}”.")
        return queue

    def callback(self, callback_id: str) -> Callback:
        """A callback of the key's queues; any other, like a malformed id, is unknown (404)."""
        assert self.api_key is not None  # initial refused a request without one
        try:
            public_id = uuid.UUID(callback_id)
        except ValueError:
            public_id = None
        callback = (
            public_id
            and Callback.objects.select_related("queue")
            .filter(public_id=public_id, queue__in=self.api_key.queues.all())
            .first()
        )
        if not callback:
            raise GesError(404, f"No callback with the id “{callback_id}”.")
        return callback

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise GesError(405, f"{request.method} is not allowed here.")


def utc_text(moment: dt.datetime) -> str:
    """GES times: 2024-06-10T09:00:00.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- callbacks ------------------------------------------------------------------------------------


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

    @docs.ges_schema(
        summary="Book a callback (GES: create)",
        request=CreateInput,
        data=docs.Id,
        codes=(400, 401, 403, 413, 503),
        extra=docs.FULL,
    )
    def post(self, request):
        fields = valid(CreateInput, request.data)
        queue = self.queue(fields["serviceName"])
        captcha_check(holder=self.api_key, token=fields.get("captchaToken"), request=request)
        desired_time = fields.get("desiredTime")
        try:
            callback, _token = services.callback_create(
                queue=queue,
                phone_number=fields["phoneNumber"],
                region=self.api_key.default_country or None,
                desired_time=desired_time,
                context=fields["context"],
                channel=Channel.API,
                actor=Actor.CUSTOMER,
                api_key=self.api_key,
                client_address=client_ip(request),
                consent_text=callback_settings.ges_consent_text,
            )
        except Rejection as rejection:
            if rejection.code != RejectionCode.CAPACITY_FULL:
                raise
            raise GesError(
                429,
                f"{rejection.code}: {rejection.message}",
                {"slots": proposed_slots(queue, desired_time, timezone.now())},
            ) from None
        return ok({"id": str(callback.public_id)})


class CancelView(GesView):
    @docs.ges_schema(
        summary="Cancel a callback", request=IdInput, data=docs.Id, codes=(400, 401, 403, 404, 413, 429, 503)
    )
    def post(self, request):
        callback = self.callback(valid(IdInput, request.data)["id"])
        services.callback_cancel(callback=callback, actor=Actor.CUSTOMER, reason="customer")
        return ok({"id": str(callback.public_id)})


def callback_data(callback: Callback) -> dict:
    state, reason = ges_state(callback.state)
    data: dict[str, object] = {
        "id": str(callback.public_id),
        # GES: "by default, the desired time is the current time" of the request.
        "desiredTime": utc_text(callback.desired_time or callback.created_at),
        "callbackState": state,
        "phoneNumber": str(callback.phone_number or ""),
        # Ours, beside GES's fields (its clients ignore fields they do not know): where the
        # callback is and why, in words for the customer, as the public API's status_text.
        "statusText": callback_customer_status(callback).text,
    }
    if reason:
        data["callbackReason"] = reason
    if callback.state == State.QUEUED:
        wait = callback_estimated_wait(callback)
        data |= {
            "positionInQueue": callback_position(callback),
            "estimatedWaitTime": UNKNOWN_WAIT if wait is None else wait,
        }
    elif callback.state == State.ASSIGNED:
        # Out of the line: an agent has it and is about to dial.
        data |= {"positionInQueue": 0, "estimatedWaitTime": 0}
    return data


class RetrieveView(GesView):
    @docs.ges_schema(
        summary="A callback's state, place in line and wait",
        request=IdInput,
        data=docs.Callback,
        codes=(400, 401, 403, 404, 413, 429, 503),
    )
    def post(self, request):
        return ok(callback_data(self.callback(valid(IdInput, request.data)["id"])))


# -- queues ---------------------------------------------------------------------------------------


class AvailabilityView(GesView):
    @docs.ges_schema(summary="Free slots of a service", parameters=[AvailabilityInput], data=docs.Availability)
    def get(self, request, service_name):
        queue = self.queue(service_name)
        params = valid(AvailabilityInput, request.query_params)
        zone = params["timezone"]
        free = free_slots(queue, start=params["start"], end=params["end"], now=timezone.now())
        return ok(
            {
                "slots": [
                    {
                        "utcTime": utc_text(room.slot.start),
                        "localTime": room.slot.start.astimezone(zone).isoformat(timespec="milliseconds"),
                        "capacity": room.remaining,
                        "total": room.total,
                    }
                    for room in free[: params["maxTimeSlots"]]
                ],
                "durationMin": queue.slot_minutes,
                "timezone": zone.key,
            }
        )


class OpenForView(GesView):
    @docs.ges_schema(summary="How long a service stays open", parameters=[OpenForInput], data=docs.OpenFor)
    def get(self, request, service_name):
        queue = self.queue(service_name)
        at = valid(OpenForInput, request.query_params)["start"] or timezone.now()
        closes = closes_at(queue, at, until=at + OPEN_FOR_HORIZON) if queue.active else None
        return ok({"openFor": 0 if closes is None else round((closes - at).total_seconds())})


def wait_of(queue: VirtualQueue) -> dict:
    wait = queue_estimated_wait(queue)
    return {
        "virtualQueue": queue.slug,
        "estimatedWaitTime": UNKNOWN_WAIT if wait is None else wait,
        "message": NO_AGENT if wait is None else "",
    }


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
        status = queue_status(queue, now=now)
        return ok(
            {
                "ewt": UNKNOWN_WAIT if status.ewt_seconds is None else status.ewt_seconds,
                "offerImmediateCallback": immediate_offer(queue, now=now).available,
                "offerScheduledCallback": queue.active,
                # Ours, beyond GES: what waits for an agent, and what agents hold or are on.
                "waiting": status.waiting,
                "inService": status.in_service,
            }
        )


class UnsupportedView(GesView):
    """Any other GES path (call-in, notifications, statistics…): said so in the envelope, not with a page."""

    schema = None  # no operation of its own

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise GesError(404, f"{request.path} is not part of this service's GES v3 compatibility.")
