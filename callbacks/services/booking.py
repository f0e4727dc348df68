"""Booking a callback and changing a booking: create (with idempotency), reschedule, cancel."""

import datetime as dt
import hashlib
import ipaddress
import logging
import secrets
from collections.abc import Callable

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from callbackproject.base.errors import ServiceError
from queues import calling
from queues.models import VirtualQueue
from queues.selectors import bookable_error, bookable_slots
from rules.engine import CallbackRequest, Rejection, evaluate, lock_number
from rules.ledger import ledger
from rules.models import RejectionCode
from rules.selectors import slots_with_capacity

from .. import lifecycle
from ..conf import callback_settings
from ..models import OPEN_STATES, Callback, CallbackEvent, Channel, Consent, IdempotentRequest, RejectionRecord, State
from ..phone import parse_phone
from ..rejections import rejections_recorded
from .agents import QUIET_HOURS, _free, window_refusal
from .idempotency import Idempotency, idempotency_token, idempotent_answer

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor

# Slots looked at for an after-hours request: enough to pass a night of full ones.
FIRST_SLOTS = 200
# What a create with an Idempotency-Key answers, from the callback and its token.
Answer = Callable[[Callback, str], dict]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DuplicateCallback(ServiceError):
    """The number already has as many open callbacks in the queue as the queue allows."""

    status, code = 409, "duplicate"

    def __init__(self, existing: Callback):
        self.existing = existing
        super().__init__("You already have a callback booked with us.", id=existing.public_id)


def _check_desired_time(queue: VirtualQueue, desired_time: dt.datetime | None, now: dt.datetime) -> None:
    if desired_time is not None and (error := bookable_error(queue, desired_time, now=now)):
        raise ValidationError({"desired_time": error})


def callback_create(
    *,
    queue: VirtualQueue,
    phone_number: str,
    region: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    notes: str = "",
    desired_time: dt.datetime | None = None,
    customer_timezone: str = "",
    channel: str = Channel.API,
    context: dict | None = None,
    widget=None,
    actor: str = Actor.CUSTOMER,
    user=None,
    now: dt.datetime | None = None,
    consent_text: str = "",
    client_address: str | None = None,
    api_key=None,
    idempotency: Idempotency | None = None,
    answer: Answer | None = None,
) -> tuple[Callback, str]:
    """Create a callback; returns it with the customer's access token (shown once, stored hashed).

    Its consent record is written with it: ``consent_text`` is what the
    customer was shown (empty: the channel's default), ``client_address`` and
    ``api_key`` where the request came from. With ``idempotency``, the key is
    claimed in the same transaction and ``answer(callback, token)`` is kept,
    without its token, for the retries (see ``callback_create_idempotent``).

    Raises ValidationError (bad input), DuplicateCallback, or Rejection (a rule
    refused; recorded in ``RejectionRecord``); IntegrityError when the
    key was claimed meanwhile.
    """
    now = now or timezone.now()
    # The transaction is inside, not a decorator: a refusal rolls the booking
    # back, and its record is written after that rollback so it survives.
    # A refusal rolls the claimed key back too: a retry is judged again.
    with rejections_recorded(
        queue=queue,
        widget=widget,
        channel=channel,
        phone_number=phone_number,
        desired_time=desired_time,
        action=RejectionRecord.Action.CREATE,
    ):
        with transaction.atomic():
            claim = None
            if idempotency is not None:
                # The key first, before the number's lock: of concurrent
                # retries, PostgreSQL makes every later insert of the same
                # (caller, key) wait for this transaction and then fail, so
                # they replay this answer instead of queueing on the number's
                # lock and being told 409 "you already have one".
                claim = IdempotentRequest.objects.create(
                    caller=idempotency.caller, key=idempotency.key, body_hash=idempotency.body_hash, created_at=now
                )
            callback, token = _create(
                queue=queue,
                phone_number=phone_number,
                region=region,
                first_name=first_name,
                last_name=last_name,
                email=email,
                notes=notes,
                desired_time=desired_time,
                customer_timezone=customer_timezone,
                channel=channel,
                context=context,
                widget=widget,
                actor=actor,
                user=user,
                now=now,
                consent_text=consent_text,
                client_address=client_address,
                api_key=api_key,
                token=idempotency_token(idempotency) if idempotency else None,
            )
            if claim is not None:
                assert answer is not None  # given with idempotency (callback_create_idempotent)
                claim.callback = callback
                claim.body = {k: v for k, v in answer(callback, token).items() if k != "token"}
                claim.save(update_fields=["callback", "body"])
            return callback, token


def callback_create_idempotent(*, idempotency: Idempotency, answer: Answer, **fields) -> dict:
    """``callback_create`` for a request with an Idempotency-Key; returns ``answer(callback, token)``.

    The first answer and every replay are the same stored body. A retry
    that raced the first request waited on the key's unique index until the
    first committed, and then failed: it reads that committed answer.
    """
    try:
        callback, token = callback_create(idempotency=idempotency, answer=answer, **fields)
    except IntegrityError:
        if (first := idempotent_answer(idempotency=idempotency)) is not None:
            return first
        raise
    body = callback.idempotent_request.body
    assert body is not None  # written with the callback
    return {**body, "token": token}


def _create(
    *,
    queue: VirtualQueue,
    phone_number: str,
    region: str | None,
    first_name: str,
    last_name: str,
    email: str,
    notes: str,
    desired_time: dt.datetime | None,
    customer_timezone: str,
    channel: str,
    context: dict | None,
    widget,
    actor: str,
    user,
    now: dt.datetime,
    consent_text: str,
    client_address: str | None,
    api_key,
    token: str | None,
) -> tuple[Callback, str]:
    try:
        number = parse_phone(phone_number, region)
    except ValidationError as error:
        raise ValidationError({"phone_number": error.messages}) from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if customer_timezone and calling.zone_or_none(customer_timezone) is None:
        raise ValidationError({"timezone": f"Unknown time zone “{customer_timezone}”."})
    _check_desired_time(queue, desired_time, now)
    reach_fields = calling.booking_fields(queue, customer_timezone=customer_timezone, phone_number=number)
    reach = calling.reach(queue, **reach_fields)
    # The duplicate first: "you already have one" (409, with its id) helps a
    # customer more than any rule. Lock order, always: the number (without it
    # two requests at once both count none open and both insert), then the
    # rules' locks (day, slot).
    counts = None
    if queue.max_open_per_number:
        lock_number(e164)
        counts = ledger().number_counts(queue, e164, now=now)
        # Nothing that ends a callback takes the number's lock: when every open one ended between the
        # two reads, there is none to name, and room again.
        if counts.open_here >= queue.max_open_per_number and (
            oldest := Callback.objects.filter(queue=queue, phone_number=e164, state__in=OPEN_STATES)
            .order_by("created_at")
            .first()
        ):
            raise DuplicateCallback(oldest)
    at_opening = (
        desired_time is None
        and queue.after_hours == VirtualQueue.AfterHours.SCHEDULE_AT_OPENING
        and not calling.is_callable(reach, now)
    )
    if at_opening and (opening := first_offered_slot(queue, reach=reach, now=now)) is not None:
        desired_time = opening
    evaluate(
        CallbackRequest(
            queue=queue,
            phone_number=e164,
            region=region,
            desired_time=desired_time,
            now=now,
            reach=reach,
            number_counts=counts,
        )
    )
    token = token or secrets.token_urlsafe(32)
    callback = Callback(
        queue=queue,
        phone_number=e164,
        first_name=first_name,
        last_name=last_name,
        email=email,
        notes=notes,
        desired_time=desired_time,
        customer_timezone=customer_timezone,
        channel=channel,
        context=context or {},
        token_hash=hash_token(token),
        widget=widget,
        **reach_fields,
    )
    lifecycle.create(
        callback,
        actor=actor,
        user=user,
        now=now,
        reason=lifecycle.SCHEDULED_AT_OPENING if desired_time is not None and at_opening else "",
    )
    consent = Consent(
        callback=callback,
        given_at=now,
        channel=channel,
        widget=widget,
        api_key=api_key,
        client_address=_address(client_address),
        text=consent_text or _default_consent(channel, user),
        phone_number=e164,
    )
    consent.digest = consent.compute_digest()
    consent.save()
    logger.info("callback %s created in queue %s (%s)", callback.public_id, queue.slug, callback.state)
    return callback, token


def _address(value: str | None) -> str | None:
    """The client's address as PostgreSQL stores it, or None: behind proxies it comes from a header anyone can set."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def _default_consent(channel: str, user) -> str:
    if channel == Channel.STAFF and user is not None:
        return f"Consent taken by {user.get_username()} on the customer's behalf."
    return callback_settings.consent_text


def first_offered_slot(queue: VirtualQueue, *, reach: calling.Reach, now: dt.datetime) -> dt.datetime | None:
    """The first slot a customer could book now, inside their window and with room: where an
    "as soon as possible" request goes while they may not be called. None within the horizon."""
    today = now.astimezone(queue.time_zone).date()
    slots = bookable_slots(
        queue, start=today, days=queue.booking_horizon_days + 1, max_slots=FIRST_SLOTS, now=now, reach=reach
    )
    free = slots_with_capacity(queue, slots)
    return free[0].slot.start if free else None


def _e164(callback: Callback) -> str:
    # A PhoneNumber from the database (shown as E.164, PHONENUMBER_DEFAULT_FORMAT), or a string just set.
    return str(callback.phone_number) if callback.phone_number else ""


def callback_reschedule(
    *, callback: Callback, desired_time: dt.datetime, actor: str, user=None, now: dt.datetime | None = None
) -> Callback:
    """Move a waiting callback to another time, through the same rules as a new one (it does not count itself).

    Raises ValidationError, IllegalTransition or Rejection (recorded).
    """
    now = now or timezone.now()
    # As for a create: the record of a refusal outlives the rolled-back move.
    with rejections_recorded(
        queue=callback.queue,
        widget=callback.widget_id and callback.widget,
        channel=callback.channel,
        phone_number=_e164(callback),
        desired_time=desired_time,
        action=RejectionRecord.Action.RESCHEDULE,
    ):
        with transaction.atomic():
            _check_desired_time(callback.queue, desired_time, now)
            # Lock so the release tick cannot queue it at the old time meanwhile.
            callback = Callback.objects.select_for_update().select_related("queue").get(pk=callback.pk)
            if not lifecycle.can(callback, "reschedule"):
                raise lifecycle.IllegalTransition(callback, "reschedule")
            try:
                evaluate(
                    CallbackRequest(
                        queue=callback.queue,
                        phone_number=_e164(callback),
                        region=None,
                        desired_time=desired_time,
                        now=now,
                        moving_id=callback.pk,
                        reach=calling.reach_of(callback),
                    )
                )
            except Rejection as rejection:
                # The rule speaks to the customer ("your time"); staff are told whose time it is.
                if actor == Actor.STAFF and rejection.code == RejectionCode.OUTSIDE_CALLING_WINDOW:
                    opens = dt.datetime.fromisoformat(rejection.extra["next_window_opens_at"])
                    raise window_refusal(callback, opens, why=QUIET_HOURS) from None
                raise
            lifecycle.reschedule(callback, desired_time=desired_time, actor=actor, user=user, now=now)
            return callback


@transaction.atomic
def callback_cancel(*, callback: Callback, actor: str, reason: str, user=None) -> Callback:
    # Lock the row so a cancel cannot interleave with an agent claiming it.
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    agent = callback.agent if callback.state in (State.ASSIGNED, State.IN_PROGRESS) else None
    lifecycle.cancel(callback, actor=actor, user=user, reason=reason)
    if agent is not None:
        _free(agent, timezone.now())
    return callback


def callbacks_bulk_cancel(*, callbacks: QuerySet, user) -> tuple[int, int]:
    """Cancel each callback in its own transaction; returns (canceled, skipped: already finished or moving)."""
    canceled = skipped = 0
    for callback in callbacks:
        try:
            callback_cancel(callback=callback, actor=Actor.STAFF, user=user, reason="canceled_by_staff")
        except lifecycle.IllegalTransition:
            skipped += 1
        else:
            canceled += 1
    return canceled, skipped
