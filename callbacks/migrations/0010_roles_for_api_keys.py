"""Once the roles again, for API keys (added in 0009).

The roles are now defined in callbackproject/setup.py (ROLES) and applied after every migrate;
kept, empty, so the migration graph stays the same.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0009_api_keys"),
    ]

    operations = []
