"""The record of every request the rules refused (``RejectionRecord``), for troubleshooting and reports."""

import datetime as dt
import logging
from contextlib import contextmanager

from django.db import DatabaseError, transaction

from queues.models import VirtualQueue
from rules.engine import Rejection

from .models import RejectionRecord

logger = logging.getLogger(__name__)


def last_digits(phone_number: str) -> str:
    """The last four digits, all a rejection record keeps of a number."""
    return "".join(ch for ch in phone_number or "" if ch.isdigit())[-4:]


def rejection_record(
    *,
    rejection: Rejection,
    queue: VirtualQueue,
    channel: str,
    phone_number: str,
    action: str = RejectionRecord.Action.CREATE,
    widget=None,
    desired_time: dt.datetime | None = None,
) -> RejectionRecord | None:
    """Record a refusal. Never raises: a failed record must not turn a 422 into a 500."""
    # The code and queue only: logs never hold a phone number.
    logger.info("%s refused in queue %s: %s", action, queue.slug, rejection.code)
    try:
        with transaction.atomic():
            return RejectionRecord.objects.create(
                queue=queue,
                widget=widget,
                action=action,
                code=rejection.code,
                message=rejection.message[:255],
                channel=channel,
                number_last_digits=last_digits(phone_number),
                desired_time=desired_time,
            )
    except DatabaseError:
        logger.exception("could not record a %s rejection in queue %s", rejection.code, queue.pk)
        return None


@contextmanager
def rejections_recorded(**record):
    """Record a ``Rejection`` raised inside, then let it go on.

    Use it outside the transaction that the rejection rolls back, so the
    record is written after that rollback and survives it.
    """
    try:
        yield
    except Rejection as rejection:
        rejection_record(rejection=rejection, **record)
        raise
