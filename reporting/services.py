"""Writes of the reporting app: keeping its own records within their retention."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .conf import reporting_settings
from .models import WidgetEvent


@transaction.atomic
def widget_events_purge(*, older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete widget events received longer ago than the retention (``WIDGET_EVENT_RETENTION_DAYS``)."""
    now = now or timezone.now()
    days = reporting_settings.widget_event_retention_days if older_than_days is None else older_than_days
    deleted, _ = WidgetEvent.objects.filter(received_at__lt=now - dt.timedelta(days=days)).delete()
    return deleted
