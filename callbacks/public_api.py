"""The customers' API under /api/v1/public/: what the widget and mobile apps call.

No session or staff auth here: a widget key names the widget, and a callback
is opened with the customer token returned once at creation. CORS is limited
to each widget's allowed origins (callbacks/cors.py).
"""

import datetime as dt
import hmac
import json
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from callbackproject.api import JSONParser, errors
from queues import calling
from queues.hours import is_open
from queues.selectors import bookable_slots
from rules.selectors import immediate_offer, slots_with_capacity

from . import services
from .captcha import CaptchaInvalid, CaptchaUnavailable, captcha_verify, image_challenge
from .lifecycle import SCHEDULED_AT_OPENING, Actor, can
from .models import ApiProblem, Callback, Channel, Widget, WidgetEvent
from .problems import problem_record
from .phone import parse_phone
from .selectors import (callback_customer_status, callback_estimated_wait, callback_position, queue_estimated_wait,
                        widget_get)
from .throttles import CreateByAddressThrottle, CreateByNumberThrottle, ReadByAddressThrottle

logger = logging.getLogger(__name__)

MAX_CONTEXT_BYTES = 8 * 1024
MAX_CONTEXT_KEYS = 50
MAX_EVENTS = 50


class Unprocessable(APIException):
    """422: the request is well formed but the service will not do it; ``code`` is stable."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, code: str, detail: str):
        super().__init__({"code": code, "detail": detail})


class Unavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service we depend on is not answering; please try again shortly."


class PlainTextJSONParser(JSONParser):
    """navigator.sendBeacon posts JSON as text/plain, which needs no CORS preflight."""

    media_type = "text/plain"


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ReadByAddressThrottle]

    def get_authenticate_header(self, request):
        # Makes a missing customer token a 401 (with this challenge), not a 403.
        return 'Bearer realm="callback"'


def active_widget(key: str) -> Widget:
    widget = widget_get(key)
    if widget is None:
        raise NotFound("Unknown widget.")
    if not widget.active:
        raise Unprocessable("widget_inactive", "Callbacks are not available here at the moment.")
    return widget


# -- config and availability ------------------------------------------------------------------

class ImmediateOutput(serializers.Serializer):
    available = serializers.BooleanField(help_text="Whether a customer asking now may have an immediate callback.")
    code = serializers.CharField(allow_null=True, help_text="Why not: the code a request would be refused with "
                                                            "(queue_closed, outside_calling_window, not_offered, "
                                                            "capacity_full).")
    detail = serializers.CharField(allow_null=True, help_text="Why not, for the customer.")
    next_window_opens_at = serializers.DateTimeField(
        allow_null=True, help_text="outside_calling_window: when the customer may next be called (UTC).")
    next_window_opens_local = serializers.CharField(
        allow_null=True, help_text="The same in the customer's zone (ISO 8601 with its offset).")
    books_at_opening = serializers.BooleanField(
        help_text="outside_calling_window on a queue that books at the opening: a request now is booked for the "
                  "first free slot inside the customer's window.")


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
            self.context["offer"] = immediate_offer(widget.queue, now=self.context["now"],
                                                    reach=self.context["reach"])
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

    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                     help_text="The customer's IANA zone, e.g. Europe/London (the browser's).")
    country = serializers.CharField(max_length=2, min_length=2, required=False, allow_blank=True, default="",
                                    help_text="ISO 3166 region of the customer's number, or of a number typed "
                                              "without its country code.")

    def validate_timezone(self, value):
        return valid_zone(value)

    def reach(self, queue, phone_number=None) -> calling.Reach:
        fields = self.validated_data
        return calling.reach(queue, **calling.booking_fields(
            queue, customer_timezone=fields["timezone"], phone_number=phone_number, region=fields["country"]))


class ConfigView(PublicView):
    @extend_schema(parameters=[ReachInput], responses={200: ConfigOutput, **errors(400, 404, 422, 429)},
                   summary="The widget's form, theme, CAPTCHA and the queue's wait now")
    def get(self, request, key):
        widget = active_widget(key)
        params = ReachInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(ConfigOutput(widget, context={"now": timezone.now(), "reach": params.reach(widget.queue)}).data)


class AvailabilityInput(ReachInput):
    start = serializers.DateField(required=False, help_text="First local date (queue's zone); default today.")
    days = serializers.IntegerField(required=False, default=7, min_value=1, max_value=90)
    max_slots = serializers.IntegerField(required=False, default=200, min_value=1, max_value=1000)
    phone_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="",
        help_text="POST only (never in a URL): the customer's number, so its own zone and calling policy apply.")

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
    label = serializers.CharField()
    customer_local_start = serializers.CharField(help_text="In the customer's zone.")
    customer_label = serializers.CharField(help_text="In the customer's zone, for showing as “your time”.")
    capacity = serializers.IntegerField(allow_null=True, help_text="Callbacks this slot still takes; null: no limit.")
    total = serializers.IntegerField(allow_null=True, help_text="Callbacks the slot takes in all; null: no limit.")


def slot_label(local: dt.datetime) -> str:
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def slot_data(room, zone, customer_zone) -> dict:
    slot, local, theirs = room.slot, room.slot.start.astimezone(zone), room.slot.start.astimezone(customer_zone)
    return {"start": slot.start, "end": slot.end, "local_start": local.isoformat(), "date": local.date().isoformat(),
            "label": slot_label(local), "customer_local_start": theirs.isoformat(),
            "customer_label": slot_label(theirs), "capacity": room.remaining, "total": room.total}


class AvailabilityView(PublicView):
    @extend_schema(
        parameters=[AvailabilityInput],
        responses={200: inline_serializer("Availability", {
            "time_zone": serializers.CharField(), "customer_time_zone": serializers.CharField(),
            "slot_minutes": serializers.IntegerField(),
            "immediate_available": serializers.BooleanField(), "immediate": ImmediateOutput(),
            "slots": SlotOutput(many=True)}), **errors(400, 404, 422, 429)},
        summary="Bookable slots for a scheduled callback, inside the customer's calling window; full ones are left out")
    def get(self, request, key):
        # A number in a URL would be logged everywhere the URL goes: only a POST body is read for it.
        return self.answer(key, {k: v for k, v in request.query_params.items() if k != "phone_number"})

    @extend_schema(request=AvailabilityInput, responses={200: OpenApiTypes.OBJECT, **errors(400, 404, 422, 429)},
                   summary="The same, with the customer's number in the body (never in a URL)")
    def post(self, request, key):
        return self.answer(key, request.data)

    def answer(self, key, data):
        widget = active_widget(key)
        params = AvailabilityInput(data=data)
        params.is_valid(raise_exception=True)
        queue, now = widget.queue, timezone.now()
        reach = params.reach(queue, params.number())
        start = params.validated_data.get("start") or now.astimezone(queue.time_zone).date()
        slots = bookable_slots(queue, start=start, days=params.validated_data["days"],
                               max_slots=params.validated_data["max_slots"], now=now,
                               reach=reach) if widget.offer_scheduling else []
        offer = immediate_offer(queue, now=now, reach=reach)
        return Response({
            "time_zone": str(queue.time_zone),
            "customer_time_zone": reach.zone.key,
            "slot_minutes": queue.slot_minutes,
            "immediate_available": offer.available,
            "immediate": offer.as_dict(),
            "slots": SlotOutput([slot_data(room, queue.time_zone, reach.zone)
                                 for room in slots_with_capacity(queue, slots)], many=True).data,
        })


class CaptchaChallengeView(PublicView):
    @extend_schema(responses={200: inline_serializer("CaptchaChallenge", {
        "key": serializers.CharField(), "image_url": serializers.CharField()}), **errors(404, 422, 429)},
        summary="A new image challenge (widgets with the built-in CAPTCHA)")
    def get(self, request, key):
        widget = active_widget(key)
        if widget.captcha_provider != Widget.Captcha.IMAGE:
            raise NotFound("This widget does not use the image challenge.")
        return Response(image_challenge())


# -- creating and following a callback ----------------------------------------------------------

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
    country = serializers.CharField(max_length=2, min_length=2, required=False, allow_blank=True,
                                    help_text="ISO 3166 region for a number typed without its country code.")
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    desired_time = serializers.DateTimeField(required=False, allow_null=True, help_text="Absent or null: ASAP.")
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    context = serializers.DictField(required=False, help_text="The customer's journey: page, referrer, custom fields.")
    captcha = serializers.CharField(max_length=4096, required=False, allow_blank=True)
    consent_text = serializers.CharField(
        max_length=1000, required=False, allow_blank=True,
        help_text="The consent wording shown with the form, recorded with the callback; absent: the service's default.")

    def validate_context(self, value):
        return checked_context(value)

    def customer_fields(self) -> dict:
        """The customer's validated data, as ``services.callback_create`` takes it."""
        fields = self.validated_data
        return {"phone_number": fields["phone_number"], "region": fields.get("country") or None,
                "first_name": fields.get("first_name", ""), "last_name": fields.get("last_name", ""),
                "email": fields.get("email", ""), "notes": fields.get("notes", ""),
                "desired_time": fields.get("desired_time"), "customer_timezone": fields.get("timezone", ""),
                "context": fields.get("context", {})}


class CallbackOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    state = serializers.CharField()
    desired_time = serializers.DateTimeField(allow_null=True)
    ewt_seconds = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()
    can_reschedule = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(help_text="Why it is where it is, when that is not plain: "
                                                         "a stable code such as outside_calling_window.")
    status_text = serializers.SerializerMethodField(help_text="Where it is, in words for the customer, "
                                                              "times in their zone.")

    def status(self, callback):
        if "status" not in self.context:
            self.context["status"] = callback_customer_status(callback)
        return self.context["status"]

    def get_reason(self, callback) -> str | None:
        return self.status(callback).reason

    def get_status_text(self, callback) -> str:
        return self.status(callback).text

    def get_ewt_seconds(self, callback) -> int | None:
        return callback_estimated_wait(callback)

    def get_position(self, callback) -> int | None:
        return callback_position(callback)

    def get_can_cancel(self, callback) -> bool:
        return can(callback, "cancel")

    def get_can_reschedule(self, callback) -> bool:
        return can(callback, "reschedule")


class CreatedOutput(CallbackOutput):
    token = serializers.SerializerMethodField(
        help_text="Send as `Authorization: Bearer …` to follow this callback. Shown once.")
    scheduled_at_opening = serializers.SerializerMethodField(
        help_text="Asked for as soon as possible outside the customer's calling window, and booked for its opening.")
    message = serializers.SerializerMethodField(help_text="What to tell the customer, in words.")

    def get_token(self, callback) -> str:
        return self.context["token"]

    def get_scheduled_at_opening(self, callback) -> bool:
        return self.status(callback).reason == SCHEDULED_AT_OPENING

    def get_message(self, callback) -> str:
        return self.status(callback).text


def client_ip(request) -> str | None:
    return ReadByAddressThrottle().get_ident(request)


class CreateView(PublicView):
    throttle_classes = [CreateByAddressThrottle, CreateByNumberThrottle]

    @extend_schema(
        request=CreateInput,
        parameters=[OpenApiParameter(
            "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
            description="Bound to the widget and a hash of the body: a retry of the same request gets the first "
                        "answer, token included; the same key with another body is 422 idempotency_key_reused.")],
        responses={201: CreatedOutput, **errors(400, 404, 409, 422, 429, 503)},
        summary="Ask for a callback, now or at a chosen time")
    def post(self, request, key):
        widget = active_widget(key)
        idempotency = None  # a body that is not an object has none: validation answers it 400
        if (idempotency_key := request.headers.get("Idempotency-Key", "")[:128]) and isinstance(request.data, dict):
            idempotency = services.Idempotency(caller=f"widget:{widget.pk}", key=idempotency_key,
                                               body_hash=services.idempotency_body_hash(request.data))
            # Before the CAPTCHA: its answer is single-use, and the retry's may be the spent one.
            if (first := services.idempotent_answer(idempotency=idempotency)) is not None:
                return Response(first, status=status.HTTP_201_CREATED)
        data = CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            captcha_verify(holder=widget, token=fields.get("captcha", ""), remote_ip=client_ip(request))
        except CaptchaInvalid as exc:
            logger.info("captcha refused for widget %s", widget.public_key)
            problem_record(kind=ApiProblem.Kind.CAPTCHA, request=request, widget=widget, detail=str(exc))
            raise serializers.ValidationError({"captcha": [str(exc)]})
        except CaptchaUnavailable:
            raise Unavailable()
        create = {"queue": widget.queue, "widget": widget, "channel": Channel.WIDGET, "actor": Actor.CUSTOMER,
                  "consent_text": fields.get("consent_text", ""), "client_address": client_ip(request),
                  **data.customer_fields()}
        if idempotency is None:
            callback, token = services.callback_create(**create)
            body = created_answer(callback, token)
        else:
            body = services.callback_create_idempotent(idempotency=idempotency, answer=created_answer, **create)
        return Response(body, status=status.HTTP_201_CREATED)


def created_answer(callback: Callback, token: str) -> dict:
    """The 201 body of a create; with an Idempotency-Key, also what its retries get (``services.Answer``)."""
    return CreatedOutput(callback, context={"token": token}).data


def customer_callback(request, callback_id) -> Callback:
    """The callback the bearer token opens; another callback's token finds nothing (404)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("Send the callback's token as Authorization: Bearer <token>.")
    callback = get_object_or_404(Callback.objects.select_related("queue"), public_id=callback_id)
    if not hmac.compare_digest(callback.token_hash, services.hash_token(token.strip())):
        raise NotFound()
    return callback


class StatusView(PublicView):
    @extend_schema(responses={200: CallbackOutput, **errors(401, 404, 429)},
                   summary="The callback's state, wait and position")
    def get(self, request, callback_id):
        return Response(CallbackOutput(customer_callback(request, callback_id)).data)


class CancelView(PublicView):
    @extend_schema(request=None, responses={200: CallbackOutput, **errors(401, 404, 409, 429)},
                   summary="Cancel the callback")
    def post(self, request, callback_id):
        callback = services.callback_cancel(callback=customer_callback(request, callback_id),
                                            actor=Actor.CUSTOMER, reason="customer")
        return Response(CallbackOutput(callback).data)


class RescheduleInput(serializers.Serializer):
    desired_time = serializers.DateTimeField()


class RescheduleView(PublicView):
    @extend_schema(request=RescheduleInput, responses={200: CallbackOutput, **errors(400, 401, 404, 409, 422, 429)},
                   summary="Move the callback to another time")
    def post(self, request, callback_id):
        callback = customer_callback(request, callback_id)
        data = RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        callback = services.callback_reschedule(callback=callback, desired_time=data.validated_data["desired_time"],
                                                actor=Actor.CUSTOMER)
        return Response(CallbackOutput(callback).data)


# -- the widget's interaction lifecycle -----------------------------------------------------------

class EventInput(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    occurred_at = serializers.DateTimeField()
    metadata = serializers.DictField(required=False)

    def validate_metadata(self, value):
        if holds_nul(value):
            raise serializers.ValidationError("Null characters are not allowed.")
        return value


class EventsInput(serializers.Serializer):
    session = serializers.CharField(max_length=64)
    events = serializers.ListField(child=serializers.DictField(), max_length=MAX_EVENTS)


class EventsView(PublicView):
    parser_classes = [JSONParser, PlainTextJSONParser]

    @extend_schema(request=EventsInput, responses={202: inline_serializer("EventsAccepted", {
        "accepted": serializers.IntegerField()}), **errors(400, 404, 429)},
        summary="Lifecycle events from the widget, in batches")
    def post(self, request, key):
        widget = get_object_or_404(Widget, public_key=key)
        batch = EventsInput(data=request.data)
        batch.is_valid(raise_exception=True)
        # A bad event is dropped, never the batch: this endpoint must not fail the page.
        events = [EventInput(data=raw) for raw in batch.validated_data["events"]]
        rows = [WidgetEvent(widget=widget, session=batch.validated_data["session"], name=e.validated_data["name"],
                            occurred_at=min(e.validated_data["occurred_at"], timezone.now() + dt.timedelta(minutes=5)),
                            metadata=e.validated_data.get("metadata", {}))
                for e in events if e.is_valid() and len(json.dumps(e.validated_data.get("metadata", {}))) <= 4096]
        WidgetEvent.objects.bulk_create(rows)
        return Response({"accepted": len(rows)}, status=status.HTTP_202_ACCEPTED)
