"""Writes to callbacks. Views, admin actions and Celery tasks call these."""

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import zlib
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from queues import calling, routing
from queues.hours import is_open
from queues.models import Agent, VirtualQueue
from queues.selectors import bookable_error, bookable_slots
from rules.engine import CallbackRequest, Rejection, evaluate
from rules.models import RejectionCode
from rules.selectors import slots_with_capacity

from . import lifecycle
from .conf import callback_settings
from .models import (OPEN_STATES, TERMINAL_STATES, ApiProblem, Attempt, Callback, CallbackEvent, Channel, Consent,
                     IdempotentRequest, Outcome, RejectionRecord, State)
from .phone import parse_phone
from .rejections import rejections_recorded
from .selectors import callback_held_by, queue_wait_for_early_release

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor
BATCH_SIZE = 500
# Slots looked at for an after-hours request: enough to pass a night of full ones.
FIRST_SLOTS = 200
# How long a create's Idempotency-Key is remembered: retries come within minutes.
IDEMPOTENCY_RETENTION = dt.timedelta(hours=24)
# What a create with an Idempotency-Key answers, from the callback and its token.
Answer = Callable[[Callback, str], dict]


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


@dataclass(frozen=True)
class Idempotency:
    """Who sent an ``Idempotency-Key`` (``widget:<pk>``), the key, and ``idempotency_body_hash`` of the body."""

    caller: str
    key: str
    body_hash: str


class IdempotencyKeyReused(Rejection):
    """The caller sent this key before with another body (HTTP 422 ``idempotency_key_reused``)."""

    def __init__(self):
        super().__init__("idempotency_key_reused",
                         "This Idempotency-Key was used for another request; send a new key for a new request.")


def idempotency_body_hash(body: dict) -> str:
    """A keyed hash of the request body: without the secret key, a stored hash cannot be searched for a number.

    The CAPTCHA answer is left out: a retry solves a new one.
    """
    canonical = json.dumps({k: v for k, v in body.items() if k != "captcha"}, sort_keys=True, cls=DjangoJSONEncoder)
    return salted_hmac("callbacks.idempotency.body", canonical, algorithm="sha256").hexdigest()


def idempotency_token(idempotency: Idempotency) -> str:
    """The customer token of an idempotent create, derived from the request and the secret key.

    Derived, not random, so that a retry can be given the same token again
    (the first answer may never have arrived) while only its hash is stored.
    """
    message = f"{idempotency.caller}|{idempotency.key}|{idempotency.body_hash}"
    return urlsafe_b64encode(salted_hmac("callbacks.idempotency.token", message, algorithm="sha256").digest()).decode()


def callback_create(*, queue: VirtualQueue, phone_number: str, region: str | None = None,
                    first_name: str = "", last_name: str = "", email: str = "", notes: str = "",
                    desired_time: dt.datetime | None = None, customer_timezone: str = "",
                    channel: str = Channel.API, context: dict | None = None,
                    widget=None, actor: str = Actor.CUSTOMER, user=None, now: dt.datetime | None = None,
                    consent_text: str = "", client_address: str | None = None, api_key=None,
                    idempotency: Idempotency | None = None, answer: Answer | None = None,
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
    with rejections_recorded(queue=queue, widget=widget, channel=channel, phone_number=phone_number,
                             desired_time=desired_time, action=RejectionRecord.Action.CREATE):
        with transaction.atomic():
            claim = None
            if idempotency is not None:
                # The key first, before the number's lock: of concurrent
                # retries, PostgreSQL makes every later insert of the same
                # (caller, key) wait for this transaction and then fail, so
                # they replay this answer instead of queueing on the number's
                # lock and being told 409 "you already have one".
                claim = IdempotentRequest.objects.create(caller=idempotency.caller, key=idempotency.key,
                                                         body_hash=idempotency.body_hash, created_at=now)
            callback, token = _create(queue=queue, phone_number=phone_number, region=region, first_name=first_name,
                                      last_name=last_name, email=email, notes=notes, desired_time=desired_time,
                                      customer_timezone=customer_timezone, channel=channel, context=context,
                                      widget=widget, actor=actor, user=user, now=now, consent_text=consent_text,
                                      client_address=client_address, api_key=api_key,
                                      token=idempotency_token(idempotency) if idempotency else None)
            if claim is not None:
                claim.callback = callback
                claim.body = {k: v for k, v in answer(callback, token).items() if k != "token"}
                claim.save(update_fields=["callback", "body"])
            return callback, token


def idempotent_answer(*, idempotency: Idempotency) -> dict | None:
    """The first answer to this caller's key, token included; None when it has none.

    Raises IdempotencyKeyReused when the key came with another body.
    """
    first = IdempotentRequest.objects.filter(caller=idempotency.caller, key=idempotency.key,
                                             callback__isnull=False).first()
    if first is None:
        return None
    if not hmac.compare_digest(first.body_hash, idempotency.body_hash):
        raise IdempotencyKeyReused()
    return {**first.body, "token": idempotency_token(idempotency)}


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
    return {**callback.idempotent_request.body, "token": token}


def _create(*, queue: VirtualQueue, phone_number: str, region: str | None, first_name: str, last_name: str,
            email: str, notes: str, desired_time: dt.datetime | None, customer_timezone: str, channel: str,
            context: dict | None, widget, actor: str, user, now: dt.datetime,
            consent_text: str, client_address: str | None, api_key, token: str | None,
            ) -> tuple[Callback, str]:
    try:
        number = parse_phone(phone_number, region)
    except ValidationError as error:
        raise ValidationError({"phone_number": error.messages})
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if customer_timezone and calling.zone_or_none(customer_timezone) is None:
        raise ValidationError({"timezone": f"Unknown time zone “{customer_timezone}”."})
    _check_desired_time(queue, desired_time, now)
    reach_fields = calling.booking_fields(queue, customer_timezone=customer_timezone, phone_number=number)
    reach = calling.reach(queue, **reach_fields)
    # The duplicate first: "you already have one" (409, with its id) helps a
    # customer more than any rule. Lock order, always: this number in this
    # queue, then the rules' locks (number, day, slot).
    if queue.max_open_per_number:
        _lock_number(queue, e164)
        open_ones = Callback.objects.filter(queue=queue, phone_number=e164, state__in=OPEN_STATES)
        if open_ones.count() >= queue.max_open_per_number:
            raise DuplicateCallback(open_ones.order_by("created_at").first())
    at_opening = (desired_time is None and queue.after_hours == VirtualQueue.AfterHours.SCHEDULE_AT_OPENING
                  and not calling.is_callable(reach, now))
    if at_opening and (opening := first_offered_slot(queue, reach=reach, now=now)) is not None:
        desired_time = opening
    evaluate(CallbackRequest(queue=queue, phone_number=e164, region=region, desired_time=desired_time, now=now,
                             reach=reach))
    token = token or secrets.token_urlsafe(32)
    callback = Callback(
        queue=queue, phone_number=e164, first_name=first_name, last_name=last_name, email=email,
        notes=notes, desired_time=desired_time, customer_timezone=customer_timezone, channel=channel,
        context=context or {}, token_hash=hash_token(token), widget=widget,
        **reach_fields,
    )
    lifecycle.create(callback, actor=actor, user=user, now=now,
                     reason=lifecycle.SCHEDULED_AT_OPENING if desired_time is not None and at_opening else "")
    consent = Consent(callback=callback, given_at=now, channel=channel, widget=widget, api_key=api_key,
                      client_address=_address(client_address), text=consent_text or _default_consent(channel, user),
                      phone_number=e164)
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
    slots = bookable_slots(queue, start=today, days=queue.booking_horizon_days + 1, max_slots=FIRST_SLOTS,
                           now=now, reach=reach)
    free = slots_with_capacity(queue, slots)
    return free[0].slot.start if free else None


def _e164(callback: Callback) -> str:
    # A PhoneNumber from the database (shown as E.164, PHONENUMBER_DEFAULT_FORMAT), or a string just set.
    return str(callback.phone_number) if callback.phone_number else ""


def callback_reschedule(*, callback: Callback, desired_time: dt.datetime, actor: str, user=None,
                        now: dt.datetime | None = None) -> Callback:
    """Move a waiting callback to another time, through the same rules as a new one (it does not count itself).

    Raises ValidationError, IllegalTransition or Rejection (recorded).
    """
    now = now or timezone.now()
    # As for a create: the record of a refusal outlives the rolled-back move.
    with rejections_recorded(queue=callback.queue, widget=callback.widget_id and callback.widget,
                             channel=callback.channel, phone_number=_e164(callback),
                             desired_time=desired_time, action=RejectionRecord.Action.RESCHEDULE):
        with transaction.atomic():
            _check_desired_time(callback.queue, desired_time, now)
            # Lock so the release tick cannot queue it at the old time meanwhile.
            callback = Callback.objects.select_for_update().select_related("queue").get(pk=callback.pk)
            if not lifecycle.can(callback, "reschedule"):
                raise lifecycle.IllegalTransition(callback, "reschedule")
            try:
                evaluate(CallbackRequest(queue=callback.queue, phone_number=_e164(callback), region=None,
                                         desired_time=desired_time, now=now, moving=callback,
                                         reach=calling.reach_of(callback)))
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


def _early_release_leads(now: dt.datetime) -> list[tuple[VirtualQueue, dt.timedelta]]:
    """Each open queue with scheduled callbacks close enough to go early, and how early: the wait now, capped.

    Only open queues: one released before the office opens would be expired
    as left behind at closing time.
    """
    longest_cap = VirtualQueue.objects.aggregate(cap=Max("early_release_cap_minutes"))["cap"]
    if not longest_cap:
        return []
    soon = (Callback.objects.filter(state=State.SCHEDULED, due_at__gt=now,
                                    due_at__lte=now + dt.timedelta(minutes=longest_cap))
            .order_by().values("queue_id").distinct())
    queues = VirtualQueue.objects.filter(pk__in=soon, early_release_cap_minutes__gt=0).prefetch_related(
        "office_hours", "closed_dates")
    leads = ((queue, routing.early_release_lead(queue, queue_wait_for_early_release(queue)))
             for queue in queues if is_open(queue, now))
    return [(queue, lead) for queue, lead in leads if lead]


def callbacks_release_due(*, now: dt.datetime | None = None) -> int:
    """Scheduled and retrying callbacks whose time has come join their queue.

    A scheduled callback joins ahead of its desired time by its queue's current
    estimated wait, capped per queue, so an agent reaches the customer around
    the time they chose; its place in line is then its release time (on time
    or late, its desired time). A retry joins at its due time, in its old place.
    """
    now = now or timezone.now()
    ready = Q(due_at__lte=now)
    for queue, lead in _early_release_leads(now):
        ready |= Q(state=State.SCHEDULED, queue=queue, due_at__lte=now + lead)
    due = Callback.objects.filter(ready, state__in=[State.SCHEDULED, State.RETRY_WAIT])

    def release(callback: Callback) -> None:
        early = round((callback.due_at - now).total_seconds())
        if early > 0:
            # In line as a customer asking now: the lead is that customer's
            # wait, so an agent reaches it around its time. Left at its desired
            # time it would still wait behind everyone asking until then.
            lifecycle.release(callback, reason="early", metadata={"seconds_early": early}, place_at=now, now=now)
        else:
            lifecycle.release(callback, now=now)

    return _each_locked(due, release)


def callbacks_requeue_timed_out(*, now: dt.datetime | None = None) -> int:
    """Reservations an agent did not act on go back to the queue, and the agent is set away.

    An agent who let a reservation lapse is most likely not at their desk:
    left busy they would count as logged in for the estimated wait, left
    available they would be offered the next callback to lapse the same way.
    """
    now = now or timezone.now()
    stale = Callback.objects.filter(state=State.ASSIGNED, reservation_expires_at__lte=now)

    def requeue(callback: Callback) -> None:
        agent = callback.agent
        lifecycle.requeue(callback, reason="reservation_timeout", now=now)
        _leave_busy(agent, Agent.Status.AWAY, now)

    return _each_locked(stale, requeue)


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

    The row and its events stay, so reports still count them; of the consent,
    only when it was given and its digest.
    """
    now = now or timezone.now()
    days = callback_settings.retention_days if older_than_days is None else older_than_days
    old = Callback.objects.filter(state__in=TERMINAL_STATES, purged_at__isnull=True,
                                  ended_at__lte=now - dt.timedelta(days=days))

    def purge(callback: Callback) -> None:
        Callback.objects.filter(pk=callback.pk).update(
            phone_number="", first_name="", last_name="", email="", notes="", context={}, purged_at=now)
        # Agents' notes on a call are about the customer too.
        Attempt.objects.filter(callback=callback).update(notes="")
        Consent.objects.filter(callback=callback).update(phone_number="", client_address=None, text="", purged_at=now)

    return _each_locked(old, purge)


def troubleshooting_records_purge(*, older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete rule rejections and API problems older than the retention, so the tables stay small.

    Idempotency-Key answers go after a day (``IDEMPOTENCY_RETENTION``), whatever the retention.
    """
    now = now or timezone.now()
    days = callback_settings.troubleshooting_retention_days if older_than_days is None else older_than_days
    before = now - dt.timedelta(days=days)
    rejections, _ = RejectionRecord.objects.filter(created_at__lt=before).delete()
    problems, _ = ApiProblem.objects.filter(created_at__lt=before).delete()
    answers, _ = IdempotentRequest.objects.filter(created_at__lt=now - IDEMPOTENCY_RETENTION).delete()
    return rejections + problems + answers


# -- agents working callbacks ---------------------------------------------------------------------

RETRY_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL)
QUIET_HOURS = "outside_calling_window"
ATTEMPT_LIMIT = "attempt_limit"


class NotYourCallback(Exception):
    """The callback is not assigned to this agent (the agent API answers 404)."""


class AgentUnavailable(Exception):
    """An agent who is away or offline asked for a callback (the agent API answers 409)."""

    def __init__(self, agent: Agent):
        self.status = agent.status
        super().__init__(f"You are {agent.get_status_display().lower()}: set yourself available to take callbacks.")


def _lock_agent(agent: Agent) -> Agent:
    return Agent.objects.select_for_update(of=("self",)).select_related("user").get(pk=agent.pk)


def _lock_callback(callback: Callback) -> Callback:
    return Callback.objects.select_for_update(of=("self",)).select_related("queue").get(pk=callback.pk)


def _lock_own(callback: Callback, agent: Agent) -> Callback:
    """Lock the callback and make sure it is still the agent's: a supervisor may have taken it back."""
    callback = _lock_callback(callback)
    if callback.agent_id != agent.pk:
        raise NotYourCallback()
    return callback


def _set_status(agent: Agent, status: str, now: dt.datetime) -> None:
    if agent.status != status:
        Agent.objects.filter(pk=agent.pk).update(status=status, status_changed_at=now)
        agent.status, agent.status_changed_at = status, now


def _leave_busy(agent: Agent, status: str, now: dt.datetime) -> None:
    """From busy to ``status``, unless the agent chose another status meanwhile.

    Conditional rather than locked: a status set by a concurrent request
    stands, and no lock on the agent is taken while a callback is locked.
    """
    if Agent.objects.filter(pk=agent.pk, status=Agent.Status.BUSY).update(status=status, status_changed_at=now):
        agent.status, agent.status_changed_at = status, now


def _free(agent: Agent, now: dt.datetime) -> None:
    """Back to available after a callback."""
    _leave_busy(agent, Agent.Status.AVAILABLE, now)


def window_refusal(callback: Callback, opens: dt.datetime, *, why: str) -> Rejection:
    """What staff are told when a time or a dial is outside the customer's calling hours (422)."""
    zone = routing.dial_zone(callback)
    because = ("The number's calling policy allows no more attempts in 24 hours" if why == ATTEMPT_LIMIT
               else "Outside the customer's calling window")
    return Rejection(RejectionCode.OUTSIDE_CALLING_WINDOW,
                     f"{because}: they may be called from "
                     f"{opens.astimezone(zone):%a %d %b %H:%M} ({zone.key}, the customer's time).",
                     next_window_opens_at=opens.astimezone(dt.timezone.utc).isoformat(),
                     next_window_opens_local=opens.astimezone(zone).isoformat())


def dial_blocked_until(callback: Callback, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """None when the customer may be dialled now; else until when not, and why (a reason code).

    Their calling window (queue and policies, in each of their zones) first,
    then the policies' attempts per number per rolling 24 hours, counted over
    every callback of the number.
    """
    reach = calling.reach_of(callback)
    if (opens := calling.quiet_until(reach, now)) is not None:
        return opens, QUIET_HOURS
    limits = [policy.max_attempts_per_24h for policy in reach.policies if policy.max_attempts_per_24h]
    if not limits or not callback.phone_number:
        return None
    recent = list(Attempt.objects.filter(callback__phone_number=callback.phone_number,
                                         started_at__gt=now - dt.timedelta(hours=24))
                  .order_by("-started_at").values_list("started_at", flat=True)[:min(limits)])
    if len(recent) < min(limits):
        return None
    # Dialable again once the oldest attempt that counts leaves the 24 hours, inside the window.
    freed = recent[-1] + dt.timedelta(hours=24)
    return calling.next_callable(reach, freed) or freed + calling.LOOKAHEAD, ATTEMPT_LIMIT


@transaction.atomic
def callback_start(*, callback: Callback, agent: Agent, now: dt.datetime | None = None) -> Callback:
    """The agent starts dialling the callback reserved for them."""
    callback = _lock_own(callback, agent)
    lifecycle.start(callback, user=agent.user, now=now)
    return callback


@transaction.atomic
def callback_record_outcome(*, callback: Callback, agent: Agent, outcome: str, notes: str = "",
                            now: dt.datetime | None = None) -> Callback:
    """End the agent's dial with its outcome, and the callback as the queue's retry policy says.

    connected completes it; no answer, busy and voicemail try again after the
    queue's retry delay until its maximum attempts, then fail it
    (``attempts_exhausted``); a wrong number fails it; a customer who declines
    cancels it. The agent is available again.
    """
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": f"Unknown outcome “{outcome}”."})
    callback = _lock_own(callback, agent)
    if callback.state != State.IN_PROGRESS:
        raise lifecycle.IllegalTransition(callback, "record the outcome of")
    moves = {"actor": Actor.AGENT, "user": agent.user, "notes": notes, "now": now}
    queue = callback.queue
    if outcome == Outcome.CONNECTED:
        lifecycle.complete(callback, **moves)
    elif outcome in RETRY_OUTCOMES and callback.attempts < queue.max_attempts:
        lifecycle.retry(callback, outcome=outcome, due_at=now + dt.timedelta(minutes=queue.retry_delay_minutes),
                        **moves)
    elif outcome in RETRY_OUTCOMES:
        lifecycle.fail(callback, reason="attempts_exhausted", outcome=outcome, **moves)
    elif outcome == Outcome.WRONG_NUMBER:
        lifecycle.fail(callback, reason=Outcome.WRONG_NUMBER, outcome=outcome, **moves)
    else:
        lifecycle.cancel(callback, reason=Outcome.CUSTOMER_DECLINED, outcome=outcome, **moves)
    _free(agent, now)
    return callback


@transaction.atomic
def callback_release(*, callback: Callback, agent: Agent, reject: bool = False,
                     now: dt.datetime | None = None) -> Callback:
    """The agent gives a reserved callback back, keeping its place in line.

    ``reject``: after the preview, the agent will not take it; another agent
    gets it, and the queue's maximum rejections flag it for supervisors.
    """
    now = now or timezone.now()
    callback = _lock_own(callback, agent)
    if reject:
        lifecycle.reject(callback, user=agent.user, now=now)
    else:
        lifecycle.requeue(callback, reason="released_by_agent", actor=Actor.AGENT, user=agent.user, now=now)
    _free(agent, now)
    return callback


@transaction.atomic
def agent_set_status(*, agent: Agent, status: str, now: dt.datetime | None = None) -> Agent:
    """Set the agent's status; going away or offline gives a reservation back at once, not at its timeout."""
    now = now or timezone.now()
    if status not in Agent.Status.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    agent = _lock_agent(agent)
    if status in (Agent.Status.AWAY, Agent.Status.OFFLINE):
        # SKIP LOCKED: a reservation locked right now is being started or
        # released by another request; waiting for it while holding the agent
        # could deadlock with one that locks the callback, then the agent.
        reserved = Callback.objects.filter(agent=agent, state=State.ASSIGNED)
        for callback in reserved.select_for_update(skip_locked=True, of=("self",)).select_related("queue"):
            lifecycle.requeue(callback, reason="agent_unavailable", actor=Actor.AGENT, user=agent.user, now=now)
    _set_status(agent, status, now)
    return agent


# -- supervisors ----------------------------------------------------------------------------------

@transaction.atomic
def callback_assign_to(*, callback: Callback, agent: Agent, user, now: dt.datetime | None = None) -> Callback:
    """A supervisor hands a waiting or reserved callback to a named agent, ahead of the line."""
    now = now or timezone.now()
    # Callback, then agent: the order every blocking lock here is taken in (a
    # claim locks the agent first but never waits for a callback), so no two
    # requests wait for each other. The agent's lock keeps them from claiming
    # another callback meanwhile.
    callback = _lock_callback(callback)
    agent = _lock_agent(agent)
    if not routing.can_serve(agent, callback.queue):
        raise ValidationError({"agent": f"{agent} does not serve {callback.queue} or lacks its skills."})
    # Checked under the agent's lock for a clear answer; the unique callback_held index is the backstop.
    if (held := callback_held_by(agent)) is not None and held.pk != callback.pk:
        raise ValidationError({"agent": f"{agent} is already working another callback."})
    if callback.state == State.ASSIGNED and callback.agent_id == agent.pk:
        return callback
    if (blocked := dial_blocked_until(callback, now)) is not None:
        opens, why = blocked
        raise window_refusal(callback, opens, why=why)
    staff = {"actor": Actor.STAFF, "user": user, "now": now}
    if callback.state in (State.SCHEDULED, State.RETRY_WAIT):
        lifecycle.release(callback, reason="assigned_by_supervisor", **staff)
    elif callback.state == State.ASSIGNED:
        previous = callback.agent
        lifecycle.requeue(callback, reason="reassigned", **staff)
        _free(previous, now)
    lifecycle.assign(callback, agent=agent, reason="assigned_by_supervisor", **staff)
    _set_status(agent, Agent.Status.BUSY, now)
    return callback


@transaction.atomic
def callback_requeue(*, callback: Callback, user, now: dt.datetime | None = None) -> Callback:
    """A supervisor takes a reserved callback back from its agent, or puts a waiting one in line now."""
    now = now or timezone.now()
    callback = _lock_callback(callback)
    staff = {"actor": Actor.STAFF, "user": user, "now": now}
    if callback.state in (State.SCHEDULED, State.RETRY_WAIT):
        lifecycle.release(callback, reason="requeued_by_supervisor", **staff)
        return callback
    agent = callback.agent
    lifecycle.requeue(callback, reason="requeued_by_supervisor", **staff)
    _free(agent, now)
    return callback
