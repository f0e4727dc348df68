"""The index the capacity counts read: a queue's bookings by desired time, canceled and expired ones left out."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0020_widgetevent_to_reporting"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                condition=models.Q(("state__in", ["canceled", "expired"]), _negated=True),
                fields=["queue", "desired_time", "created_at"],
                name="callback_booked",
            ),
        ),
    ]
