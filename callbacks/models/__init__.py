"""The callbacks app's models, one module per concern; import them from here."""

from .access import ApiKey, Widget, default_form, origin_list
from .callback import (
    HELD_STATES,
    OPEN_STATES,
    TERMINAL_STATES,
    WAITING_STATES,
    Attempt,
    Callback,
    CallbackEvent,
    Channel,
    Outcome,
    State,
    keep_held_callbacks,
)
from .records import ApiProblem, Consent, IdempotentRequest, RejectionRecord

__all__ = [
    "HELD_STATES",
    "OPEN_STATES",
    "TERMINAL_STATES",
    "WAITING_STATES",
    "ApiKey",
    "ApiProblem",
    "Attempt",
    "Callback",
    "CallbackEvent",
    "Channel",
    "Consent",
    "IdempotentRequest",
    "Outcome",
    "RejectionRecord",
    "State",
    "Widget",
    "default_form",
    "keep_held_callbacks",
    "origin_list",
]
