"""Once the lifecycle's beat ticks; they are now defined in callbackproject/setup.py (PERIODIC_TASKS) and applied
after every migrate. Kept, empty, so the migration graph stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
