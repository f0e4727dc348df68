"""The API's error contract: a service's refusal becomes the status a client can act on, always as JSON."""

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .errors import SERVER_ERROR, TOO_LARGE, ServiceError, database_unavailable_answer, database_unreachable

logger = logging.getLogger(__name__)


class JSONParser(parsers.JSONParser):
    """A JSON object that Python and PostgreSQL can store and echo back, else a 400 like any malformed body.

    Python's decoder accepts what is no text or number (a lone surrogate such as
    ``"\\ud800"``, ``1e999`` read as infinity) and gives up on deep nesting with a
    RecursionError: each ended in a 500, at the database or rendering the error.
    Every body of ours is an object: a list, a number, a string or null at the top
    is refused here, before a throttle or a view reads ``request.data.get``.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            json.dumps(data, ensure_ascii=False, allow_nan=False).encode()
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "JSON parse error - a string holds a lone surrogate, which is no text."
            ) from None
        except ValueError:
            raise exceptions.ParseError("JSON parse error - a number is out of range.") from None
        if not isinstance(data, dict):
            raise exceptions.ParseError("JSON body must be an object.")
        return data


# The errors of the contract, for the schema: the body of each is a JSON object.
ERRORS = {
    400: "Invalid input: a list of messages per field (`non_field_errors` for the request as a whole).",
    401: "No credentials, or unknown ones.",
    403: "Your role may not do this.",
    404: "Unknown, or not yours to see.",
    409: "An illegal move for the callback's state (`code` illegal_transition, `state`) "
    "or a duplicate (`code` duplicate, the open callback's `id`).",
    422: "Refused by a rule or an inactive widget: a stable `code` and a `detail`.",
    429: "Throttled: try again after `Retry-After` seconds.",
    503: "A service we depend on (the database, the CAPTCHA provider) is not answering: "
    "try again after `Retry-After` seconds.",
}


def errors(*codes: int) -> dict:
    """The error responses of an operation, for ``extend_schema(responses=…)``."""
    return {code: OpenApiResponse(OpenApiTypes.OBJECT, description=ERRORS[code]) for code in codes}


def exception_handler(exc, context):
    if isinstance(exc, DatabaseError):
        set_rollback()
        if database_unreachable(exc):
            body, code, headers = database_unavailable_answer()
            return Response(body, status=code, headers=headers)
        logger.error("A database error in %s", context["view"].__class__.__name__, exc_info=exc)
        return Response({"code": "server_error", "detail": SERVER_ERROR}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, RequestDataTooBig):
        return Response({"code": "too_large", "detail": TOO_LARGE}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, ServiceError):
        return Response(exc.answer(), status=exc.status, headers=exc.headers())
    return drf_exception_handler(exc, context)
