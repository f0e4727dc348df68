"""What the agent API takes and answers."""

import phonenumbers
from django.utils import timezone
from rest_framework import serializers

from callbacks.models import Outcome
from queues.models import Agent


class QueueRefOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    agent = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(help_text="Empty while dialling.")
    notes = serializers.CharField()

    def get_agent(self, attempt) -> str | None:
        return str(attempt.agent) if attempt.agent else None


class CallbackDetailOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    state = serializers.CharField()
    queue = QueueRefOutput()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone_number = serializers.SerializerMethodField(help_text="E.164, for the dialler and a tel: link.")
    phone_national = serializers.SerializerMethodField(help_text="As the customer's country writes it.")
    notes = serializers.CharField()
    context = serializers.JSONField(help_text="The customer's journey from the widget.")  # type: ignore[assignment]  # a field named like the stubs' Field.context
    desired_time = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    waited_seconds = serializers.SerializerMethodField(help_text="Since the customer's place in line.")
    reservation_expires_at = serializers.DateTimeField(allow_null=True)
    attempt_count = serializers.IntegerField(source="attempts")
    max_attempts = serializers.IntegerField(source="queue.max_attempts")
    attempts = AttemptOutput(many=True, source="dial_attempts.all")

    def get_phone_number(self, callback) -> str:
        return (
            phonenumbers.format_number(callback.phone_number, phonenumbers.PhoneNumberFormat.E164)
            if callback.phone_number
            else ""
        )

    def get_phone_national(self, callback) -> str:
        return (
            phonenumbers.format_number(callback.phone_number, phonenumbers.PhoneNumberFormat.NATIONAL)
            if callback.phone_number
            else ""
        )

    def get_waited_seconds(self, callback) -> int:
        return max(0, round((timezone.now() - callback.place_at).total_seconds()))


class UpcomingOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    queue = QueueRefOutput()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    desired_time = serializers.DateTimeField()


class QueueOutput(QueueRefOutput):
    waiting = serializers.IntegerField()


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Agent.Status.choices)
    status_changed_at = serializers.DateTimeField()
    queues = QueueOutput(many=True, help_text="The queues this agent can serve, and how many wait in each.")
    current = CallbackDetailOutput(allow_null=True, help_text="The callback reserved for or dialled by the agent.")
    upcoming = UpcomingOutput(many=True, help_text="Up to 10 scheduled callbacks of their queues, soonest first.")


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Agent.Status.choices)


class OutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReleaseInput(serializers.Serializer):
    reject = serializers.BooleanField(
        required=False, default=False, help_text="Reject after the preview: another agent gets it."
    )
