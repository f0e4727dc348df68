"""The API's error contract: domain errors become the status a client can act on."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from callbacks.lifecycle import IllegalTransition
from callbacks.services import DuplicateCallback
from rules.engine import Rejection


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, IllegalTransition):
        return Response({"code": "illegal_transition", "detail": str(exc), "state": exc.state},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DuplicateCallback):
        return Response({"code": "duplicate", "detail": str(exc), "id": exc.existing.public_id},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Rejection):
        return Response({"code": exc.code, "detail": exc.message}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    return drf_exception_handler(exc, context)
