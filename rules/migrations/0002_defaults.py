"""Default rules for the queues that exist already, and the global rules row.

It once also re-ran the roles for the rules permissions; the roles are now applied after every migrate,
from callbackproject/setup.py.
"""

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


class Migration(migrations.Migration):
    dependencies = [
        ("rules", "0001_initial"),
        ("callbacks", "0004_roles"),
    ]

    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
    ]
