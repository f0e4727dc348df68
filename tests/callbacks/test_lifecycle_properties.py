"""Property tests of the callback state machine over the real services and database.

Hypothesis plays customers, agents, staff, the clock and the beat in any order;
after every step each callback must be in a legal state with an event log that
replays to it, and no agent may hold more than one callback. Moves the rules
refuse (illegal transitions, duplicates, an agent away) are part of the game:
the step is refused and the state must still hold.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from callbacks import claim, services
from callbacks.lifecycle import TRANSITIONS, IllegalTransition
from callbacks.models import OPEN_STATES, TERMINAL_STATES, Attempt, Callback, CallbackEvent, Outcome, State
from callbacks.selectors import callback_held_by
from queues.models import Agent, VirtualQueue
from queues.selectors import agents_able_to_serve
from rules.engine import Rejection
from tests.conftest import SUITE_STARTS_AT
from tests.factories import AgentFactory, AgentSkillFactory, QueueFactory, QueueSkillFactory, SkillFactory, UserFactory

pytestmark = pytest.mark.postgres

Actor = CallbackEvent.Actor
# Dutch numbers: no calling policy, so only the queue's (always open) window applies and every claim can be decided.
NUMBERS = [f"+3120123456{digit}" for digit in range(8)]
# What the services answer a move they do not allow: refused, and the state must be as before.
REFUSED = (
    IllegalTransition,
    services.AgentUnavailable,
    services.NotYourCallback,
    services.DuplicateCallback,
    Rejection,
    ValidationError,
)
WAITING = (State.SCHEDULED, State.QUEUED, State.RETRY_WAIT)
HELD = (State.ASSIGNED, State.IN_PROGRESS)
# The agents who act themselves: the two who may serve the queue. Staff may pick the third, and are refused.
WORKERS = st.integers(0, 1)
BY_EVENT = {transition.event: transition for transition in TRANSITIONS.values()}


@dataclass(frozen=True)
class Floor:
    """A queue, the agents serving it and a supervisor: made once, shared by every example."""

    queue: VirtualQueue
    agents: list[Agent]
    staff: object


@pytest.fixture
def floor(db) -> Floor:
    skill = SkillFactory()
    # Open around the clock with no quiet hours, so time alone never refuses a booking or a dial;
    # two attempts, two rejections and an hour's wait so that exhausting, flagging and expiring happen
    # within a few steps; reservations lapse after ten minutes, not at every tick of the clock.
    queue = QueueFactory(
        any_hour=True, max_attempts=2, max_rejections=2, max_wait_minutes=60, reservation_timeout_seconds=600
    )
    QueueSkillFactory(queue=queue, skill=skill, min_level=3)
    agents = []
    for level in (5, 5, 1):  # two who may serve the queue, one without the skill's level
        # No usable password (make_password(None)): hashing one per user would cost more than the examples.
        agent = AgentFactory(user=UserFactory(password=None), status=Agent.Status.AVAILABLE)
        agent.queues.add(queue)
        AgentSkillFactory(agent=agent, skill=skill, level=level)
        agents.append(agent)
    return Floor(queue=queue, agents=agents, staff=UserFactory(password=None))


@contextlib.contextmanager
def refused_or_done(action: str):
    """Run one move; a refusal the services answer for it is an expected outcome, noted for the statistics."""
    try:
        yield
    except REFUSED as error:
        event(f"{action}: refused ({type(error).__name__})")
    else:
        event(f"{action}: done")


class CallbackLifecycle(RuleBasedStateMachine):
    callbacks = Bundle("callbacks")

    def __init__(self, floor: "Floor"):
        super().__init__()
        self.queue, self.agents, self.staff = floor.queue, floor.agents, floor.staff
        self.able = set(agents_able_to_serve(self.queue).values_list("pk", flat=True))
        # Each example runs in a savepoint rolled back in teardown: examples never see each other's rows,
        # and every one starts from the floor as the fixture made it (agents available).
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(SUITE_STARTS_AT, tick=False)
        self.clock_at = self.clock.start()

    def teardown(self):
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _agent(self, index: int) -> Agent:
        return Agent.objects.select_related("user").get(pk=self.agents[index].pk)

    @staticmethod
    def _callback(pk: int) -> Callback:
        return Callback.objects.select_related("queue").get(pk=pk)

    # -- customers --------------------------------------------------------------------------------

    @initialize(target=callbacks)
    def two_customers_waiting(self):
        """Something to work on from the first step; rules that need a callback wait for one otherwise."""
        return multiple(
            *(services.callback_create(queue=self.queue, phone_number=number)[0].pk for number in NUMBERS[:2])
        )

    @rule(target=callbacks, number=st.sampled_from(NUMBERS), slots=st.none() | st.integers(1, 200))
    def customer_books(self, number, slots):
        """As soon as possible (``slots`` None), or some 15-minute slots from now."""
        desired_time = None if slots is None else timezone.now() + dt.timedelta(minutes=15 * slots)
        try:
            callback, _ = services.callback_create(queue=self.queue, phone_number=number, desired_time=desired_time)
        except REFUSED as error:
            event(f"book: refused ({type(error).__name__})")
            return multiple()
        event("book: done")
        return callback.pk

    @rule(callback=callbacks)
    def customer_cancels(self, callback):
        with refused_or_done("customer cancel"):
            services.callback_cancel(callback=self._callback(callback), actor=Actor.CUSTOMER, reason="customer")

    @rule(callback=callbacks, slots=st.integers(1, 200))
    def customer_reschedules(self, callback, slots):
        with refused_or_done("customer reschedule"):
            services.callback_reschedule(
                callback=self._callback(callback),
                actor=Actor.CUSTOMER,
                desired_time=timezone.now() + dt.timedelta(minutes=15 * slots),
            )

    # -- agents -----------------------------------------------------------------------------------

    @rule(agent=WORKERS, status=st.sampled_from([Agent.Status.AVAILABLE, Agent.Status.AWAY, Agent.Status.OFFLINE]))
    def agent_sets_status(self, agent, status):
        services.agent_set_status(agent=self._agent(agent), status=status)

    @rule(agent=WORKERS, lag=st.sampled_from([0, 5]))
    def agent_claims_next(self, agent, lag):
        self._claim(self._agent(agent), lag)

    @staticmethod
    def _claim(agent: Agent, lag: int) -> None:
        """``lag``: the request read the clock some seconds before it ran (it waited on a lock)."""
        with refused_or_done("claim"):
            claimed = claim.callback_claim_next(agent=agent, now=timezone.now() - dt.timedelta(seconds=lag))
            event(f"claim: {'a callback' if claimed else 'nothing'}")

    @rule(
        agent=WORKERS,
        action=st.sampled_from(["dial", "release", "reject", *Outcome.values]),
        lag=st.sampled_from([0, 5]),
    )
    def agent_works_their_callback(self, agent, action, lag):
        """What the worklist offers: the callback they hold (dial, give back, an outcome), else the next one."""
        agent = self._agent(agent)
        if (held := callback_held_by(agent)) is None:
            self._claim(agent, lag)
        elif action == "dial":
            with refused_or_done("dial"):
                services.callback_start(callback=held, agent=agent)
        elif action in ("release", "reject"):
            with refused_or_done(action):
                services.callback_release(callback=held, agent=agent, reject=action == "reject")
        else:
            with refused_or_done(f"outcome {action}"):
                services.callback_record_outcome(
                    callback=held, agent=agent, outcome=action, now=timezone.now() - dt.timedelta(seconds=lag)
                )

    @rule(agent=st.integers(0, 2), callback=callbacks, action=st.sampled_from(["dial", "outcome", "release"]))
    def agent_acts_from_a_stale_page(self, agent, callback, action):
        """Any callback, as a page left open since it was theirs (or never was) would send it."""
        agent, callback = self._agent(agent), self._callback(callback)
        with refused_or_done(f"stale {action}"):
            if action == "dial":
                services.callback_start(callback=callback, agent=agent)
            elif action == "outcome":
                services.callback_record_outcome(callback=callback, agent=agent, outcome=Outcome.CONNECTED)
            else:
                services.callback_release(callback=callback, agent=agent)

    @rule(agent=WORKERS, outcome=st.sampled_from(Outcome.values))
    def agent_handles_a_call(self, agent, outcome):
        """A whole call, claim to outcome, as three requests: so that calls end often, not only by chance."""
        agent = self._agent(agent)
        with refused_or_done(f"call {outcome}"):
            if (callback := claim.callback_claim_next(agent=agent)) is None:
                event("call: nothing waiting")
                return
            if callback.state == State.ASSIGNED:
                services.callback_start(callback=callback, agent=agent)
            services.callback_record_outcome(callback=callback, agent=agent, outcome=outcome)

    # -- staff ------------------------------------------------------------------------------------

    @rule(callback=callbacks, agent=st.integers(0, 2))
    def staff_assigns(self, callback, agent):
        with refused_or_done("staff assign"):
            services.callback_assign_to(callback=self._callback(callback), agent=self._agent(agent), user=self.staff)

    @rule(callback=callbacks)
    def staff_requeues(self, callback):
        with refused_or_done("staff requeue"):
            services.callback_requeue(callback=self._callback(callback), user=self.staff)

    @rule(callback=callbacks)
    def staff_cancels(self, callback):
        with refused_or_done("staff cancel"):
            services.callback_cancel(
                callback=self._callback(callback), actor=Actor.STAFF, reason="canceled_by_staff", user=self.staff
            )

    @rule(callback=callbacks, slots=st.integers(1, 200))
    def staff_reschedules(self, callback, slots):
        with refused_or_done("staff reschedule"):
            services.callback_reschedule(
                callback=self._callback(callback),
                actor=Actor.STAFF,
                user=self.staff,
                desired_time=timezone.now() + dt.timedelta(minutes=15 * slots),
            )

    # -- the clock and the beat -------------------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 2, 5, 15, 30, 60, 180, 600]))
    def time_passes(self, minutes):
        self.clock_at.shift(dt.timedelta(minutes=minutes))

    @rule(purge=st.booleans())
    def beat_ticks(self, purge):
        for task in (
            services.callbacks_release_due,
            services.callbacks_requeue_timed_out,
            services.callbacks_expire_overdue,
        ):
            if task():
                event(f"beat: {task.__name__}")
        if purge:
            services.callbacks_purge_personal_data(older_than_days=0)

    # -- what must hold after every step ----------------------------------------------------------

    @invariant()
    def the_floor_is_consistent(self):
        """One read of every row per step, then each property over it."""
        callbacks = list(Callback.objects.filter(queue=self.queue).select_related("queue").order_by("id"))
        events, dials = {}, {}
        for e in CallbackEvent.objects.filter(callback__queue=self.queue).order_by("id"):
            events.setdefault(e.callback_id, []).append(e)
        for dial in Attempt.objects.filter(callback__queue=self.queue).order_by("id"):
            dials.setdefault(dial.callback_id, []).append(dial)
        for callback in callbacks:
            assert_event_log_replays(callback, events[callback.pk])
            assert_fields_fit_the_state(callback)
            assert_attempts_match_the_dials(callback, dials.get(callback.pk, []), events[callback.pk])
        assert_each_agent_holds_at_most_one(
            callbacks, Agent.objects.filter(pk__in=[a.pk for a in self.agents]), able=self.able
        )


def assert_event_log_replays(callback: Callback, log: list[CallbackEvent]) -> None:
    """Created first, then legal moves each starting where the last ended, in time order, ending at the state."""
    assert callback.state in State.values
    first, *moves = log
    assert (first.type, first.from_state) == ("created", "")
    assert first.to_state in (State.SCHEDULED, State.QUEUED)
    assert first.created_at == callback.created_at
    for before, after in zip(log, moves, strict=False):
        assert after.from_state == before.to_state, (callback.pk, before, after)
        assert after.created_at >= before.created_at, (callback.pk, before, after)
    for move in moves:
        if move.type == "held":  # kept from agents, not a change of state
            assert move.from_state == move.to_state == State.QUEUED
            continue
        transition = BY_EVENT[move.type]
        assert move.from_state in transition.sources and move.to_state == transition.target, move
    assert log[-1].to_state == callback.state
    assert callback.state_changed_at == [e for e in log if e.type != "held"][-1].created_at


def assert_fields_fit_the_state(callback: Callback) -> None:
    state = callback.state
    assert (callback.ended_at is not None) == (state in TERMINAL_STATES), (callback.pk, state)
    assert (callback.agent_id is not None) or state not in HELD, callback.pk
    assert callback.agent_id is None or state not in WAITING, (callback.pk, state)
    assert (callback.reservation_expires_at is not None) == (state == State.ASSIGNED), (callback.pk, state)
    if state in OPEN_STATES:
        # What the beat releases on: every scheduled or retrying callback has a due time, no other open one.
        assert (callback.due_at is not None) == (state in (State.SCHEDULED, State.RETRY_WAIT)), callback.pk
        assert callback.expires_at is not None, callback.pk


def assert_attempts_match_the_dials(callback: Callback, dials: list[Attempt], log: list[CallbackEvent]) -> None:
    assert [dial.number for dial in dials] == list(range(1, callback.attempts + 1)), callback.pk
    assert callback.attempts <= callback.queue.max_attempts, callback.pk
    assert sum(e.type == "started" for e in log) == callback.attempts, callback.pk
    dialling = [dial for dial in dials if dial.ended_at is None]
    assert len(dialling) == (callback.state == State.IN_PROGRESS), (callback.pk, callback.state)


def assert_each_agent_holds_at_most_one(callbacks: list[Callback], agents, *, able: set[int]) -> None:
    holding = {}
    for callback in callbacks:
        if callback.state in HELD:
            assert callback.agent_id not in holding, (callback.agent_id, holding.get(callback.agent_id), callback.pk)
            holding[callback.agent_id] = callback
    assert set(holding) <= able, holding  # nobody holds a callback of a queue they may not serve
    for agent in agents:
        held = holding.get(agent.pk)
        # Busy means working a callback; away or offline agents are never left a reservation.
        if agent.status == Agent.Status.BUSY:
            assert held is not None, agent.pk
        if agent.status in (Agent.Status.AWAY, Agent.Status.OFFLINE):
            assert held is None or held.state != State.ASSIGNED, (agent.pk, held.pk)


def test_any_sequence_of_moves_keeps_the_lifecycle_consistent(floor):
    run_state_machine_as_test(
        lambda: CallbackLifecycle(floor),
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
