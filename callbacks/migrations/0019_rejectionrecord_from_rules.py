"""RejectionRecord comes from rules (rules 0004) with its table, rows, indexes, content type and permissions."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def content_type_moves(model: str, *, old: str, new: str) -> migrations.RunPython:
    """The model's content type follows it to its new app, so its permissions stay, and with them the groups
    an administrator granted them to and the admin's history of its rows. None on a fresh database: nothing to do.
    """

    def move(apps, schema_editor, old=old, new=new):
        ContentType = apps.get_model("contenttypes", "ContentType")
        rows = ContentType.objects.using(schema_editor.connection.alias)
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)

    def back(apps, schema_editor):
        move(apps, schema_editor, old=new, new=old)

    return migrations.RunPython(move, back)


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0018_state_constraints"),
        ("rules", "0004_rejectionrecord_to_callbacks"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="RejectionRecord",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="time")),
                    ("action", models.CharField(choices=[("create", "Create"), ("reschedule", "Reschedule")],
                                                default="create", max_length=10, verbose_name="action")),
                    ("code", models.CharField(choices=[
                        ("queue_closed", "Queue closed"),
                        ("outside_calling_window", "Outside the customer's calling window"),
                        ("country_not_allowed", "Country not allowed"), ("number_blocked", "Number blocked"),
                        ("number_type_not_allowed", "Number type not allowed"),
                        ("too_many_open", "Too many open callbacks"), ("daily_limit", "Daily limit reached"),
                        ("not_offered", "Not offered now"), ("capacity_full", "Capacity full")],
                        max_length=32, verbose_name="code")),
                    ("message", models.CharField(blank=True, max_length=255, verbose_name="message")),
                    ("channel", models.CharField(choices=[("widget", "Widget"), ("api", "API"),
                                                          ("click_to_call", "Click-to-call"), ("staff", "Staff")],
                                                 max_length=16, verbose_name="channel")),
                    ("number_last_digits", models.CharField(blank=True, max_length=4, verbose_name="number ends with")),
                    ("desired_time", models.DateTimeField(blank=True, null=True, verbose_name="desired time")),
                    ("queue", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                related_name="rejections", to="queues.virtualqueue",
                                                verbose_name="queue")),
                    ("widget", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="rejections", to="callbacks.widget",
                                                 verbose_name="widget")),
                ],
                options={
                    "verbose_name": "rejection",
                    "db_table": "rules_rejectionrecord",
                    "ordering": ["-created_at"],
                    "indexes": [models.Index(fields=["created_at"], name="rejection_time"),
                                models.Index(fields=["code", "created_at"], name="rejection_code_time"),
                                models.Index(fields=["queue", "created_at"], name="rejection_queue_time")],
                },
            ),
        ]),
        content_type_moves("rejectionrecord", old="rules", new="callbacks"),
    ]
