"""The roles again, so developers and administrators get the permissions of API keys (added in 0009)."""

import importlib

from django.db import migrations


def grant_roles(apps, schema_editor):
    importlib.import_module("callbacks.migrations.0004_roles").create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0009_api_keys"),
    ]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
