"""The widget's lifecycle events (POST /api/v1/public/widgets/<key>/events): the funnel's raw rows."""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from callbackproject.base.api import JSONParser, errors
from callbacks.api.public.serializers import holds_nul
from callbacks.api.public.views import PublicView
from callbacks.models import Widget
from reporting.services import widget_events_record

MAX_EVENTS = 50


class PlainTextJSONParser(JSONParser):
    """navigator.sendBeacon posts JSON as text/plain, which needs no CORS preflight."""

    media_type = "text/plain"


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

    @extend_schema(
        request=EventsInput,
        responses={
            202: inline_serializer("EventsAccepted", {"accepted": serializers.IntegerField()}),
            **errors(400, 404, 429),
        },
        summary="Lifecycle events from the widget, in batches",
    )
    def post(self, request, key):
        widget = get_object_or_404(Widget, public_key=key)
        batch = EventsInput(data=request.data)
        batch.is_valid(raise_exception=True)
        # A bad event is dropped, never the batch: this endpoint must not fail the page.
        events = [EventInput(data=raw) for raw in batch.validated_data["events"]]
        accepted = widget_events_record(
            widget=widget,
            session=batch.validated_data["session"],
            events=[
                e.validated_data
                for e in events
                if e.is_valid() and len(json.dumps(e.validated_data.get("metadata", {}))) <= 4096
            ],
        )
        return Response({"accepted": accepted}, status=status.HTTP_202_ACCEPTED)
