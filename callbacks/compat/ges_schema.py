"""The GES v3 endpoints in /api/schema/ (``extend_schema`` of ges.py): their envelope, bodies and key.

Written from the same contract as tests/callbacks/fixtures/ges_v3/: every
answer is ``{"status": {"code", "message", "corrId"}, "data": …}``; an error has
no ``data`` except the free slots of a 429.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

TAG = "Genesys Engagement API v3 (compatible)"
# The scheme itself is in SPECTACULAR_SETTINGS["APPEND_COMPONENTS"]: GES views authenticate by hand, not with a DRF class.
API_KEY: list[dict[str, list[str]]] = [{"gesApiKey": []}]
ERROR_CODES = {
    400: "Invalid input, a rule's refusal (`code: …` first in the message) or an illegal move.",
    401: "No API key, or an unknown or inactive one.",
    403: "The key may not use this service, or not from this origin.",
    404: "Unknown callback, or not one of the key's queues.",
    413: "The body is larger than the service accepts.",
    429: "Throttled: try again after `Retry-After` seconds.",
    503: "The database or the CAPTCHA provider is not answering: try again after `Retry-After` seconds.",
}


class Status(serializers.Serializer):
    code = serializers.IntegerField(help_text="0 on success, else the HTTP status.")
    message = serializers.CharField()
    corrId = serializers.CharField(help_text="Quote it to support: every log line of the request carries it.")


_answers: dict[str, serializers.Serializer] = {}


def answer(data) -> serializers.Serializer:
    """The success envelope around ``data``: one component per kind of data, however many operations answer it."""
    name = getattr(data, "child", data).__class__.__name__
    if name not in _answers:
        _answers[name] = inline_serializer(f"{name}Answer", {"status": Status(), "data": data})
    return _answers[name]


Error = inline_serializer("GesError", {"status": Status()})
Full = inline_serializer(
    "GesCapacityFull",
    {
        "status": Status(),
        "data": inline_serializer(
            "GesProposedSlots",
            {
                "slots": serializers.DictField(
                    child=serializers.IntegerField(), help_text="The next free slots, UTC time → room left."
                )
            },
            required=False,
        ),
    },
)
FULL = {429: OpenApiResponse(Full, description="Throttled, or the slot is full: the next free slots in `data.slots`.")}
Id = inline_serializer("GesCallbackId", {"id": serializers.UUIDField()})
Callback = inline_serializer(
    "GesCallback",
    {
        "id": serializers.UUIDField(),
        "desiredTime": serializers.CharField(),
        "callbackState": serializers.CharField(),
        "callbackReason": serializers.CharField(required=False),
        "phoneNumber": serializers.CharField(),
        "positionInQueue": serializers.IntegerField(required=False),
        "estimatedWaitTime": serializers.IntegerField(required=False, help_text="Seconds; -1 for no estimate."),
        "statusText": serializers.CharField(help_text="Ours, beyond GES: the status in words for the customer."),
    },
)
Availability = inline_serializer(
    "GesAvailability",
    {
        "slots": inline_serializer(
            "GesSlot",
            {
                "utcTime": serializers.CharField(),
                "localTime": serializers.CharField(),
                "capacity": serializers.IntegerField(
                    allow_null=True, help_text="Room left; null: the slot has no limit."
                ),
                "total": serializers.IntegerField(allow_null=True, help_text="null: the slot has no limit."),
            },
            many=True,
        ),
        "durationMin": serializers.IntegerField(),
        "timezone": serializers.CharField(),
    },
)
OpenFor = inline_serializer("GesOpenFor", {"openFor": serializers.IntegerField(help_text="Seconds until it closes.")})
Wait = inline_serializer(
    "GesEstimatedWaitTime",
    {
        "virtualQueue": serializers.CharField(),
        "estimatedWaitTime": serializers.IntegerField(),
        "message": serializers.CharField(allow_blank=True),
    },
    many=True,
)
QueueStatus = inline_serializer(
    "GesQueueStatus",
    {
        "ewt": serializers.IntegerField(),
        "offerImmediateCallback": serializers.BooleanField(),
        "offerScheduledCallback": serializers.BooleanField(),
        "waiting": serializers.IntegerField(help_text="Ours, beyond GES."),
        "inService": serializers.IntegerField(help_text="Ours, beyond GES."),
    },
)
VIRTUAL_QUEUES = OpenApiParameter("virtual-queues", str, description="Queue names, separated by commas (1 to 20).")


def ges_schema(*, summary: str, data, request=None, parameters=(), codes=(400, 401, 403, 429, 503), extra=None):
    """``extend_schema`` for a GES operation: its tag, the key, and every answer in the envelope."""
    responses = (
        {200: answer(data)}
        | {code: OpenApiResponse(Error, description=ERROR_CODES[code]) for code in codes}
        | (extra or {})
    )
    return extend_schema(
        tags=[TAG],
        # auth takes security requirements (as get_auth returns them), not the names it is annotated with
        auth=API_KEY,  # type: ignore[arg-type]
        summary=summary,
        request=request,
        parameters=list(parameters),
        responses=responses,
    )
