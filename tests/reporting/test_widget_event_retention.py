"""Widget events are kept for WIDGET_EVENT_RETENTION_DAYS, counted from when we received them."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from reporting import services, tasks
from reporting.models import WidgetEvent
from tests.factories import WidgetFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def received(*, days_ago: float, now=NOW) -> WidgetEvent:
    at = now - dt.timedelta(days=days_ago)
    return WidgetEvent.objects.create(
        widget=WidgetFactory(), session="s1", name="opened", occurred_at=at, received_at=at
    )


def test_the_purge_deletes_events_received_before_the_retention(settings):
    settings.WIDGET_EVENT_RETENTION_DAYS = 90
    received(days_ago=91)

    assert services.widget_events_purge(now=NOW) == 1
    assert not WidgetEvent.objects.exists()


def test_the_purge_keeps_events_within_the_retention(settings):
    settings.WIDGET_EVENT_RETENTION_DAYS = 90
    kept = received(days_ago=89)

    services.widget_events_purge(now=NOW)

    assert list(WidgetEvent.objects.all()) == [kept]


def test_the_command_uses_the_retention_it_is_given(capsys):
    received(days_ago=3, now=timezone.now())

    call_command("purge_widget_events", "--days", "2")

    assert not WidgetEvent.objects.exists()
    assert "Deleted 1 widget event(s) older than 2 days." in capsys.readouterr().out


def test_the_beat_task_purges(settings):
    settings.WIDGET_EVENT_RETENTION_DAYS = 90
    received(days_ago=91, now=timezone.now())

    assert tasks.purge_widget_events.apply().get() == 1


def test_the_purge_is_on_the_beat():
    assert PeriodicTask.objects.get(task="reporting.tasks.purge_widget_events").enabled
