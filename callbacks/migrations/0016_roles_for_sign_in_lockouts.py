"""Once the roles again, for django-axes' sign-in attempts.

The roles are now defined in callbackproject/setup.py (ROLES) and applied after every migrate;
kept, empty, so the migration graph stays the same.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0015_consent"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = []
