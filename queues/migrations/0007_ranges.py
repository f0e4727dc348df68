"""Ranges the forms already keep, kept by the database too: office and allowed hours, calling windows, queue numbers.

Rows that break a new constraint stop the migration with their ids, rather
than an IntegrityError naming only the constraint: which fix is right (an
opening time, a window) is the administrator's call, not a migration's.
"""

import datetime as dt

from django.db import migrations, models
from django.db.models import Count, F, Q


def refuse_rows_breaking(model_name: str, constraints: list, *, app_label: str):
    """A RunPython step that lists the rows ``constraints`` would refuse and stops, before they are added."""

    def check(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        rows = model._default_manager.using(schema_editor.connection.alias)
        problems = []
        for constraint in constraints:
            if isinstance(constraint, models.UniqueConstraint):
                duplicated = (rows.filter(constraint.condition or Q()).values(*constraint.fields)
                              .annotate(n=Count("pk")).filter(n__gt=1).values_list(*constraint.fields))
                bad = rows.filter(constraint.condition or Q()).filter(
                    **{f"{constraint.fields[0]}__in": [row[0] for row in duplicated[:10]]})
            else:
                bad = rows.exclude(constraint.condition)
            ids = list(bad.order_by("pk").values_list("pk", flat=True)[:20])
            if ids:
                problems.append(f"  {constraint.name} ({constraint.get_violation_error_message()}):"
                                f" {model._meta.label} ids {ids}")
        if problems:
            raise RuntimeError("These rows break constraints this migration adds; correct them, then migrate "
                               "again:\n" + "\n".join(problems))

    return migrations.RunPython(check, migrations.RunPython.noop, elidable=True)


MIDNIGHT = dt.time(0)
CALLING_WINDOW_RANGE = "The calling window must close after it opens (use 00:00 for midnight)."
HOURS_RANGE = "Closing time must be after opening time (use 00:00 for midnight)."


def hours(model_name):
    return [
        models.CheckConstraint(condition=Q(closes=MIDNIGHT) | Q(closes__gt=F("opens")), name=f"{model_name}_range",
                               violation_error_message=HOURS_RANGE),
        models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name=f"{model_name}_weekday_range"),
    ]


QUEUE = [
    models.CheckConstraint(condition=Q(calling_window_end=MIDNIGHT) | Q(calling_window_end__gt=F("calling_window_start")),
                           name="virtualqueue_calling_window_range", violation_error_message=CALLING_WINDOW_RANGE),
    models.CheckConstraint(condition=Q(slot_minutes__gte=5, slot_minutes__lte=240),
                           name="virtualqueue_slot_minutes_range"),
    models.CheckConstraint(condition=Q(booking_horizon_days__gte=1, booking_horizon_days__lte=90),
                           name="virtualqueue_booking_horizon_range"),
    models.CheckConstraint(condition=Q(max_wait_minutes__gte=1), name="virtualqueue_max_wait_positive"),
    models.CheckConstraint(condition=Q(max_attempts__gte=1, max_attempts__lte=20),
                           name="virtualqueue_max_attempts_range"),
    models.CheckConstraint(condition=Q(retry_delay_minutes__gte=1), name="virtualqueue_retry_delay_positive"),
    models.CheckConstraint(condition=Q(reservation_timeout_seconds__gte=10),
                           name="virtualqueue_reservation_timeout_min"),
    models.CheckConstraint(condition=Q(max_rejections__gte=1), name="virtualqueue_max_rejections_positive"),
]
NEW = {"officehours": hours("officehours"), "callingpolicyhours": hours("callingpolicyhours"), "virtualqueue": QUEUE}


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0006_default_calling_policies"),
    ]

    operations = [
        *[refuse_rows_breaking(model_name, constraints, app_label="queues") for model_name, constraints in NEW.items()],
        *[migrations.AddConstraint(model_name=model_name, constraint=constraint)
          for model_name, constraints in NEW.items() for constraint in constraints],
    ]
