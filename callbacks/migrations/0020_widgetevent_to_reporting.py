"""WidgetEvent moves to reporting (reporting 0002), whose funnel reads it: callbacks forget it, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0019_rejectionrecord_from_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="WidgetEvent")]),
    ]
