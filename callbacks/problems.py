"""Recording the public API's refusals (CAPTCHA, CORS, throttling) for the troubleshooting page."""

import logging

from django.db import DatabaseError

from callbackproject.base.cache import safe_add

from .models import ApiProblem, Widget

logger = logging.getLogger(__name__)

# One record per kind, widget and origin a minute: a misconfigured site or a
# flood must not turn every refused request into a database write.
DEDUPE_SECONDS = 60


def problem_record(*, kind: str, request, widget: Widget | None = None, detail: str = "") -> None:
    origin = request.headers.get("Origin", "")[:200]
    # An unreachable cache records nothing rather than a write per refused request.
    if not safe_add(f"problem:{kind}:{widget.pk if widget else request.path}:{origin}", 1, DEDUPE_SECONDS):
        return
    try:
        ApiProblem.objects.create(kind=kind, widget=widget, origin=origin, path=request.path[:200], detail=detail[:255])
    except DatabaseError:  # a record is worth less than the answer to the request
        logger.exception("could not record a %s problem", kind)
