"""The lifecycle's beat ticks against real rows."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from callbacks import lifecycle, services, tasks
from callbacks.models import ApiProblem, Callback, CallbackEvent, Outcome, RejectionRecord, State
from queues.models import Agent
from tests.factories import AgentFactory, CallbackFactory, OfficeHoursFactory, QueueFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)  # a Monday
MINUTE = dt.timedelta(minutes=1)


def retrying(due_at, **kwargs):
    callback = CallbackFactory(now=NOW - dt.timedelta(hours=1), **kwargs)
    lifecycle.assign(callback, agent=AgentFactory())
    lifecycle.start(callback)
    lifecycle.retry(callback, outcome=Outcome.NO_ANSWER, due_at=due_at)
    return callback


def state_of(callback):
    callback.refresh_from_db()
    return callback.state


@pytest.mark.django_db
class TestRelease:
    def test_it_queues_a_scheduled_callback_whose_time_has_come(self):
        callback = CallbackFactory(desired_time=NOW + MINUTE, now=NOW)

        assert services.callbacks_release_due(now=NOW + MINUTE) == 1
        assert state_of(callback) == State.QUEUED
        assert callback.events.last().reason == "due"

    def test_it_leaves_a_callback_scheduled_for_later(self):
        callback = CallbackFactory(desired_time=NOW + 2 * MINUTE, now=NOW)

        assert services.callbacks_release_due(now=NOW + MINUTE) == 0
        assert state_of(callback) == State.SCHEDULED

    def test_it_queues_a_retry_whose_delay_is_over(self):
        callback = retrying(due_at=NOW)

        services.callbacks_release_due(now=NOW)

        assert state_of(callback) == State.QUEUED

    def test_the_task_runs_the_service(self):
        callback = CallbackFactory(desired_time=NOW, now=NOW - MINUTE)

        assert tasks.release_due.apply().get() == 1
        assert state_of(callback) == State.QUEUED


@pytest.mark.django_db
class TestReservationTimeout:
    def test_it_returns_a_reservation_nobody_acted_on(self):
        callback = CallbackFactory(queue__reservation_timeout_seconds=60, now=NOW)
        lifecycle.assign(callback, agent=AgentFactory(), now=NOW)

        assert services.callbacks_requeue_timed_out(now=NOW + dt.timedelta(seconds=60)) == 1
        callback.refresh_from_db()
        assert (callback.state, callback.agent) == (State.QUEUED, None)
        assert callback.events.last().reason == "reservation_timeout"

    def test_it_sets_the_agent_who_let_it_lapse_away(self):
        agent = AgentFactory(status=Agent.Status.BUSY)
        lifecycle.assign(CallbackFactory(queue__reservation_timeout_seconds=60, now=NOW), agent=agent, now=NOW)

        services.callbacks_requeue_timed_out(now=NOW + dt.timedelta(hours=1))

        agent.refresh_from_db()
        assert agent.status == Agent.Status.AWAY

    def test_it_leaves_an_agent_who_went_offline_meanwhile_offline(self):
        agent = AgentFactory(status=Agent.Status.AVAILABLE)
        callback = CallbackFactory(queue__reservation_timeout_seconds=60, now=NOW)
        lifecycle.assign(callback, agent=agent, now=NOW)
        Agent.objects.filter(pk=agent.pk).update(status=Agent.Status.OFFLINE)

        services.callbacks_requeue_timed_out(now=NOW + dt.timedelta(hours=1))

        agent.refresh_from_db()
        assert agent.status == Agent.Status.OFFLINE

    def test_it_leaves_a_reservation_still_running(self):
        callback = CallbackFactory(queue__reservation_timeout_seconds=60, now=NOW)
        lifecycle.assign(callback, agent=AgentFactory(), now=NOW)

        services.callbacks_requeue_timed_out(now=NOW + dt.timedelta(seconds=59))

        assert state_of(callback) == State.ASSIGNED

    def test_it_leaves_a_call_in_progress(self):
        callback = CallbackFactory(now=NOW)
        lifecycle.assign(callback, agent=AgentFactory(), now=NOW)
        lifecycle.start(callback, now=NOW)

        services.callbacks_requeue_timed_out(now=NOW + dt.timedelta(hours=1))

        assert state_of(callback) == State.IN_PROGRESS


@pytest.mark.django_db
class TestExpiry:
    def test_it_expires_an_immediate_callback_past_the_maximum_wait(self):
        callback = CallbackFactory(queue__max_wait_minutes=30, now=NOW)

        assert services.callbacks_expire_overdue(now=NOW + 30 * MINUTE) == 1
        assert state_of(callback) == State.EXPIRED
        assert callback.events.last().reason == "max_wait_exceeded"

    def test_it_keeps_a_callback_within_the_maximum_wait(self):
        callback = CallbackFactory(queue__max_wait_minutes=30, now=NOW)

        services.callbacks_expire_overdue(now=NOW + 29 * MINUTE)

        assert state_of(callback) == State.QUEUED

    def test_the_wait_of_a_scheduled_callback_counts_from_its_desired_time(self):
        callback = CallbackFactory(queue__max_wait_minutes=30, desired_time=NOW + dt.timedelta(hours=3), now=NOW)

        services.callbacks_expire_overdue(now=NOW + dt.timedelta(hours=3) + 29 * MINUTE)

        assert state_of(callback) == State.SCHEDULED

    def test_it_expires_waiting_callbacks_when_the_office_hours_end(self):
        queue = QueueFactory(max_wait_minutes=24 * 60)
        OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(9), closes=dt.time(17))
        queued = CallbackFactory(queue=queue, now=NOW)
        retry = retrying(queue=queue, due_at=NOW + dt.timedelta(hours=6))

        services.callbacks_expire_overdue(now=NOW.replace(hour=17))

        assert (state_of(queued), state_of(retry)) == (State.EXPIRED, State.EXPIRED)
        assert queued.events.last().reason == "office_hours_ended"

    def test_a_scheduled_callback_sleeps_through_closed_hours(self):
        queue = QueueFactory()
        OfficeHoursFactory(queue=queue, weekday=1, opens=dt.time(9), closes=dt.time(17))
        callback = CallbackFactory(queue=queue, desired_time=NOW + dt.timedelta(days=1), now=NOW)

        services.callbacks_expire_overdue(now=NOW)

        assert state_of(callback) == State.SCHEDULED

    def test_it_leaves_a_call_in_progress_when_the_office_closes(self):
        queue = QueueFactory()
        OfficeHoursFactory(queue=queue, weekday=0, opens=dt.time(9), closes=dt.time(17))
        callback = CallbackFactory(queue=queue, now=NOW)
        lifecycle.assign(callback, agent=AgentFactory())
        lifecycle.start(callback)

        services.callbacks_expire_overdue(now=NOW.replace(hour=18))

        assert state_of(callback) == State.IN_PROGRESS


@pytest.mark.django_db
class TestPurge:
    def ended(self, days_ago):
        callback = CallbackFactory(
            email="ada@example.com",
            notes="About my bill",
            context={"page": "/pricing"},
            now=NOW - dt.timedelta(days=days_ago),
        )
        lifecycle.cancel(
            callback, actor=lifecycle.Actor.CUSTOMER, reason="customer", now=NOW - dt.timedelta(days=days_ago)
        )
        return callback

    def test_it_erases_personal_data_after_the_retention_period(self):
        callback = self.ended(days_ago=31)

        assert services.callbacks_purge_personal_data(older_than_days=30, now=NOW) == 1

        callback.refresh_from_db()
        personal = (
            callback.phone_number,
            callback.first_name,
            callback.last_name,
            callback.email,
            callback.notes,
            callback.context,
        )
        assert personal == ("", "", "", "", "", {})
        assert callback.purged_at == NOW

    def test_it_keeps_the_row_and_its_events_for_reports(self):
        callback = self.ended(days_ago=31)

        services.callbacks_purge_personal_data(older_than_days=30, now=NOW)

        assert Callback.objects.get(pk=callback.pk).state == State.CANCELED
        assert list(callback.events.values_list("type", flat=True)) == ["created", "canceled"]

    def test_it_keeps_personal_data_within_the_retention_period(self):
        callback = self.ended(days_ago=29)

        services.callbacks_purge_personal_data(older_than_days=30, now=NOW)

        callback.refresh_from_db()
        assert callback.first_name == "Ada"

    def test_it_never_purges_an_open_callback(self):
        callback = CallbackFactory(now=NOW - dt.timedelta(days=90))

        services.callbacks_purge_personal_data(older_than_days=30, now=NOW)

        callback.refresh_from_db()
        assert callback.purged_at is None

    def test_the_command_uses_the_retention_it_is_given(self, capsys):
        self.ended(days_ago=3)

        call_command("purge_callbacks", "--days", "0")

        assert "Purged personal data of 1 callback(s)" in capsys.readouterr().out


@pytest.mark.django_db
class TestTroubleshootingRecords:
    def record(self, days_ago):
        ApiProblem.objects.create(kind=ApiProblem.Kind.CORS, created_at=NOW - dt.timedelta(days=days_ago))
        RejectionRecord.objects.create(code="queue_closed", channel="api", created_at=NOW - dt.timedelta(days=days_ago))

    def test_records_older_than_the_retention_are_deleted(self, settings):
        settings.TROUBLESHOOTING_RETENTION_DAYS = 90
        self.record(days_ago=91)
        self.record(days_ago=89)

        assert services.troubleshooting_records_purge(now=NOW) == 2
        assert (ApiProblem.objects.count(), RejectionRecord.objects.count()) == (1, 1)

    def test_the_hourly_tick_deletes_them(self, settings):
        settings.TROUBLESHOOTING_RETENTION_DAYS = 0
        self.record(days_ago=1)

        tasks.purge_personal_data.apply().get()

        assert not ApiProblem.objects.exists() and not RejectionRecord.objects.exists()

    def test_the_command_uses_the_retention_it_is_given(self, capsys):
        self.record(days_ago=3)

        call_command("purge_troubleshooting", "--days", "2")

        assert "Deleted 2 troubleshooting record(s) older than 2 days." in capsys.readouterr().out


def run_at_once(workers, work):
    """Run ``work`` in threads, each with its own database connection, started together."""
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_once_release_each_callback_exactly_once(monkeypatch):
    # Small batches make the two runs interleave instead of one taking everything.
    monkeypatch.setattr(services.beat, "BATCH_SIZE", 10)
    queue = QueueFactory()
    for _ in range(300):
        CallbackFactory(queue=queue, desired_time=NOW, now=NOW - MINUTE)

    counts = run_at_once(2, lambda: services.callbacks_release_due(now=NOW))

    assert sum(counts) == 300
    assert Callback.objects.filter(state=State.QUEUED).count() == 300
    assert CallbackEvent.objects.filter(type="released").count() == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_expiry_runs_at_once_expire_each_callback_exactly_once(monkeypatch):
    monkeypatch.setattr(services.beat, "BATCH_SIZE", 10)
    queue = QueueFactory(max_wait_minutes=1)
    for _ in range(200):
        CallbackFactory(queue=queue, now=NOW)

    counts = run_at_once(2, lambda: services.callbacks_expire_overdue(now=NOW + MINUTE))

    assert sum(counts) == 200
    assert CallbackEvent.objects.filter(type="expired").count() == 200
