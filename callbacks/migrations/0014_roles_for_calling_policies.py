"""The roles again, so every role that sees queues sees the calling policies (added in queues 0005)."""

import importlib

from django.db import migrations


def grant_roles(apps, schema_editor):
    importlib.import_module("callbacks.migrations.0004_roles").create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0013_callback_reach"),
        ("queues", "0005_calling_policies"),
    ]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
