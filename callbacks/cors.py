"""CORS for the public API: an origin is allowed only where a widget lists it.

django-cors-headers asks this through its ``check_request_enabled`` signal
for URLs under CORS_URLS_REGEX (/api/v1/public/); no credentials are allowed.
"""

import logging
import re

from .models import ApiProblem, Callback, Widget
from .problems import problem_record

logger = logging.getLogger(__name__)

WIDGET_PATH = re.compile(r"^/api/v1/public/widgets/(?P<key>[-\w]+)/")
CALLBACK_PATH = re.compile(r"^/api/v1/public/callbacks/(?P<id>[0-9a-f-]{36})")


def widget_for(path: str) -> Widget | None:
    """The active widget whose origins govern a public API path."""
    if match := WIDGET_PATH.match(path):
        return Widget.objects.filter(public_key=match["key"], active=True).first()
    if match := CALLBACK_PATH.match(path):
        callback = Callback.objects.select_related("widget").filter(public_id=match["id"]).first()
        return callback.widget if callback and callback.widget and callback.widget.active else None
    return None


def widget_origin_allowed(sender, request, **kwargs) -> bool:
    # The signal fires for every request, not only those under CORS_URLS_REGEX.
    if not request.path.startswith("/api/v1/public/"):
        return False
    origin = request.headers.get("Origin", "").rstrip("/")
    widget = widget_for(request.path)
    if widget and origin in widget.origins:
        return True
    if origin:
        logger.info("CORS refused for origin %s on %s", origin, request.path)
        problem_record(kind=ApiProblem.Kind.CORS, request=request, widget=widget,
                       detail=f"{origin} is not among the widget's allowed origins" if widget
                       else "no active widget for this path")
    return False
