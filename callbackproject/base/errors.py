"""The error contract: refusals a client can act on, and the errors no view answers itself.

Every refusal of a service is a ``ServiceError``: a stable ``code``, the HTTP
``status`` it means, a message a person can read and the fields the answer
adds. One DRF exception handler (``base.api``) answers them on our APIs; the
GES adapter wraps the same errors in its envelope.

The rest holds the contract (README, "Errors") on ``/api/`` and ``/engagement/``
whatever fails: ``ApiErrorMiddleware`` for any view past DRF, and
``server_error`` (``handler500``) for what fails outside a view, in a
middleware or a session: the database unreachable, a body too large, a crash.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import JsonResponse
from django.views.defaults import server_error as html_server_error

logger = logging.getLogger(__name__)

API_PATHS = ("/api/", "/engagement/")
UNAVAILABLE = "The database is not answering; please try again shortly."
TOO_LARGE = "The request body is larger than this service accepts."
SERVER_ERROR = "Internal error; it has been logged."


class ServiceError(Exception):
    """A refusal a client can act on. Subclasses set ``status`` and ``code``; ``extra`` goes into the answer."""

    status: int = 400
    code: str = "invalid"
    default_message: str = ""

    def __init__(self, message: str | None = None, *, code: str | None = None, **extra):
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.extra = extra
        super().__init__(self.message)

    def answer(self) -> dict:
        return {"code": self.code, "detail": self.message, **self.extra}

    def headers(self) -> dict:
        return {}


class Unavailable(ServiceError):
    """A service we depend on did not answer: worth retrying shortly."""

    status = 503
    code = "unavailable"
    default_message = "A service we depend on is not answering; please try again shortly."

    def headers(self) -> dict:
        return {"Retry-After": str(settings.DATABASE_RETRY_AFTER_SECONDS)}


def is_api(request) -> bool:
    return request.path.startswith(API_PATHS)


def database_unreachable(exc: BaseException) -> bool:
    """An error of the connection (refused, terminated, timed out), not of one query: worth retrying."""
    return isinstance(exc, (OperationalError, InterfaceError))


def broken_connections_close() -> None:
    """Close every connection the error left unusable, so the next request opens a fresh one.

    Django closes them at the end of a request too, but not a persistent one
    that still looks open, and not under the test client; a healthy connection
    (one query failed, the server is fine) is kept.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.is_usable():
            connection.close()


def database_unavailable_answer() -> tuple[dict, int, dict]:
    """The body, status and headers of a 503 for an unreachable database, the broken connections closed."""
    logger.warning("The database is unreachable", exc_info=True)
    broken_connections_close()
    return (
        {"code": "unavailable", "detail": UNAVAILABLE},
        503,
        {"Retry-After": str(settings.DATABASE_RETRY_AFTER_SECONDS)},
    )


def api_error_response(exc: BaseException) -> JsonResponse | None:
    """The JSON answer to an error a view raised past its own handling, or None to let Django answer."""
    if database_unreachable(exc):
        body, status, headers = database_unavailable_answer()
        return JsonResponse(body, status=status, headers=headers)
    if isinstance(exc, RequestDataTooBig):
        return JsonResponse({"code": "too_large", "detail": TOO_LARGE}, status=413)
    if isinstance(exc, DatabaseError):
        logger.error("A database error on an API path", exc_info=exc)
        return JsonResponse({"code": "server_error", "detail": SERVER_ERROR}, status=500)
    return None


class ApiErrorMiddleware:
    """A view's database error on an API path is JSON, whichever view raised it and even with DEBUG on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return api_error_response(exception) if is_api(request) else None


def server_error(request):
    """``handler500``: JSON on an API path (503 if the database is unreachable), the HTML page elsewhere."""
    exc = sys.exc_info()[1]
    if not is_api(request):
        if database_unreachable(exc):
            broken_connections_close()
        return html_server_error(request)
    response = api_error_response(exc)
    return response or JsonResponse({"code": "server_error", "detail": SERVER_ERROR}, status=500)
