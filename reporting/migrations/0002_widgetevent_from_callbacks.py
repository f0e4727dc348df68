"""WidgetEvent comes from callbacks (callbacks 0020) with its table, rows, content type and permissions.

Its new index serves the retention purge, which goes by the time received.
"""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

content_type_moves = importlib.import_module("callbacks.migrations.0019_rejectionrecord_from_rules").content_type_moves


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("callbacks", "0020_widgetevent_to_reporting"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="WidgetEvent",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("session", models.CharField(help_text="Random id of one page view.", max_length=64,
                                                 verbose_name="widget session")),
                    ("name", models.CharField(max_length=40, verbose_name="event")),
                    ("occurred_at", models.DateTimeField(verbose_name="occurred")),
                    ("received_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="received")),
                    ("metadata", models.JSONField(blank=True, default=dict, verbose_name="metadata")),
                    ("widget", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="events",
                                                 to="callbacks.widget", verbose_name="widget")),
                ],
                options={
                    "verbose_name": "widget event",
                    "db_table": "callbacks_widgetevent",
                    "ordering": ["occurred_at"],
                    "indexes": [models.Index(fields=["widget", "occurred_at"], name="widgetevent_widget_time")],
                },
            ),
        ]),
        migrations.AddIndex(model_name="widgetevent",
                            index=models.Index(fields=["received_at"], name="widgetevent_received")),
        content_type_moves("widgetevent", old="callbacks", new="reporting"),
    ]
