"""The indexes the staff lists and the wait estimate read, so their pages stay flat as the history grows.

The lists, newest first by (created_at, id) as their cursor pages them: every callback, a queue's, the open
ones. The handle time: a queue's completed callbacks by end time, the start carried in the index.
"""

from django.db import migrations, models

OPEN_STATES = ("scheduled", "queued", "assigned", "in_progress", "retry_wait")


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0021_booked_index"),
        ("queues", "0008_report_targets"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(fields=["created_at", "id"], name="callback_newest"),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(fields=["queue", "created_at", "id"], name="callback_queue_newest"),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                condition=models.Q(("state__in", OPEN_STATES)), fields=["created_at", "id"], name="callback_open_newest"
            ),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                condition=models.Q(("state", "completed")),
                fields=["queue", "ended_at"],
                include=("started_at",),
                name="callback_handle_time",
            ),
        ),
    ]
