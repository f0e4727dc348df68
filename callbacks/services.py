"""Writes to callbacks. Views, admin actions and Celery tasks call these."""

import datetime as dt
import hashlib
import logging
import secrets
import zlib
import zoneinfo

import phonenumbers

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from queues.hours import is_open
from queues.models import VirtualQueue
from queues.selectors import bookable_error
from rules.engine import CallbackRequest, evaluate

from . import lifecycle
from .models import OPEN_STATES, TERMINAL_STATES, Callback, CallbackEvent, Channel, State
from .phone import parse_phone

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor
BATCH_SIZE = 500


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DuplicateCallback(Exception):
    """The number already has as many open callbacks in the queue as the queue allows (HTTP 409)."""

    def __init__(self, existing: Callback):
        self.existing = existing
        super().__init__("You already have a callback booked with us.")


def _lock_number(queue: VirtualQueue, e164: str) -> None:
    """Serialise creates for one number in one queue until the transaction ends.

    Without it two simultaneous requests both count zero open callbacks and
    both insert. An advisory lock on (queue, number) makes the second wait for
    the first's commit; SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [queue.pk, zlib.crc32(e164.encode()) - 2**31])


def _check_desired_time(queue: VirtualQueue, desired_time: dt.datetime | None, now: dt.datetime) -> None:
    if desired_time is not None and (error := bookable_error(queue, desired_time, now=now)):
        raise ValidationError({"desired_time": error})


@transaction.atomic
def callback_create(*, queue: VirtualQueue, phone_number: str, region: str | None = None,
                    first_name: str = "", last_name: str = "", email: str = "", notes: str = "",
                    desired_time: dt.datetime | None = None, customer_timezone: str = "",
                    channel: str = Channel.API, context: dict | None = None, idempotency_key: str = "",
                    widget=None, actor: str = Actor.CUSTOMER, user=None, now: dt.datetime | None = None,
                    ) -> tuple[Callback, str]:
    """Create a callback; returns it with the customer's access token (shown once, stored hashed).

    Raises ValidationError (bad input), Rejection (a rule refused) or DuplicateCallback.
    """
    now = now or timezone.now()
    try:
        number = parse_phone(phone_number, region)
    except ValidationError as error:
        raise ValidationError({"phone_number": error.messages})
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if customer_timezone:
        try:
            zoneinfo.ZoneInfo(customer_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"timezone": f"Unknown time zone “{customer_timezone}”."})
    _check_desired_time(queue, desired_time, now)
    evaluate(CallbackRequest(queue=queue, phone_number=e164, region=region, desired_time=desired_time, now=now))
    if queue.max_open_per_number:
        _lock_number(queue, e164)
        open_ones = Callback.objects.filter(queue=queue, phone_number=e164, state__in=OPEN_STATES)
        if open_ones.count() >= queue.max_open_per_number:
            raise DuplicateCallback(open_ones.order_by("created_at").first())
    token = secrets.token_urlsafe(32)
    callback = Callback(
        queue=queue, phone_number=e164, first_name=first_name, last_name=last_name, email=email,
        notes=notes, desired_time=desired_time, customer_timezone=customer_timezone, channel=channel,
        context=context or {}, idempotency_key=idempotency_key, token_hash=hash_token(token), widget=widget,
    )
    lifecycle.create(callback, actor=actor, user=user, now=now)
    logger.info("callback %s created in queue %s (%s)", callback.public_id, queue.slug, callback.state)
    return callback, token


@transaction.atomic
def callback_reschedule(*, callback: Callback, desired_time: dt.datetime, actor: str, user=None,
                        now: dt.datetime | None = None) -> Callback:
    now = now or timezone.now()
    _check_desired_time(callback.queue, desired_time, now)
    # Lock so the release tick cannot queue it at the old time meanwhile.
    callback = Callback.objects.select_for_update().select_related("queue").get(pk=callback.pk)
    lifecycle.reschedule(callback, desired_time=desired_time, actor=actor, user=user, now=now)
    return callback


@transaction.atomic
def callback_cancel(*, callback: Callback, actor: str, reason: str, user=None) -> Callback:
    # Lock the row so a cancel cannot interleave with an agent claiming it.
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    lifecycle.cancel(callback, actor=actor, user=user, reason=reason)
    return callback


def _each_locked(queryset: QuerySet, move) -> int:
    """Apply ``move`` to every row of ``queryset``, batch by batch, one transaction a batch.

    SKIP LOCKED lets two beat runs (or a beat run and an agent) work at once:
    each takes rows the other has not locked, so nothing is moved twice and
    nobody waits. Moved rows leave the queryset, so the loop ends.
    """
    done = 0
    while True:
        with transaction.atomic():
            batch = list(queryset.select_for_update(skip_locked=True, of=("self",))
                         .select_related("queue").order_by("pk")[:BATCH_SIZE])
            for callback in batch:
                move(callback)
        done += len(batch)
        if len(batch) < BATCH_SIZE:
            return done


def callbacks_release_due(*, now: dt.datetime | None = None) -> int:
    """Scheduled and retrying callbacks whose time has come join their queue."""
    now = now or timezone.now()
    due = Callback.objects.filter(state__in=[State.SCHEDULED, State.RETRY_WAIT], due_at__lte=now)
    return _each_locked(due, lambda cb: lifecycle.release(cb, now=now))


def callbacks_requeue_timed_out(*, now: dt.datetime | None = None) -> int:
    """Reservations an agent did not act on go back to the queue."""
    now = now or timezone.now()
    stale = Callback.objects.filter(state=State.ASSIGNED, reservation_expires_at__lte=now)
    return _each_locked(stale, lambda cb: lifecycle.requeue(cb, reason="reservation_timeout", now=now))


def callbacks_expire_overdue(*, now: dt.datetime | None = None) -> int:
    """Expire callbacks past their queue's maximum wait, and those waiting in a queue that has closed."""
    now = now or timezone.now()
    waiting = [State.SCHEDULED, State.QUEUED, State.RETRY_WAIT]
    overdue = Callback.objects.filter(state__in=waiting, expires_at__lte=now)
    count = _each_locked(overdue, lambda cb: lifecycle.expire(cb, reason="max_wait_exceeded", now=now))
    queues = VirtualQueue.objects.prefetch_related("office_hours", "closed_dates")
    closed = [q.pk for q in queues if not is_open(q, now)]
    # A scheduled callback sleeps through closed hours; only those already
    # waiting for an agent are over when the day's office hours end.
    left_behind = Callback.objects.filter(queue__in=closed, state__in=[State.QUEUED, State.RETRY_WAIT])
    return count + _each_locked(left_behind, lambda cb: lifecycle.expire(cb, reason="office_hours_ended", now=now))


def callbacks_purge_personal_data(*, older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Erase name, number, email, notes and context of callbacks that ended long ago.

    The row and its events stay, so reports still count them.
    """
    now = now or timezone.now()
    days = settings.CALLBACK_RETENTION_DAYS if older_than_days is None else older_than_days
    old = Callback.objects.filter(state__in=TERMINAL_STATES, purged_at__isnull=True,
                                  ended_at__lte=now - dt.timedelta(days=days))

    def purge(callback: Callback) -> None:
        Callback.objects.filter(pk=callback.pk).update(
            phone_number="", first_name="", last_name="", email="", notes="", context={}, purged_at=now)

    return _each_locked(old, purge)
