"""The callback state machine: the one place a callback changes state.

Each transition is a function that checks the move is legal, updates the row
and writes a ``CallbackEvent`` in the same transaction. Reports, webhooks and
push notifications start from those events. Callers lock the row first when
they decide something from its state (``select_for_update``); the update here
is also conditional on the state it was read in, so a caller that did not lock
cannot overwrite a concurrent move.
"""

import contextlib
import datetime as dt
import functools
import logging
import weakref
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from queues import calling
from queues.models import Agent, AgentSkill, CallingPolicy, QueueSkill, VirtualQueue

from .models import OPEN_STATES, Attempt, Callback, CallbackEvent, Outcome, State

logger = logging.getLogger(__name__)

Actor = CallbackEvent.Actor
REJECTED = "rejected"
CLAIMED = "claimed"
# A created callback asked for "as soon as possible" outside the customer's calling window.
SCHEDULED_AT_OPENING = "scheduled_at_opening"


class IllegalTransition(Exception):
    """A move the state machine does not allow from the callback's state (HTTP 409)."""

    def __init__(self, callback: Callback, transition: str):
        self.state = callback.state
        self.transition = transition
        super().__init__(f"Cannot {transition} a callback that is {callback.get_state_display().lower()}.")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: State
    event: str


def _t(name, sources, target, event):
    return Transition(name, frozenset(sources), target, event)


TRANSITIONS = {
    t.name: t
    for t in (
        _t("release", {State.SCHEDULED, State.RETRY_WAIT}, State.QUEUED, "released"),
        _t("assign", {State.QUEUED}, State.ASSIGNED, "assigned"),
        _t("requeue", {State.ASSIGNED}, State.QUEUED, "requeued"),
        _t("start", {State.ASSIGNED}, State.IN_PROGRESS, "started"),
        _t("complete", {State.IN_PROGRESS}, State.COMPLETED, "completed"),
        _t("retry", {State.IN_PROGRESS}, State.RETRY_WAIT, "retry_scheduled"),
        _t("fail", {State.IN_PROGRESS}, State.FAILED, "failed"),
        _t("cancel", OPEN_STATES, State.CANCELED, "canceled"),
        _t("expire", {State.SCHEDULED, State.QUEUED, State.RETRY_WAIT}, State.EXPIRED, "expired"),
        _t("reschedule", {State.SCHEDULED, State.QUEUED, State.RETRY_WAIT}, State.SCHEDULED, "rescheduled"),
    )
}


def can(callback: Callback, transition: str) -> bool:
    return callback.state in TRANSITIONS[transition].sources


def _seconds(since: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if since is None else max(0, round((now - since).total_seconds()))


def _instant(callback: Callback, now: dt.datetime | None) -> dt.datetime:
    """The time of a move on ``callback``: ``now``, or its last change when that is later.

    A request reads the clock when it starts; one that then waited on the row's
    lock behind another move (a claim behind a requeue) would otherwise log its
    move earlier than the one it follows. Read from the locked row, and checked
    by _move's compare-and-set, so a callback's times never go backwards.
    """
    return max(now or timezone.now(), callback.state_changed_at)


def _move(callback: Callback, name: str, *, actor: str, user=None, reason: str = "",
          metadata: dict | None = None, now: dt.datetime | None = None, **changes) -> CallbackEvent:
    transition = TRANSITIONS[name]
    if callback.state not in transition.sources:
        raise IllegalTransition(callback, name)
    now = _instant(callback, now)
    from_state = callback.state
    changes |= {"state": transition.target, "state_changed_at": now, "updated_at": now}
    event_metadata = {
        "attempt": changes.get("attempts", callback.attempts),
        "seconds_since_created": _seconds(callback.created_at, now),
        "seconds_in_previous_state": _seconds(callback.state_changed_at, now),
        **(metadata or {}),
    }
    # No savepoint inside a caller's transaction (two round trips on every
    # move): an error between the update and its event dooms that whole
    # transaction instead, so a state change never commits without its event.
    with transaction.atomic(savepoint=False):
        # Compare-and-set on the state it was read in, and on when that began: if
        # another process moved the callback meanwhile (even away and back), this
        # matches no row and nothing is written; the time above is not behind it.
        moved = Callback.objects.filter(pk=callback.pk, state=from_state,
                                        state_changed_at=callback.state_changed_at).update(**changes)
        if moved:
            for field, value in changes.items():
                setattr(callback, field, value)
            event = CallbackEvent.objects.create(
                callback=callback, type=transition.event, from_state=from_state, to_state=transition.target,
                created_at=now, actor=actor, actor_user=user, reason=reason, metadata=event_metadata,
            )
    # Raised outside the block: nothing was written, so the caller's transaction may go on.
    if not moved:
        callback.refresh_from_db(fields=["state", "state_changed_at"])
        raise IllegalTransition(callback, name)
    return event


@transaction.atomic
def create(callback: Callback, *, actor: str, user=None, reason: str = "",
           now: dt.datetime | None = None) -> CallbackEvent:
    """Insert a new callback: scheduled when its desired time is ahead, else queued."""
    now = now or timezone.now()
    scheduled = callback.desired_time is not None and callback.desired_time > now
    callback.state = State.SCHEDULED if scheduled else State.QUEUED
    callback.created_at = callback.state_changed_at = now
    callback.due_at = callback.desired_time if scheduled else None
    callback.queued_at = None if scheduled else now
    callback.place_at = callback.desired_time or now
    if not callback.dial_timezone:
        for field, value in calling.booking_fields(callback.queue, customer_timezone=callback.customer_timezone,
                                                   phone_number=callback.phone_number).items():
            setattr(callback, field, value)
    callback.expires_at = (callback.desired_time if scheduled else now) + dt.timedelta(
        minutes=callback.queue.max_wait_minutes)
    callback.save(force_insert=True)
    return CallbackEvent.objects.create(
        callback=callback, type="created", from_state="", to_state=callback.state, created_at=now,
        actor=actor, actor_user=user, reason=reason, metadata={"attempt": 0, "channel": callback.channel,
                                                "scheduled": scheduled},
    )


def release(callback: Callback, *, actor: str = Actor.SYSTEM, user=None, reason: str = "due",
            metadata: dict | None = None, place_at: dt.datetime | None = None,
            now: dt.datetime | None = None) -> CallbackEvent:
    """Into its queue; ``place_at`` moves its place in line (an early release), else it keeps it."""
    now = _instant(callback, now)
    return _move(callback, "release", actor=actor, user=user, reason=reason, metadata=metadata, now=now,
                 due_at=None, queued_at=callback.queued_at or now, place_at=place_at or callback.place_at)


def assign(callback: Callback, *, agent: Agent, actor: str = Actor.AGENT, user=None, reason: str = CLAIMED,
           now: dt.datetime | None = None) -> CallbackEvent:
    now = _instant(callback, now)
    timeout = dt.timedelta(seconds=callback.queue.reservation_timeout_seconds)
    return _move(callback, "assign", actor=actor, user=user, reason=reason, now=now,
                 metadata={"agent_id": agent.pk}, agent=agent, assigned_at=now,
                 reservation_expires_at=now + timeout)


# -- the claim in one round trip (PostgreSQL) -----------------------------------------------------

UNDECIDED = object()
"""What ``assign_next`` answers when it cannot decide simply: the caller takes the Python path."""

# The dial zone is trusted in SQL only when it reads as an IANA region/city name (or UTC), which
# PostgreSQL and zoneinfo know alike; abbreviations and POSIX strings PostgreSQL accepts and
# zoneinfo does not would set a different window, so those claims go the Python way.
_IANA_ZONE = r"^([A-Za-z][A-Za-z_-]*(/[A-Za-z0-9_+-]+)+|UTC)$"


def _literal(value: str) -> str:
    # Only the state machine's own constants are inlined; user data always goes as parameters.
    assert value.replace("_", "").isalnum(), value
    return f"'{value}'"


@functools.cache
def _assign_next_sql() -> tuple[str, str]:
    """The claim's SQL, built once per process from the models and TRANSITIONS: (lock, claim).

    The lock statement takes the agent's row; the claim, a data-modifying CTE,
    does the rest. ``assign_next`` sends them in one query string without a
    transaction around them, which PostgreSQL runs as one implicit
    transaction: one round trip, and no BEGIN or COMMIT to send. They must be
    two statements: in READ COMMITTED each reads a snapshot taken when it
    starts, so "what does the agent hold" has to be read after the lock is
    granted. In one statement it would be read before waiting on another
    claim by the same agent (two tabs, a double click), and both would
    reserve one. The claim takes $1 (the agent) and $2 (now), to be prepared.
    """
    t = TRANSITIONS["assign"]
    [source] = t.sources
    held = ", ".join(_literal(s) for s in (State.ASSIGNED, State.IN_PROGRESS))
    callback_columns = ", ".join(f"c.{f.column}" for f in Callback._meta.concrete_fields)
    queue_columns = ", ".join(f"q.{f.column} AS q_{f.column}" for f in VirtualQueue._meta.concrete_fields)
    returned = ", ".join(f"k.{f.column}" for f in Callback._meta.concrete_fields)
    returned_queue = ", ".join(f"j.q_{f.column}" for f in VirtualQueue._meta.concrete_fields)
    lock = f"SELECT id, status FROM {Agent._meta.db_table} WHERE id = $1 FOR UPDATE"
    logged_in = ", ".join(_literal(s) for s in (Agent.Status.AVAILABLE, Agent.Status.BUSY))
    claim = f"""
WITH held AS (
    -- Read after the lock above: the callback_held partial index, never the agent's history.
    SELECT FROM {Callback._meta.db_table} WHERE agent_id = %(agent)s AND state IN ({held}) LIMIT 1
), served AS (
    -- routing.queues_served_by: served, and every required skill held at its minimum level.
    SELECT {queue_columns}
      FROM {Agent.queues.through._meta.db_table} aq JOIN {VirtualQueue._meta.db_table} q ON q.id = aq.virtualqueue_id
     WHERE aq.agent_id = %(agent)s AND NOT EXISTS (SELECT FROM held)
       -- services.callback_claim_next refuses an agent who is away or offline.
       AND EXISTS (SELECT FROM {Agent._meta.db_table} me WHERE me.id = %(agent)s AND me.status IN ({logged_in}))
       AND NOT EXISTS (SELECT FROM {QueueSkill._meta.db_table} need
                        WHERE need.queue_id = q.id
                          AND NOT EXISTS (SELECT FROM {AgentSkill._meta.db_table} has
                                           WHERE has.agent_id = %(agent)s AND has.skill_id = need.skill_id
                                             AND has.level >= need.min_level))
), head AS (
    -- routing.claimable, one queue at a time down the callback_claim index, then the best head
    -- by queue priority and place in line. SKIP LOCKED: agents claiming at the same moment each
    -- lock a different row; a row another claim has locked is passed over, never waited for nor
    -- taken twice, and not lost either: that claim assigns it or leaves it queued. A row another
    -- claim assigned and committed since this statement's snapshot is re-read when locked and
    -- no longer matches state = queued, so the scan goes on to the next.
    SELECT s.*, c.*
      FROM served s CROSS JOIN LATERAL (
           SELECT {callback_columns}
             FROM {Callback._meta.db_table} c
            WHERE c.queue_id = s.q_id AND c.state = {_literal(source)}
              AND (c.hold_until IS NULL OR c.hold_until <= %(now)s)
              AND (c.rejections = 0 OR NOT EXISTS (
                   SELECT FROM {CallbackEvent._meta.db_table} e
                    WHERE e.callback_id = c.id AND e.type = {_literal(TRANSITIONS["requeue"].event)}
                      AND e.reason = {_literal(REJECTED)} AND e.metadata -> 'agent_id' = to_jsonb(%(agent)s::bigint)))
            ORDER BY c.place_at, c.id
            LIMIT 1 FOR UPDATE SKIP LOCKED) c
     ORDER BY s.q_priority DESC, c.place_at, c.id
     LIMIT 1
), zoned AS (
    -- Only the queue's window in one zone is judged here: a traveller's second zone, or a calling
    -- policy of the number's country, goes the Python way (queues.calling).
    SELECT h.*, CASE WHEN h.dial_timezone = '' THEN h.q_time_zone
                     WHEN h.dial_timezone ~ '{_IANA_ZONE}' THEN h.dial_timezone END AS zone,
           h.number_timezone = '' AND NOT EXISTS (
               SELECT FROM {CallingPolicy._meta.db_table} p WHERE p.active AND p.country = h.calling_country) AS simple
      FROM head h
), judged AS (
    -- calling.quiet_until, decided here only when the zone keeps one UTC offset for two days
    -- either side: then every local time of the window exists once, and PostgreSQL and
    -- zoneinfo turn it into the same instant (across a DST change they resolve an ambiguous
    -- hour differently). Otherwise, or outside the window, the Python path holds or expires it.
    SELECT z.*, w.opens <= %(now)s AND %(now)s < w.closes AS callable,
           (%(now)s - interval '2 days') AT TIME ZONE z.zone - (%(now)s - interval '2 days') AT TIME ZONE 'UTC'
           = (%(now)s + interval '2 days') AT TIME ZONE z.zone - (%(now)s + interval '2 days') AT TIME ZONE 'UTC'
           AS steady
      FROM zoned z CROSS JOIN LATERAL (
           SELECT (d.day + z.q_calling_window_start) AT TIME ZONE z.zone AS opens,
                  (CASE WHEN z.q_calling_window_end = '00:00' THEN d.day + 1 ELSE d.day END
                   + z.q_calling_window_end) AT TIME ZONE z.zone AS closes
             FROM (SELECT (%(now)s AT TIME ZONE z.zone)::date AS day) d) w
), claimed AS (
    -- lifecycle.assign, through _move: the same columns, compare-and-set on the state, and
    -- _instant's time: never before the locked row's last change, which a claim that read
    -- the clock before waiting on it would otherwise precede.
    UPDATE {Callback._meta.db_table} c
       SET state = {_literal(t.target)}, agent_id = %(agent)s,
           assigned_at = greatest(%(now)s, c.state_changed_at),
           reservation_expires_at = greatest(%(now)s, c.state_changed_at)
                                    + j.q_reservation_timeout_seconds * interval '1 second',
           state_changed_at = greatest(%(now)s, c.state_changed_at),
           updated_at = greatest(%(now)s, c.state_changed_at)
      FROM judged j
     WHERE c.id = j.id AND c.state = {_literal(source)} AND j.callable AND j.steady AND j.simple
 RETURNING {callback_columns}
), logged AS (
    -- _move's event: metadata attempt, seconds_since_created, seconds_in_previous_state, then assign's agent_id.
    INSERT INTO {CallbackEvent._meta.db_table}
           (callback_id, type, from_state, to_state, created_at, actor, actor_user_id, reason, metadata)
    SELECT k.id, {_literal(t.event)}, {_literal(source)}, {_literal(t.target)}, k.state_changed_at,
           {_literal(Actor.AGENT)}, a.user_id, {_literal(CLAIMED)},
           jsonb_build_object(
               'attempt', k.attempts,
               'seconds_since_created',
               greatest(0, round(extract(epoch FROM k.state_changed_at - j.created_at)::float8)::bigint),
               'seconds_in_previous_state',
               greatest(0, round(extract(epoch FROM k.state_changed_at - j.state_changed_at)::float8)::bigint),
               'agent_id', %(agent)s::bigint)
      FROM claimed k JOIN judged j ON j.id = k.id JOIN {Agent._meta.db_table} a ON a.id = %(agent)s
    RETURNING id
), busy AS (
    -- services._set_status: busy, and its time, only when that is a change.
    UPDATE {Agent._meta.db_table} SET status = {_literal(Agent.Status.BUSY)}, status_changed_at = %(now)s
     WHERE id = %(agent)s AND status <> {_literal(Agent.Status.BUSY)} AND EXISTS (SELECT FROM claimed)
)
-- Whether the agent holds one, whether a head was found, whether it was claimed and logged.
SELECT EXISTS (SELECT FROM held), j.id IS NOT NULL, (SELECT count(*) FROM logged) = 1, {returned}, {returned_queue}
  FROM (VALUES (1)) one LEFT JOIN judged j ON true LEFT JOIN claimed k ON k.id = j.id
"""
    return lock, claim.replace("%(agent)s", "$1").replace("%(now)s", "$2")


# Per database session, both statements are prepared once (PREPARE outlives transactions and
# errors), so a claim runs cached plans rather than parsed and planned afresh. None: unknown.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PREPARED_NAME = "callbacks_assign_next"
_PREPARED_LOCK = "callbacks_assign_next_lock"


def _prepare_prefix() -> str:
    """The two ``PREPARE …;`` to send ahead of the claim when this session may not have them, else nothing."""
    raw = connection.connection
    known = _prepared.get(raw, False)
    if known is None:  # an earlier claim failed: ask the session
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements WHERE name IN (%s, %s)",
                           [_PREPARED_LOCK, _PREPARED_NAME])
            found = [name for (name,) in cursor.fetchall()]
            known = _prepared[raw] = len(found) == 2
            if not known:  # one of the two, or none: prepare both afresh
                for name in found:
                    cursor.execute(f"DEALLOCATE {name}")
    if known:
        return ""
    lock, claim = _assign_next_sql()
    return (f"PREPARE {_PREPARED_LOCK} (bigint) AS {lock};\n"
            f"PREPARE {_PREPARED_NAME} (bigint, timestamptz) AS {claim};\n")


@functools.cache
def _loading(model) -> tuple[list[str], list[tuple[int, object]]]:
    """A model's concrete attnames, and the fields whose values Django converts when read (JSON, phone, zone)."""
    fields = model._meta.concrete_fields
    return ([field.attname for field in fields],
            [(i, field) for i, field in enumerate(fields) if hasattr(field, "from_db_value")])


def _instance(model, values):
    """A model instance from a row of its concrete columns, converted as Django converts them."""
    attnames, converted = _loading(model)
    values = list(values)
    for i, field in converted:
        if values[i] is not None:
            values[i] = field.from_db_value(values[i], None, connection)
    return model.from_db(connection.alias, attnames, values)


def assign_next(agent: Agent, *, now: dt.datetime | None = None) -> Callback | None | object:
    """Reserve the next callback for ``agent`` in one round trip: the common case of a claim.

    The same move as ``assign`` (row and event) on the head of line
    ``routing.claimable`` would pick across the agent's queues, and the agent
    set busy. Answers the callback (its queue attached), None when nothing is
    waiting for the agent, or UNDECIDED, having written nothing, whenever the
    claim needs more than that: the agent already holds a callback, the head
    is outside the customer's calling window (hold or expire), the dial zone
    or a DST change is not simple. Only on PostgreSQL; UNDECIDED elsewhere,
    and with server-side binding.
    """
    # Several statements in one execute need psycopg's client-side binding, Django's default.
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("server_side_binding"):
        return UNDECIDED
    now = now or timezone.now()
    connection.ensure_connection()
    raw = connection.connection
    try:
        # Inside a caller's transaction, a savepoint, so an error (a zone PostgreSQL does not
        # know) leaves that transaction usable for the Python path.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            prefix = _prepare_prefix()
            with connection.cursor() as cursor:
                cursor.execute(f"{prefix}EXECUTE {_PREPARED_LOCK} (%(agent)s);\n"
                               f"EXECUTE {_PREPARED_NAME} (%(agent)s, %(now)s)", {"agent": agent.pk, "now": now})
                if prefix:
                    _prepared[raw] = True
                    cursor.nextset()
                    cursor.nextset()
                locked = cursor.fetchone()
                cursor.nextset()
                row = cursor.fetchone()
    except DatabaseError as error:
        # Rolled back whole (a zone PostgreSQL does not know, a lost prepared statement): nothing was written.
        logger.info("claim for agent %s goes the Python way: %s", agent.pk, error)
        _prepared[raw] = None
        return UNDECIDED
    if locked is None or locked[1] not in (Agent.Status.AVAILABLE, Agent.Status.BUSY):
        return UNDECIDED  # no such agent, or one away: the Python path says so
    held, found, claimed = row[:3]
    if held or (found and not claimed):
        return UNDECIDED
    if not found:
        return None
    callback_fields = len(Callback._meta.concrete_fields)
    callback = _instance(Callback, row[3:3 + callback_fields])
    callback.queue = _instance(VirtualQueue, row[3 + callback_fields:])
    return callback


def requeue(callback: Callback, *, reason: str, actor: str = Actor.SYSTEM, user=None,
            now: dt.datetime | None = None) -> CallbackEvent:
    """Give an assigned callback back to its queue (timeout, released, rejected)."""
    return _move(callback, "requeue", actor=actor, user=user, reason=reason, now=now,
                 metadata={"agent_id": callback.agent_id}, agent=None, reservation_expires_at=None)


def reject(callback: Callback, *, actor: str = Actor.AGENT, user=None,
           now: dt.datetime | None = None) -> CallbackEvent:
    """The agent previewed the callback and will not take it: back to its place in line, for another agent.

    The caller locks the row, as the count is read from it. After the queue's
    maximum rejections it is flagged for supervisors (and stays in line).
    """
    rejections = callback.rejections + 1
    flagged = callback.flagged or rejections >= callback.queue.max_rejections
    return _move(callback, "requeue", actor=actor, user=user, reason=REJECTED, now=now,
                 metadata={"agent_id": callback.agent_id, "rejections": rejections, "flagged": flagged},
                 agent=None, reservation_expires_at=None, rejections=rejections, flagged=flagged)


def hold(callback: Callback, *, until: dt.datetime, reason: str, now: dt.datetime | None = None) -> CallbackEvent:
    """Keep a queued callback from agents until ``until``; it keeps its place in line.

    Not a change of state, but logged like one so reports can tell why it waited.
    """
    now = _instant(callback, now)
    # Conditional like _move: a callback moved meanwhile is not held.
    if callback.state != State.QUEUED or not Callback.objects.filter(pk=callback.pk, state=State.QUEUED).update(
            hold_until=until, updated_at=now):
        raise IllegalTransition(callback, "hold")
    callback.hold_until = until
    return CallbackEvent.objects.create(
        callback=callback, type="held", from_state=State.QUEUED, to_state=State.QUEUED, created_at=now,
        actor=Actor.SYSTEM, reason=reason, metadata={"attempt": callback.attempts, "hold_until": until.isoformat()})


def _close_attempt(callback: Callback, *, outcome: Outcome | str, notes: str, now: dt.datetime) -> None:
    """The dial in progress, if any, ends with the outcome."""
    Attempt.objects.filter(callback=callback, ended_at__isnull=True).update(ended_at=now, outcome=outcome,
                                                                           notes=notes)


@transaction.atomic
def start(callback: Callback, *, actor: str = Actor.AGENT, user=None,
          now: dt.datetime | None = None) -> CallbackEvent:
    """Dialling begins: one more attempt, and its row."""
    now = _instant(callback, now)
    event = _move(callback, "start", actor=actor, user=user, reason="dialing", now=now,
                  metadata={"agent_id": callback.agent_id}, attempts=callback.attempts + 1, started_at=now,
                  reservation_expires_at=None)
    Attempt.objects.create(callback=callback, number=callback.attempts, agent_id=callback.agent_id, started_at=now)
    return event


@transaction.atomic
def complete(callback: Callback, *, actor: str = Actor.AGENT, user=None, notes: str = "",
             now: dt.datetime | None = None) -> CallbackEvent:
    now = _instant(callback, now)
    event = _move(callback, "complete", actor=actor, user=user, reason=Outcome.CONNECTED, now=now,
                  metadata={"agent_id": callback.agent_id}, outcome=Outcome.CONNECTED, ended_at=now)
    _close_attempt(callback, outcome=Outcome.CONNECTED, notes=notes, now=now)
    return event


@transaction.atomic
def retry(callback: Callback, *, outcome: Outcome, due_at: dt.datetime, actor: str = Actor.AGENT, user=None,
          notes: str = "", now: dt.datetime | None = None) -> CallbackEvent:
    """An attempt failed in a way worth trying again later."""
    now = _instant(callback, now)
    event = _move(callback, "retry", actor=actor, user=user, reason=outcome, now=now,
                  metadata={"agent_id": callback.agent_id, "due_at": due_at.isoformat()},
                  outcome=outcome, due_at=due_at, agent=None)
    _close_attempt(callback, outcome=outcome, notes=notes, now=now)
    return event


@transaction.atomic
def fail(callback: Callback, *, reason: str, outcome: Outcome, actor: str = Actor.AGENT, user=None,
         notes: str = "", now: dt.datetime | None = None) -> CallbackEvent:
    """Attempts exhausted or the number is wrong."""
    now = _instant(callback, now)
    event = _move(callback, "fail", actor=actor, user=user, reason=reason, now=now,
                  metadata={"agent_id": callback.agent_id}, outcome=outcome, ended_at=now)
    _close_attempt(callback, outcome=outcome, notes=notes, now=now)
    return event


@transaction.atomic
def cancel(callback: Callback, *, actor: str, reason: str, user=None, outcome: Outcome | str = "",
           notes: str = "", now: dt.datetime | None = None) -> CallbackEvent:
    now = _instant(callback, now)
    changes = {"ended_at": now, "reservation_expires_at": None}
    if outcome:
        changes["outcome"] = outcome
    # An agent's call can end in a cancel (the customer declined): reports credit it to them.
    metadata = {"agent_id": callback.agent_id} if callback.agent_id else None
    event = _move(callback, "cancel", actor=actor, user=user, reason=reason, metadata=metadata, now=now, **changes)
    _close_attempt(callback, outcome=outcome, notes=notes, now=now)
    return event


def expire(callback: Callback, *, reason: str, now: dt.datetime | None = None) -> CallbackEvent:
    now = _instant(callback, now)
    return _move(callback, "expire", actor=Actor.SYSTEM, reason=reason, now=now, ended_at=now)


def reschedule(callback: Callback, *, desired_time: dt.datetime, actor: str, user=None,
               now: dt.datetime | None = None) -> CallbackEvent:
    expires_at = desired_time + dt.timedelta(minutes=callback.queue.max_wait_minutes)
    return _move(callback, "reschedule", actor=actor, user=user, reason="new_time", now=now,
                 metadata={"previous_desired_time": callback.desired_time and callback.desired_time.isoformat(),
                           "desired_time": desired_time.isoformat()},
                 desired_time=desired_time, due_at=desired_time, expires_at=expires_at,
                 place_at=desired_time, hold_until=None)
