"""The roles again, so administrators get the permissions of the models added since (lines of business, API problems)."""

import importlib

from django.db import migrations


def grant_roles(apps, schema_editor):
    importlib.import_module("callbacks.migrations.0004_roles").create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0007_api_problems"),
        ("queues", "0004_lines_of_business"),
        ("rules", "0002_defaults"),
    ]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
