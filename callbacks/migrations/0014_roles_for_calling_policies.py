"""Once the roles again, for calling policies (added in queues 0005).

The roles are now defined in callbackproject/setup.py (ROLES) and applied after every migrate;
kept, empty, so the migration graph stays the same.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0013_callback_reach"),
        ("queues", "0005_calling_policies"),
    ]

    operations = []
