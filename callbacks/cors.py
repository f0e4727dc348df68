"""CORS for the public API: an origin is allowed only where a widget lists it.

django-cors-headers asks this through its ``check_request_enabled`` signal
for URLs under CORS_URLS_REGEX (/api/v1/public/); no credentials are allowed.
"""

import logging
import re

from .models import Callback, Widget

logger = logging.getLogger(__name__)

WIDGET_PATH = re.compile(r"^/api/v1/public/widgets/(?P<key>[-\w]+)/")
CALLBACK_PATH = re.compile(r"^/api/v1/public/callbacks/(?P<id>[0-9a-f-]{36})")


def allowed_origins(path: str) -> list[str]:
    if match := WIDGET_PATH.match(path):
        widget = Widget.objects.filter(public_key=match["key"], active=True).first()
        return widget.origins if widget else []
    if match := CALLBACK_PATH.match(path):
        callback = Callback.objects.select_related("widget").filter(public_id=match["id"]).first()
        return callback.widget.origins if callback and callback.widget and callback.widget.active else []
    return []


def widget_origin_allowed(sender, request, **kwargs) -> bool:
    # The signal fires for every request, not only those under CORS_URLS_REGEX.
    if not request.path.startswith("/api/v1/public/"):
        return False
    origin = request.headers.get("Origin", "").rstrip("/")
    if origin in allowed_origins(request.path):
        return True
    logger.info("CORS refused for origin %s on %s", origin, request.path)
    return False
