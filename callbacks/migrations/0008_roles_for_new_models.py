"""Once the roles again, for the models added since (lines of business, API problems).

The roles are now defined in callbackproject/setup.py (ROLES) and applied after every migrate;
kept, empty, so the migration graph stays the same.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0007_api_problems"),
        ("queues", "0004_lines_of_business"),
        ("rules", "0002_defaults"),
    ]

    operations = []
