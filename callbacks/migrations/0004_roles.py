"""Once the roles; they are now defined in callbackproject/setup.py (ROLES) and applied after every migrate.
Kept, empty, so the migration graph stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0003_widgets"),
        ("queues", "0002_virtualqueue_max_open_per_number"),
        ("reporting", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
