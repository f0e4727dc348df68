"""The lifecycle's invariants in the database: one held callback per agent, and the fields each state sets.

Rows that break one stop the migration with their ids (queues 0007 says why).
"""

import importlib

from django.db import migrations, models
from django.db.models import Q

import callbacks.models

# Tuples and lists as callbacks.models has them, so the autodetector finds these equal to the models'.
HELD = ("assigned", "in_progress")
WAITING = ("scheduled", "queued", "retry_wait")
OPEN = ("scheduled", "queued", "assigned", "in_progress", "retry_wait")
FINAL = ("completed", "failed", "canceled", "expired")

CONSTRAINTS = [
    models.UniqueConstraint(fields=["agent"], name="callback_held", condition=Q(state__in=HELD),
                            violation_error_message="The agent already holds a callback."),
    models.CheckConstraint(
        condition=Q(ended_at__isnull=False, state__in=FINAL) | Q(ended_at__isnull=True, state__in=OPEN),
        name="callback_ended_iff_final", violation_error_message="Only a final callback has an end time."),
    models.CheckConstraint(
        condition=Q(agent__isnull=False, state__in=HELD) | Q(agent__isnull=True, state__in=WAITING)
        | Q(state__in=FINAL),
        name="callback_agent_fits_state",
        violation_error_message="An assigned or in-progress callback has an agent; a waiting one has none."),
    models.CheckConstraint(
        condition=Q(due_at__isnull=False, state__in=["scheduled", "retry_wait"])
        | Q(due_at__isnull=True, state__in=["queued", *HELD]) | Q(state__in=FINAL),
        name="callback_due_fits_state",
        violation_error_message="A scheduled or retrying callback has a due time; no other open one has."),
    models.CheckConstraint(
        condition=Q(reservation_expires_at__isnull=False, state="assigned")
        | (Q(reservation_expires_at__isnull=True) & ~Q(state="assigned")),
        name="callback_reservation_iff_assigned", violation_error_message="Only an assigned callback has a reservation."),
]

refuse_rows_breaking = importlib.import_module("queues.migrations.0007_ranges").refuse_rows_breaking


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0017_idempotent_requests"),
        ("queues", "0007_ranges"),
    ]

    operations = [
        # Deleting an agent who holds a callback is refused (ProtectedError) instead of breaking the row; no SQL.
        migrations.AlterField(
            model_name="callback", name="agent",
            field=models.ForeignKey(blank=True, null=True, on_delete=callbacks.models.keep_held_callbacks,
                                    related_name="callbacks", to="queues.agent", verbose_name="assigned agent"),
        ),
        refuse_rows_breaking("callback", CONSTRAINTS, app_label="callbacks"),
        # The plain partial index of held callbacks becomes the unique one, under the same name.
        migrations.RemoveIndex(model_name="callback", name="callback_held"),
        *[migrations.AddConstraint(model_name="callback", constraint=constraint) for constraint in CONSTRAINTS],
    ]
