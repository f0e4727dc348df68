"""RejectionRecord moves to callbacks (callbacks 0019), which records what the rules refuse: rules forget it, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rules", "0003_outside_calling_window"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="RejectionRecord")]),
    ]
