"""Default rules for the queues that exist already, the global rules row, and the roles' rules permissions."""

import importlib

from django.db import migrations

DEFAULT_REFUSED_TYPES = ["premium_rate", "shared_cost"]


def create_defaults(apps, schema_editor):
    db = schema_editor.connection.alias
    VirtualQueue = apps.get_model("queues", "VirtualQueue")
    QueueRules = apps.get_model("rules", "QueueRules")
    GlobalRules = apps.get_model("rules", "GlobalRules")
    GlobalRules.objects.using(db).get_or_create(pk=1, defaults={"country_policy": "any"})
    # Every queue refuses premium-rate and shared-cost numbers from now on, as a new one would.
    have_rules = QueueRules.objects.using(db).values_list("queue_id", flat=True)
    QueueRules.objects.using(db).bulk_create(
        QueueRules(queue=queue, refused_number_types=list(DEFAULT_REFUSED_TYPES))
        for queue in VirtualQueue.objects.using(db).exclude(pk__in=have_rules))


def grant_roles(apps, schema_editor):
    # The roles matrix gives administrators every permission of "rules"; the
    # app had no models when it first ran, so run it again (it is idempotent).
    roles = importlib.import_module("callbacks.migrations.0004_roles")
    roles.create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("rules", "0001_initial"),
        ("callbacks", "0004_roles"),
    ]

    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
