"""The GES envelope: every answer, errors included, as Genesys' clients parse it."""

import logging
import math

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from callbackproject.base.errors import TOO_LARGE, ServiceError, database_unavailable_answer, database_unreachable

from .. import services
from .correlation import corr_id

# The adapter's one logger, whichever of its modules writes.
logger = logging.getLogger("callbacks.compat.ges")


SUCCESS = 0


# The fields our services name in their errors, as a GES client knows them.
GES_FIELDS = {"phone_number": "phoneNumber", "desired_time": "desiredTime", "context": "userData"}


def envelope(code: int, message: str, data=None) -> dict:
    body = {"status": {"code": code, "message": message, "corrId": corr_id.get()}}
    return body if data is None else body | {"data": data}


def ok(data) -> Response:
    return Response(envelope(SUCCESS, "Successful", data))


class GesError(exceptions.APIException):
    """An error answered in the envelope; ``data`` carries what GES adds to some (the slots of a 429)."""

    def __init__(self, status_code: int, message: str, data=None):
        self.status_code, self.message, self.data = status_code, message, data
        super().__init__(message)


def message_of(detail) -> str:
    """An error detail (text, or lists and dicts of it) as one line, fields under their GES names."""
    if isinstance(detail, dict):
        return "; ".join(
            message_of(value) if field == "non_field_errors" else f"{GES_FIELDS.get(field, field)}: {message_of(value)}"
            for field, value in detail.items()
        )
    if isinstance(detail, list):
        return " ".join(message_of(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """Every error in the envelope with the status a GES client expects: GES has no 409 or 422.

    A rule's refusal and a duplicate are a 400 whose message starts with our
    stable code (``number_blocked: …``, ``duplicate: …``); a full slot is the
    GES 429 with free slots proposed (raised as a GesError by the create view).
    """
    headers, data = {}, None
    if isinstance(exc, GesError):
        status, message, data = exc.status_code, exc.message, exc.data
    elif isinstance(exc, services.DuplicateCallback):
        status, message = 400, f"duplicate: {exc} Its id is {exc.existing.public_id}."
    elif isinstance(exc, ServiceError):
        # GES has no 409 or 422: a refusal is a 400 whose message starts with our code; 5xx say only what to do.
        status = 400 if exc.status in (409, 422) else exc.status
        message = exc.message if status >= 500 else f"{exc.code}: {exc.message}"
        headers.update(exc.headers())
    elif isinstance(exc, DjangoValidationError):
        status, message = 400, message_of(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, exceptions.APIException):
        status, message = exc.status_code, message_of(exc.detail)
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(math.ceil(exc.wait))
    elif isinstance(exc, RequestDataTooBig):
        status, message = 413, TOO_LARGE
    elif database_unreachable(exc):
        _body, status, headers = database_unavailable_answer()
        message = "The service is unavailable right now; please try again shortly."
    elif isinstance(exc, DatabaseError):
        logger.exception("GES request failed on the database")
        status, message = 503, "The service is unavailable right now; please try again shortly."
    else:
        # A bug: still the envelope GES clients parse, with the corrId that finds the traceback.
        logger.exception("GES request failed")
        status, message = 500, "Internal error; please quote the corrId to support."
    set_rollback()
    return Response(envelope(status, message, data), status=status, headers=headers)
