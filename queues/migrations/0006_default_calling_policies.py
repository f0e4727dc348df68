"""The calling policies the service ships with (queues.calling_policy_defaults), each with its source.

Only rows that are missing are created, so a policy an administrator edited is never overwritten.
"""

import datetime as dt

from django.db import migrations


def clock(text: str) -> dt.time:
    return dt.time(0) if text == "24:00" else dt.time.fromisoformat(text)


def install(apps, schema_editor):
    from queues.calling_policy_defaults import DEFAULT_POLICIES

    CallingPolicy = apps.get_model("queues", "CallingPolicy")
    CallingPolicyHours = apps.get_model("queues", "CallingPolicyHours")
    for row in DEFAULT_POLICIES:
        policy, created = CallingPolicy.objects.get_or_create(
            country=row["country"], subdivision=row["subdivision"],
            defaults={"no_calls_on_holidays": row["no_calls_on_holidays"],
                      "max_attempts_per_24h": row["max_attempts_per_24h"], "note": row["note"]})
        if created:
            CallingPolicyHours.objects.bulk_create(
                CallingPolicyHours(policy=policy, weekday=day, opens=clock(opens), closes=clock(closes))
                for day, ranges in row["hours"].items() for opens, closes in ranges)


class Migration(migrations.Migration):
    dependencies = [("queues", "0005_calling_policies")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
