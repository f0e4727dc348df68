"""The rules pipeline: every way a callback is created or moved asks ``evaluate`` first.

Rules are small objects checked in order; the first that refuses ends the
evaluation with a stable ``code`` (answered as HTTP 422) and a message a
customer can read.
"""

import datetime as dt
from dataclasses import dataclass

from queues.hours import is_open
from queues.models import VirtualQueue


class Rejection(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CallbackRequest:
    """What a rule may judge: the queue, the parsed number and when the customer wants the call."""

    queue: VirtualQueue
    phone_number: str  # E.164
    region: str | None
    desired_time: dt.datetime | None
    now: dt.datetime


class QueueOpenForImmediate:
    """An immediate callback needs the queue open now; a scheduled one is checked against its slot."""

    def check(self, request: CallbackRequest) -> None:
        if not request.queue.active:
            raise Rejection("queue_closed", "Callbacks are not available for this service at the moment.")
        if request.desired_time is None and not is_open(request.queue, request.now):
            raise Rejection("queue_closed", "We are closed right now; please pick a time for us to call you.")


PIPELINE = [QueueOpenForImmediate()]


def evaluate(request: CallbackRequest) -> None:
    """Raise ``Rejection`` from the first rule that refuses the request."""
    for rule in PIPELINE:
        rule.check(request)
