"""What a change to a queue's configuration tells the cached reads of it (``queues.hours``, ``queues.calling``)."""

from django.db.models.signals import post_delete, post_save

from . import calling, hours
from .models import CallingPolicy, CallingPolicyHours, ClosedDate, OfficeHours


def _calendar_changed(sender, instance, **kwargs) -> None:
    hours.calendar_changed(queue_id=instance.queue_id)


def _policies_changed(sender, instance, **kwargs) -> None:
    calling.policies_changed()


def connect() -> None:
    for name, signal in (("save", post_save), ("delete", post_delete)):
        for calendar in (OfficeHours, ClosedDate):
            signal.connect(_calendar_changed, sender=calendar, dispatch_uid=f"calendar-{name}-{calendar.__name__}")
        for policy in (CallingPolicy, CallingPolicyHours):
            signal.connect(_policies_changed, sender=policy, dispatch_uid=f"policies-{name}-{policy.__name__}")
