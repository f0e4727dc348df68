"""The customers' API under /api/v1/public/: what the widget and mobile apps call.

No session or staff auth here: a widget key names the widget, and a callback
is opened with the customer token returned once at creation. CORS is limited
to each widget's allowed origins (cors.py beside this module).
"""

import hmac
import logging

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from callbackproject.base.api import errors
from callbacks import services
from callbacks.lifecycle import Actor
from callbacks.models import Callback, Channel, Widget
from callbacks.selectors import widget_get
from queues.selectors import bookable_slots
from rules.engine import Rejection
from rules.selectors import immediate_offer, slots_with_capacity

from .captcha import CaptchaInvalid, captcha_check, image_challenge
from .serializers import (
    AvailabilityInput,
    CallbackOutput,
    ConfigOutput,
    CreatedOutput,
    CreateInput,
    ImmediateOutput,
    ReachInput,
    RescheduleInput,
    SlotOutput,
    slot_data,
)
from .throttles import CreateByAddressThrottle, CreateByNumberThrottle, ReadByAddressThrottle, client_ip

logger = logging.getLogger(__name__)


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
        raise Rejection("widget_inactive", "Callbacks are not available here at the moment.")
    return widget


# -- config and availability ------------------------------------------------------------------


class ConfigView(PublicView):
    @extend_schema(
        parameters=[ReachInput],
        responses={200: ConfigOutput, **errors(400, 404, 422, 429)},
        summary="The widget's form, theme, CAPTCHA and the queue's wait now",
    )
    def get(self, request, key):
        widget = active_widget(key)
        params = ReachInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(ConfigOutput(widget, context={"now": timezone.now(), "reach": params.reach(widget.queue)}).data)


class AvailabilityView(PublicView):
    @extend_schema(
        parameters=[AvailabilityInput],
        responses={
            200: inline_serializer(
                "Availability",
                {
                    "time_zone": serializers.CharField(),
                    "customer_time_zone": serializers.CharField(),
                    "slot_minutes": serializers.IntegerField(),
                    "immediate_available": serializers.BooleanField(),
                    "immediate": ImmediateOutput(),
                    "slots": SlotOutput(many=True),
                },
            ),
            **errors(400, 404, 422, 429),
        },
        summary="Bookable slots for a scheduled callback, inside the customer's calling window; full ones are left out",
    )
    def get(self, request, key):
        # A number in a URL would be logged everywhere the URL goes: only a POST body is read for it.
        return self.answer(key, {k: v for k, v in request.query_params.items() if k != "phone_number"})

    @extend_schema(
        request=AvailabilityInput,
        responses={200: OpenApiTypes.OBJECT, **errors(400, 404, 422, 429)},
        summary="The same, with the customer's number in the body (never in a URL)",
    )
    def post(self, request, key):
        return self.answer(key, request.data)

    def answer(self, key, data):
        widget = active_widget(key)
        params = AvailabilityInput(data=data)
        params.is_valid(raise_exception=True)
        queue, now = widget.queue, timezone.now()
        reach = params.reach(queue, params.number())
        start = params.validated_data.get("start") or now.astimezone(queue.time_zone).date()
        slots = (
            bookable_slots(
                queue,
                start=start,
                days=params.validated_data["days"],
                max_slots=params.validated_data["max_slots"],
                now=now,
                reach=reach,
            )
            if widget.offer_scheduling
            else []
        )
        offer = immediate_offer(queue, now=now, reach=reach)
        return Response(
            {
                "time_zone": str(queue.time_zone),
                "customer_time_zone": reach.zone.key,
                "slot_minutes": queue.slot_minutes,
                "immediate_available": offer.available,
                "immediate": offer.as_dict(),
                "slots": SlotOutput(
                    [slot_data(room, queue.time_zone, reach.zone) for room in slots_with_capacity(queue, slots)],
                    many=True,
                ).data,
            }
        )


class CaptchaChallengeView(PublicView):
    @extend_schema(
        responses={
            200: inline_serializer(
                "CaptchaChallenge", {"key": serializers.CharField(), "image_url": serializers.CharField()}
            ),
            **errors(404, 422, 429),
        },
        summary="A new image challenge (widgets with the built-in CAPTCHA)",
    )
    def get(self, request, key):
        widget = active_widget(key)
        if widget.captcha_provider != Widget.Captcha.IMAGE:
            raise NotFound("This widget does not use the image challenge.")
        return Response(image_challenge())


# -- creating and following a callback ----------------------------------------------------------


class CreateView(PublicView):
    throttle_classes = [CreateByAddressThrottle, CreateByNumberThrottle]

    @extend_schema(
        request=CreateInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Bound to the widget and a hash of the body: a retry of the same request gets the first "
                "answer, token included; the same key with another body is 422 idempotency_key_reused.",
            )
        ],
        responses={201: CreatedOutput, **errors(400, 404, 409, 422, 429, 503)},
        summary="Ask for a callback, now or at a chosen time",
    )
    def post(self, request, key):
        widget = active_widget(key)
        idempotency = None  # a body that is not an object has none: validation answers it 400
        if (idempotency_key := request.headers.get("Idempotency-Key", "")[:128]) and isinstance(request.data, dict):
            idempotency = services.Idempotency(
                caller=f"widget:{widget.pk}",
                key=idempotency_key,
                body_hash=services.idempotency_body_hash(request.data),
            )
            # Before the CAPTCHA: its answer is single-use, and the retry's may be the spent one.
            if (first := services.idempotent_answer(idempotency=idempotency)) is not None:
                return Response(first, status=status.HTTP_201_CREATED)
        data = CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            captcha_check(holder=widget, token=fields.get("captcha", ""), request=request)
        except CaptchaInvalid as exc:
            raise serializers.ValidationError({"captcha": [str(exc)]}) from None
        create = {
            "queue": widget.queue,
            "widget": widget,
            "channel": Channel.WIDGET,
            "actor": Actor.CUSTOMER,
            "consent_text": fields.get("consent_text", ""),
            "client_address": client_ip(request),
            **data.customer_fields(),
        }
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
    @extend_schema(
        responses={200: CallbackOutput, **errors(401, 404, 429)}, summary="The callback's state, wait and position"
    )
    def get(self, request, callback_id):
        return Response(CallbackOutput(customer_callback(request, callback_id)).data)


class CancelView(PublicView):
    @extend_schema(
        request=None, responses={200: CallbackOutput, **errors(401, 404, 409, 429)}, summary="Cancel the callback"
    )
    def post(self, request, callback_id):
        callback = services.callback_cancel(
            callback=customer_callback(request, callback_id), actor=Actor.CUSTOMER, reason="customer"
        )
        return Response(CallbackOutput(callback).data)


class RescheduleView(PublicView):
    @extend_schema(
        request=RescheduleInput,
        responses={200: CallbackOutput, **errors(400, 401, 404, 409, 422, 429)},
        summary="Move the callback to another time",
    )
    def post(self, request, callback_id):
        callback = customer_callback(request, callback_id)
        data = RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        callback = services.callback_reschedule(
            callback=callback, desired_time=data.validated_data["desired_time"], actor=Actor.CUSTOMER
        )
        return Response(CallbackOutput(callback).data)


# -- the widget's interaction lifecycle -----------------------------------------------------------
