"""CORS for the public APIs: an origin is allowed only where a widget, or a GES API key, lists it.

django-cors-headers asks this through its ``check_request_enabled`` signal
for URLs under CORS_URLS_REGEX (/api/v1/public/ and /engagement/v3/); no
credentials are allowed.
"""

import logging
import re

from callbacks.models import ApiKey, ApiProblem, Callback, Widget
from callbacks.problems import problem_record
from callbacks.selectors import api_key_get, widget_get

logger = logging.getLogger(__name__)

PUBLIC_API = "/api/v1/public/"
GES_API = "/engagement/v3/"
WIDGET_PATH = re.compile(r"^/api/v1/public/widgets/(?P<key>[-\w]+)/")
CALLBACK_PATH = re.compile(r"^/api/v1/public/callbacks/(?P<id>[0-9a-f-]{36})")


def widget_for(path: str) -> Widget | None:
    """The active widget whose origins govern a public API path."""
    if match := WIDGET_PATH.match(path):
        widget = widget_get(match["key"])
        return widget if widget and widget.active else None
    if match := CALLBACK_PATH.match(path):
        callback = Callback.objects.select_related("widget").filter(public_id=match["id"]).first()
        return callback.widget if callback and callback.widget and callback.widget.active else None
    return None


def ges_origin_allowed(request, origin: str) -> bool:
    """The request's own key must list the origin; a preflight carries no key, so any active key's list will do.

    The request after the preflight is still held to its key's list, here and
    in the GES views.
    """
    if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
        keys = ApiKey.objects.filter(active=True, allowed_origins__contains=origin) if origin else []
        return any(origin in key.origins for key in keys)
    key = api_key_get(request.headers.get("x-api-key", ""))
    return key is not None and origin in key.origins


def widget_origin_allowed(sender, request, **kwargs) -> bool:
    # The signal fires for every request, not only those under CORS_URLS_REGEX.
    origin = request.headers.get("Origin", "").rstrip("/")
    widget = None
    if request.path.startswith(GES_API):
        if ges_origin_allowed(request, origin):
            return True
        refusal = f"{origin} is not among the API key's allowed origins"
    elif request.path.startswith(PUBLIC_API):
        widget = widget_for(request.path)
        if widget and origin in widget.origins:
            return True
        refusal = f"{origin} is not among the widget's allowed origins" if widget else "no active widget for this path"
    else:
        return False
    if origin:
        logger.info("CORS refused for origin %s on %s", origin, request.path)
        problem_record(kind=ApiProblem.Kind.CORS, request=request, widget=widget, detail=refusal)
    return False
