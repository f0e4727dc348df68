"""Property tests of the callback state machine over the real services and database.

Hypothesis plays customers, agents, staff, the clock and the beat in any order;
after every step each callback must be in a legal state with an event log that
replays to it, and no agent may hold more than one callback. Moves the rules
refuse (illegal transitions, duplicates, an agent away) are part of the game:
the step is refused and the state must still hold.
"""

import contextlib
import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule, run_state_machine_as_test

from callbacks import services
from callbacks.lifecycle import TRANSITIONS, IllegalTransition
from callbacks.models import OPEN_STATES, TERMINAL_STATES, Callback, CallbackEvent, Outcome, State
from queues import routing
from queues.models import Agent
from rules.engine import Rejection
from tests.conftest import SUITE_STARTS_AT
from tests.factories import AgentFactory, AgentSkillFactory, QueueFactory, QueueSkillFactory, SkillFactory, UserFactory

pytestmark = pytest.mark.postgres

Actor = CallbackEvent.Actor
# Dutch numbers: no calling policy, so only the queue's (always open) window applies and every claim can be decided.
NUMBERS = ["+31201234567", "+31201234568", "+31201234569", "+31612345678", "+31612345679"]
# What the services answer a move they do not allow: refused, and the state must be as before.
REFUSED = (IllegalTransition, services.AgentUnavailable, services.NotYourCallback, services.DuplicateCallback,
           Rejection, ValidationError)
WAITING = (State.SCHEDULED, State.QUEUED, State.RETRY_WAIT)
HELD = (State.ASSIGNED, State.IN_PROGRESS)
BY_EVENT = {transition.event: transition for transition in TRANSITIONS.values()}


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

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back in teardown: examples never see each other's rows.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(SUITE_STARTS_AT, tick=False)
        self.clock_at = self.clock.start()
        skill = SkillFactory()
        # Open around the clock with no quiet hours, so time alone never refuses a booking or a dial;
        # two attempts and two rejections so that exhausting and flagging happen within a few steps.
        self.queue = QueueFactory(any_hour=True, max_attempts=2, max_rejections=2)
        QueueSkillFactory(queue=self.queue, skill=skill, min_level=3)
        self.agents = []
        for level in (5, 5, 1):  # two who may serve the queue, one without the skill's level
            agent = AgentFactory(status=Agent.Status.AVAILABLE)
            agent.queues.add(self.queue)
            AgentSkillFactory(agent=agent, skill=skill, level=level)
            self.agents.append(agent)
        self.staff = UserFactory()

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
            services.callback_reschedule(callback=self._callback(callback), actor=Actor.CUSTOMER,
                                         desired_time=timezone.now() + dt.timedelta(minutes=15 * slots))

    # -- agents -----------------------------------------------------------------------------------

    @rule(agent=st.integers(0, 2), status=st.sampled_from([Agent.Status.AVAILABLE, Agent.Status.AWAY,
                                                           Agent.Status.OFFLINE]))
    def agent_sets_status(self, agent, status):
        services.agent_set_status(agent=self._agent(agent), status=status)

    @rule(agent=st.integers(0, 2), lag=st.sampled_from([0, 5]))
    def agent_claims_next(self, agent, lag):
        """``lag``: the request read the clock some seconds before it ran (it waited on a lock)."""
        with refused_or_done("claim"):
            claimed = services.callback_claim_next(agent=self._agent(agent),
                                                   now=timezone.now() - dt.timedelta(seconds=lag))
            event(f"claim: {'a callback' if claimed else 'nothing'}")

    def _working(self, agent: Agent, callback: int, own: bool) -> Callback:
        """The callback the agent holds (``own``, as their worklist shows it), else any: a stale page."""
        held = routing.held_by(agent) if own else None
        return held or self._callback(callback)

    @rule(agent=st.integers(0, 2), callback=callbacks, own=st.booleans())
    def agent_dials(self, agent, callback, own):
        agent = self._agent(agent)
        with refused_or_done("dial"):
            services.callback_start(callback=self._working(agent, callback, own), agent=agent)

    @rule(agent=st.integers(0, 2), callback=callbacks, own=st.booleans(), lag=st.sampled_from([0, 5]),
          outcome=st.sampled_from(Outcome.values))
    def agent_records_outcome(self, agent, callback, own, lag, outcome):
        agent = self._agent(agent)
        with refused_or_done("outcome"):
            services.callback_record_outcome(callback=self._working(agent, callback, own), agent=agent,
                                             outcome=outcome, now=timezone.now() - dt.timedelta(seconds=lag))

    @rule(agent=st.integers(0, 2), callback=callbacks, own=st.booleans(), reject=st.booleans())
    def agent_gives_back(self, agent, callback, own, reject):
        agent = self._agent(agent)
        with refused_or_done("reject" if reject else "release"):
            services.callback_release(callback=self._working(agent, callback, own), agent=agent, reject=reject)

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
            services.callback_cancel(callback=self._callback(callback), actor=Actor.STAFF,
                                     reason="canceled_by_staff", user=self.staff)

    @rule(callback=callbacks, slots=st.integers(1, 200))
    def staff_reschedules(self, callback, slots):
        with refused_or_done("staff reschedule"):
            services.callback_reschedule(callback=self._callback(callback), actor=Actor.STAFF, user=self.staff,
                                         desired_time=timezone.now() + dt.timedelta(minutes=15 * slots))

    # -- the clock and the beat -------------------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 2, 5, 15, 30, 60, 180, 600]))
    def time_passes(self, minutes):
        self.clock_at.shift(dt.timedelta(minutes=minutes))

    @rule(purge=st.booleans())
    def beat_ticks(self, purge):
        for task in (services.callbacks_release_due, services.callbacks_requeue_timed_out,
                     services.callbacks_expire_overdue):
            if task():
                event(f"beat: {task.__name__}")
        if purge:
            services.callbacks_purge_personal_data(older_than_days=0)

    # -- what must hold after every step ----------------------------------------------------------

    @invariant()
    def every_callback_replays_its_event_log(self):
        events = {}
        for e in CallbackEvent.objects.filter(callback__queue=self.queue).order_by("id"):
            events.setdefault(e.callback_id, []).append(e)
        for callback in Callback.objects.filter(queue=self.queue):
            assert callback.state in State.values
            log = events[callback.pk]
            first, *moves = log
            assert (first.type, first.from_state) == ("created", "")
            assert first.to_state in (State.SCHEDULED, State.QUEUED)
            assert first.created_at == callback.created_at
            for before, after in zip(log, moves):
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

    @invariant()
    def each_state_has_its_fields(self):
        for callback in Callback.objects.filter(queue=self.queue):
            state = callback.state
            assert (callback.ended_at is not None) == (state in TERMINAL_STATES), (callback.pk, state)
            assert (callback.agent_id is not None) or state not in HELD, callback.pk
            assert callback.agent_id is None or state not in WAITING, (callback.pk, state)
            assert (callback.reservation_expires_at is not None) == (state == State.ASSIGNED), (callback.pk, state)
            if state in OPEN_STATES:
                # What the beat releases on: every scheduled or retrying callback has a due time, no other open one.
                assert (callback.due_at is not None) == (state in (State.SCHEDULED, State.RETRY_WAIT)), callback.pk
                assert callback.expires_at is not None, callback.pk

    @invariant()
    def attempts_match_the_dials(self):
        for callback in Callback.objects.filter(queue=self.queue).prefetch_related("dial_attempts", "events"):
            dials = list(callback.dial_attempts.all())
            assert [dial.number for dial in dials] == list(range(1, callback.attempts + 1)), callback.pk
            assert callback.attempts <= self.queue.max_attempts, callback.pk
            assert sum(e.type == "started" for e in callback.events.all()) == callback.attempts, callback.pk
            dialling = [dial for dial in dials if dial.ended_at is None]
            assert len(dialling) == (callback.state == State.IN_PROGRESS), (callback.pk, callback.state)

    @invariant()
    def an_agent_holds_at_most_one_callback(self):
        held = Counter(Callback.objects.filter(queue=self.queue, state__in=HELD).values_list("agent_id", flat=True))
        assert all(count == 1 for count in held.values()), held
        for agent in Agent.objects.filter(pk__in=[agent.pk for agent in self.agents]):
            holding = routing.held_by(agent)
            if holding is not None:
                assert routing.can_serve(agent, holding.queue), (agent.pk, holding.pk)
            # Busy means working a callback; away or offline agents are never left a reservation.
            if agent.status == Agent.Status.BUSY:
                assert holding is not None, agent.pk
            if agent.status in (Agent.Status.AWAY, Agent.Status.OFFLINE):
                assert holding is None or holding.state != State.ASSIGNED, (agent.pk, holding.pk)


def test_any_sequence_of_moves_keeps_the_lifecycle_consistent(db):
    run_state_machine_as_test(CallbackLifecycle, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
