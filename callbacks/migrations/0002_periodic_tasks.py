"""The lifecycle's fixed beat ticks. Due times live in callback rows, never as
one periodic task per callback."""

from django.db import migrations
from django.utils import timezone

TICKS = [
    # (name, task, every seconds)
    ("callbacks: release due callbacks", "callbacks.tasks.release_due", 15),
    ("callbacks: requeue timed-out reservations", "callbacks.tasks.requeue_timed_out", 10),
    ("callbacks: expire overdue callbacks", "callbacks.tasks.expire_overdue", 30),
    ("callbacks: purge personal data", "callbacks.tasks.purge_personal_data", 3600),
]


def create_ticks(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, seconds in TICKS:
        schedule, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.update_or_create(
            name=name,
            # A tick that waited longer than its interval is useless: the next
            # one does the same work, so let it expire instead of piling up.
            defaults={"task": task, "interval": schedule, "enabled": True, "expire_seconds": seconds},
        )
    # Tell a running beat its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_ticks(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in TICKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_ticks, remove_ticks)]
