"""Agents working callbacks: attempts, outcomes and the retry policy, agent status, supervisors' moves."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from callbacks import claim, lifecycle, services
from callbacks.lifecycle import IllegalTransition
from callbacks.models import Attempt, Callback, CallbackEvent, Outcome, State
from queues.models import Agent
from rules.engine import Rejection
from tests.factories import AgentFactory, CallbackFactory, QueueFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # 13:00 for the London customers of the factory
MINUTE = dt.timedelta(minutes=1)
Status = Agent.Status


@pytest.fixture
def queue():
    return QueueFactory(max_attempts=3, retry_delay_minutes=15)


@pytest.fixture
def agent(queue):
    agent = AgentFactory(status=Status.AVAILABLE)
    agent.queues.add(queue)
    return agent


def dialling(queue, agent, now=NOW):
    """A callback the agent has claimed and started to dial."""
    callback = CallbackFactory(queue=queue, now=now - 10 * MINUTE)
    assert claim.callback_claim_next(agent=agent, now=now) == callback
    return services.callback_start(callback=callback, agent=agent, now=now)


def outcome(callback, agent, result, notes="", now=NOW + 3 * MINUTE):
    return services.callback_record_outcome(callback=callback, agent=agent, outcome=result, notes=notes, now=now)


def status_of(agent):
    agent.refresh_from_db()
    return agent.status


class TestEachOutcome:
    @pytest.mark.parametrize(
        ("result", "state", "event", "reason"),
        [
            (Outcome.CONNECTED, State.COMPLETED, "completed", "connected"),
            (Outcome.NO_ANSWER, State.RETRY_WAIT, "retry_scheduled", "no_answer"),
            (Outcome.BUSY, State.RETRY_WAIT, "retry_scheduled", "busy"),
            (Outcome.VOICEMAIL, State.RETRY_WAIT, "retry_scheduled", "voicemail"),
            (Outcome.WRONG_NUMBER, State.FAILED, "failed", "wrong_number"),
            (Outcome.CUSTOMER_DECLINED, State.CANCELED, "canceled", "customer_declined"),
        ],
    )
    def test_it_moves_the_callback_and_logs_the_outcome(self, queue, agent, result, state, event, reason):
        callback = dialling(queue, agent)

        outcome(callback, agent, result, notes="Spoke to her assistant")

        callback.refresh_from_db()
        assert (callback.state, callback.outcome) == (state, result)
        last = callback.events.last()
        assert (last.type, last.from_state, last.to_state, last.reason) == (event, State.IN_PROGRESS, state, reason)
        assert (last.actor, last.actor_user, last.metadata["agent_id"]) == (
            CallbackEvent.Actor.AGENT,
            agent.user,
            agent.pk,
        )

    @pytest.mark.parametrize("result", Outcome.values)
    def test_it_closes_the_attempt_with_the_outcome_and_notes(self, queue, agent, result):
        callback = dialling(queue, agent)

        outcome(callback, agent, result, notes="Asked for Tuesday")

        attempt = Attempt.objects.get(callback=callback)
        assert (attempt.number, attempt.agent, attempt.started_at, attempt.ended_at) == (
            1,
            agent,
            NOW,
            NOW + 3 * MINUTE,
        )
        assert (attempt.outcome, attempt.notes) == (result, "Asked for Tuesday")

    def test_a_retry_waits_the_queues_delay(self, queue, agent):
        callback = dialling(queue, agent)

        outcome(callback, agent, Outcome.NO_ANSWER)

        callback.refresh_from_db()
        assert (callback.due_at, callback.agent) == (NOW + 18 * MINUTE, None)

    def test_a_terminal_outcome_ends_the_callback(self, queue, agent):
        callback = dialling(queue, agent)

        outcome(callback, agent, Outcome.CONNECTED)

        callback.refresh_from_db()
        assert callback.ended_at == NOW + 3 * MINUTE


class TestRetryPolicy:
    def test_no_answer_retries_until_the_queues_maximum_attempts_then_fails(self, queue, agent):
        callback = dialling(queue, agent)
        now = NOW
        for result in (Outcome.NO_ANSWER, Outcome.BUSY):
            outcome(callback, agent, result, now=now)
            now += 15 * MINUTE
            assert services.callbacks_release_due(now=now) == 1
            assert claim.callback_claim_next(agent=agent, now=now) == callback
            services.callback_start(callback=callback, agent=agent, now=now)

        outcome(callback, agent, Outcome.VOICEMAIL, now=now)

        callback.refresh_from_db()
        assert (callback.state, callback.attempts, callback.outcome) == (State.FAILED, 3, Outcome.VOICEMAIL)
        assert callback.events.last().reason == "attempts_exhausted"
        assert list(callback.dial_attempts.values_list("number", "outcome")) == [
            (1, "no_answer"),
            (2, "busy"),
            (3, "voicemail"),
        ]
        assert list(callback.events.values_list("type", flat=True)) == [
            "created",
            "assigned",
            "started",
            "retry_scheduled",
            "released",
            "assigned",
            "started",
            "retry_scheduled",
            "released",
            "assigned",
            "started",
            "failed",
        ]

    def test_a_single_attempt_queue_fails_at_the_first_no_answer(self, agent):
        queue = QueueFactory(max_attempts=1)
        agent.queues.add(queue)
        callback = dialling(queue, agent)

        outcome(callback, agent, Outcome.BUSY)

        assert Callback.objects.get(pk=callback.pk).state == State.FAILED


class TestRefusals:
    def test_an_outcome_needs_a_dial_in_progress(self, queue, agent):
        callback = CallbackFactory(queue=queue, now=NOW)
        claim.callback_claim_next(agent=agent, now=NOW)
        events = CallbackEvent.objects.count()

        with pytest.raises(IllegalTransition, match="record the outcome of a callback that is assigned"):
            outcome(callback, agent, Outcome.CUSTOMER_DECLINED)

        assert CallbackEvent.objects.count() == events

    def test_an_agent_acts_only_on_their_own_callback(self, queue, agent):
        callback = dialling(queue, agent)

        with pytest.raises(services.NotYourCallback):
            outcome(callback, AgentFactory(), Outcome.CONNECTED)
        with pytest.raises(services.NotYourCallback):
            services.callback_release(callback=callback, agent=AgentFactory())

    def test_an_unknown_outcome_is_a_field_error(self, queue, agent):
        callback = dialling(queue, agent)

        with pytest.raises(ValidationError) as error:
            outcome(callback, agent, "hung_up")
        assert "outcome" in error.value.message_dict

    def test_a_call_in_progress_cannot_be_released(self, queue, agent):
        callback = dialling(queue, agent)

        with pytest.raises(IllegalTransition):
            services.callback_release(callback=callback, agent=agent)


class TestAgentStatus:
    def test_claiming_makes_the_agent_busy_and_an_outcome_available_again(self, queue, agent):
        callback = dialling(queue, agent)
        assert status_of(agent) == Status.BUSY

        outcome(callback, agent, Outcome.CONNECTED)

        assert status_of(agent) == Status.AVAILABLE
        assert agent.status_changed_at == NOW + 3 * MINUTE

    def test_releasing_makes_the_agent_available(self, queue, agent):
        callback = CallbackFactory(queue=queue, now=NOW)
        claim.callback_claim_next(agent=agent, now=NOW)

        services.callback_release(callback=callback, agent=agent, now=NOW)

        assert status_of(agent) == Status.AVAILABLE
        assert callback.events.last().reason == "released_by_agent"

    def test_an_agent_who_chose_away_during_a_call_stays_away(self, queue, agent):
        callback = dialling(queue, agent)
        services.agent_set_status(agent=agent, status=Status.AWAY, now=NOW)

        outcome(callback, agent, Outcome.CONNECTED)

        assert status_of(agent) == Status.AWAY

    def test_asking_again_returns_the_callback_already_held(self, queue, agent):
        first = CallbackFactory(queue=queue, now=NOW - MINUTE)
        CallbackFactory(queue=queue, now=NOW)

        assert claim.callback_claim_next(agent=agent, now=NOW) == first
        assert claim.callback_claim_next(agent=agent, now=NOW) == first
        assert Callback.objects.filter(state=State.ASSIGNED).count() == 1

    def test_going_away_gives_a_reservation_back_at_once(self, queue, agent):
        callback = CallbackFactory(queue=queue, now=NOW)
        claim.callback_claim_next(agent=agent, now=NOW)

        services.agent_set_status(agent=agent, status=Status.OFFLINE, now=NOW + MINUTE)

        callback.refresh_from_db()
        assert (callback.state, callback.agent) == (State.QUEUED, None)
        assert callback.events.last().reason == "agent_unavailable"
        assert (status_of(agent), agent.status_changed_at) == (Status.OFFLINE, NOW + MINUTE)

    def test_going_away_leaves_a_call_in_progress_alone(self, queue, agent):
        callback = dialling(queue, agent)

        services.agent_set_status(agent=agent, status=Status.AWAY, now=NOW)

        assert Callback.objects.get(pk=callback.pk).state == State.IN_PROGRESS

    def test_an_unknown_status_is_a_field_error(self, agent):
        with pytest.raises(ValidationError) as error:
            services.agent_set_status(agent=agent, status="lunch")
        assert "status" in error.value.message_dict

    def test_setting_the_same_status_keeps_its_time(self, agent):
        before = agent.status_changed_at

        services.agent_set_status(agent=agent, status=Status.AVAILABLE, now=NOW)

        agent.refresh_from_db()
        assert agent.status_changed_at == before


class TestSupervisors:
    @pytest.fixture
    def boss(self):
        return UserFactory()

    def test_a_supervisor_assigns_a_waiting_callback_to_a_named_agent(self, queue, agent, boss):
        CallbackFactory(queue=queue, now=NOW - MINUTE)
        later = CallbackFactory(queue=queue, now=NOW)

        services.callback_assign_to(callback=later, agent=agent, user=boss, now=NOW)

        later.refresh_from_db()
        assert (later.state, later.agent) == (State.ASSIGNED, agent)
        event = later.events.last()
        assert (event.actor, event.actor_user, event.reason) == (
            CallbackEvent.Actor.STAFF,
            boss,
            "assigned_by_supervisor",
        )
        assert status_of(agent) == Status.BUSY
        assert claim.callback_claim_next(agent=agent, now=NOW) == later

    def test_a_scheduled_callback_is_released_and_assigned(self, queue, agent, boss):
        callback = CallbackFactory(queue=queue, desired_time=NOW + dt.timedelta(hours=2), now=NOW)

        services.callback_assign_to(callback=callback, agent=agent, user=boss, now=NOW)

        assert list(callback.events.values_list("type", flat=True)) == ["created", "released", "assigned"]

    def test_reassigning_frees_the_first_agent(self, queue, agent, boss):
        callback = CallbackFactory(queue=queue, now=NOW)
        claim.callback_claim_next(agent=agent, now=NOW)
        other = AgentFactory()
        other.queues.add(queue)

        services.callback_assign_to(callback=callback, agent=other, user=boss, now=NOW)

        assert Callback.objects.get(pk=callback.pk).agent == other
        assert status_of(agent) == Status.AVAILABLE
        assert callback.events.filter(type="requeued").get().reason == "reassigned"

    def test_the_agent_must_be_able_to_serve_the_queue(self, queue, boss):
        callback = CallbackFactory(queue=queue, now=NOW)

        with pytest.raises(ValidationError) as error:
            services.callback_assign_to(callback=callback, agent=AgentFactory(), user=boss, now=NOW)
        assert "agent" in error.value.message_dict

    def test_an_agent_on_another_callback_is_refused(self, queue, agent, boss):
        dialling(queue, agent)
        waiting = CallbackFactory(queue=queue, now=NOW)

        with pytest.raises(ValidationError, match="already working"):
            services.callback_assign_to(callback=waiting, agent=agent, user=boss, now=NOW)

    def test_quiet_hours_hold_for_supervisors_too(self, queue, agent, boss):
        callback = CallbackFactory(queue=queue, customer_timezone="America/New_York", now=NOW)  # 08:00 there

        with pytest.raises(Rejection, match=r"called from Mon 01 Jun 09:00 \(America/New_York, the customer's time\)"):
            services.callback_assign_to(callback=callback, agent=agent, user=boss, now=NOW)

    def test_a_supervisor_takes_a_reserved_callback_back(self, queue, agent, boss):
        callback = CallbackFactory(queue=queue, now=NOW)
        claim.callback_claim_next(agent=agent, now=NOW)

        services.callback_requeue(callback=callback, user=boss, now=NOW)

        callback.refresh_from_db()
        assert (callback.state, callback.agent) == (State.QUEUED, None)
        event = callback.events.last()
        assert (event.actor, event.actor_user, event.reason) == (
            CallbackEvent.Actor.STAFF,
            boss,
            "requeued_by_supervisor",
        )
        assert status_of(agent) == Status.AVAILABLE

    def test_a_supervisor_puts_a_retrying_callback_back_in_line_now(self, queue, agent, boss):
        callback = dialling(queue, agent)
        outcome(callback, agent, Outcome.NO_ANSWER)

        services.callback_requeue(callback=callback, user=boss, now=NOW + 5 * MINUTE)

        assert Callback.objects.get(pk=callback.pk).state == State.QUEUED

    def test_a_call_in_progress_cannot_be_requeued(self, queue, agent, boss):
        callback = dialling(queue, agent)

        with pytest.raises(IllegalTransition):
            services.callback_requeue(callback=callback, user=boss)


def test_the_purge_erases_the_agents_notes_too(queue, agent):
    callback = dialling(queue, agent, now=NOW - dt.timedelta(days=40))
    outcome(callback, agent, Outcome.CONNECTED, notes="Her account number is 1234", now=NOW - dt.timedelta(days=40))

    services.callbacks_purge_personal_data(older_than_days=30, now=NOW)

    assert Attempt.objects.get(callback=callback).notes == ""


def test_start_opens_an_attempt_for_the_agent(queue, agent):
    callback = dialling(queue, agent)

    attempt = Attempt.objects.get(callback=callback)
    assert (attempt.number, attempt.agent, attempt.ended_at, attempt.outcome) == (1, agent, None, "")
    assert callback.events.last().type == "started"
    lifecycle.cancel(callback, actor=lifecycle.Actor.STAFF, reason="staff", now=NOW + MINUTE)
    attempt.refresh_from_db()
    assert attempt.ended_at == NOW + MINUTE
