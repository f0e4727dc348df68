"""The beat's moves, set-based and in batches: release what is due, requeue lapsed reservations, expire, purge."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from queues import routing
from queues.hours import is_open
from queues.models import Agent, VirtualQueue

from .. import lifecycle
from ..conf import callback_settings
from ..models import (
    TERMINAL_STATES,
    ApiProblem,
    Attempt,
    Callback,
    CallbackEvent,
    Consent,
    IdempotentRequest,
    RejectionRecord,
    State,
)
from ..selectors import queue_wait_for_early_release
from .agents import _leave_busy
from .idempotency import IDEMPOTENCY_RETENTION

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor

BATCH_SIZE = 500


def _each_locked(queryset: QuerySet, move) -> int:
    """Apply ``move`` to every row of ``queryset``, batch by batch, one transaction a batch.

    SKIP LOCKED lets two beat runs (or a beat run and an agent) work at once:
    each takes rows the other has not locked, so nothing is moved twice and
    nobody waits. Moved rows leave the queryset, so the loop ends.
    """
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.select_for_update(skip_locked=True, of=("self",))
                .select_related("queue")
                .order_by("pk")[:BATCH_SIZE]
            )
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
    soon = (
        Callback.objects.filter(
            state=State.SCHEDULED, due_at__gt=now, due_at__lte=now + dt.timedelta(minutes=longest_cap)
        )
        .order_by()
        .values("queue_id")
        .distinct()
    )
    queues = VirtualQueue.objects.filter(pk__in=soon, early_release_cap_minutes__gt=0).prefetch_related(
        "office_hours", "closed_dates"
    )
    leads = (
        (queue, routing.early_release_lead(queue, queue_wait_for_early_release(queue)))
        for queue in queues
        if is_open(queue, now)
    )
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
        assert callback.due_at is not None  # callback_due_fits_state: scheduled and retrying ones have it
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
        assert agent is not None  # callback_agent_fits_state: an assigned one has its agent
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
    old = Callback.objects.filter(
        state__in=TERMINAL_STATES, purged_at__isnull=True, ended_at__lte=now - dt.timedelta(days=days)
    )

    def purge(callback: Callback) -> None:
        Callback.objects.filter(pk=callback.pk).update(
            phone_number="", first_name="", last_name="", email="", notes="", context={}, purged_at=now
        )
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
