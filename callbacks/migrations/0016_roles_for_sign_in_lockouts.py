"""The roles again, so administrators see and delete django-axes' sign-in attempts: that is how they unlock."""

import importlib

from django.db import migrations


def grant_roles(apps, schema_editor):
    importlib.import_module("callbacks.migrations.0004_roles").create_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0015_consent"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
