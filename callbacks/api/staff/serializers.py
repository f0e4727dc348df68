"""What the staff API takes and answers."""

from rest_framework import serializers

from callbacks.api.agent.serializers import AttemptOutput, QueueRefOutput
from callbacks.api.public import serializers as public
from callbacks.lifecycle import Actor
from callbacks.models import Channel, State
from queues.models import Agent, VirtualQueue
from queues.selectors import agent_by_username, queues_visible_to


class StaffCallbackOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    queue = QueueRefOutput()
    state = serializers.CharField()
    channel = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    # The stored PhoneNumber prints as E.164 (PHONENUMBER_DEFAULT_FORMAT); empty once purged.
    phone_number = serializers.CharField(help_text="E.164; empty once personal data is purged.")
    desired_time = serializers.DateTimeField(allow_null=True, help_text="Null: as soon as possible.")
    created_at = serializers.DateTimeField()
    attempts = serializers.IntegerField(help_text="Dials so far.")
    agent = serializers.CharField(
        source="agent.user.username",
        allow_null=True,
        help_text="Username of the agent holding it, or who ended it; else null.",
    )
    flagged = serializers.BooleanField(help_text="Agents rejected it as often as the queue allows.")
    outcome = serializers.CharField(help_text="The last dial's outcome; empty before any.")


class EventOutput(serializers.Serializer):
    type = serializers.CharField()
    from_state = serializers.CharField(help_text="Empty for the creation.")
    to_state = serializers.CharField()
    time = serializers.DateTimeField(source="created_at")
    actor = serializers.ChoiceField(choices=Actor.choices)
    user = serializers.CharField(source="actor_user.username", allow_null=True)
    reason = serializers.CharField()
    metadata = serializers.JSONField()


class StaffCallbackDetailOutput(StaffCallbackOutput):
    email = serializers.CharField(help_text="Empty when the customer gave none, or once purged.")
    notes = serializers.CharField()
    context = serializers.JSONField(help_text="The customer's journey from the widget.")  # type: ignore[assignment]  # a field named like the stubs' Field.context
    customer_timezone = serializers.CharField()
    reservation_expires_at = serializers.DateTimeField(allow_null=True)
    events = EventOutput(many=True, source="events.all", help_text="The timeline, oldest first.")
    dial_attempts = AttemptOutput(many=True, source="dial_attempts.all")


class VisibleQueueField(serializers.SlugRelatedField):
    """A queue by slug, among the user's lines of business: any other reads as unknown."""

    def get_queryset(self):
        return queues_visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        # PostgreSQL refuses a NUL even in a lookup: no slug holds one, so it names no queue.
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class StaffCreateInput(public.CreateInput):
    # get_queryset narrows it per user; the schema reads the model from this one.
    queue = VisibleQueueField(slug_field="slug", queryset=VirtualQueue.objects.all())
    # None removes an inherited field in DRF; the stubs know only the field's type.
    captcha = None  # type: ignore[assignment]  # staff are signed in
    consent_text = None  # type: ignore[assignment]  # recorded as taken by the signed-in user


class SearchInput(serializers.Serializer):
    """The body's shape, checked first so a list or object where text belongs is a 400; CallbackSearch then filters."""

    phone = serializers.CharField(required=False, max_length=32, help_text="All of it, or some of its digits.")
    queue = serializers.SlugField(required=False)
    state = serializers.ListField(child=serializers.ChoiceField(choices=State.choices), required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    created_from = serializers.DateField(required=False)
    created_to = serializers.DateField(required=False)
    flagged = serializers.BooleanField(required=False, allow_null=True)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Kept in the event; default canceled_by_staff."
    )


class AssignInput(serializers.Serializer):
    agent = serializers.CharField(help_text="The agent's username.")

    def validate_agent(self, username) -> Agent:
        agent = agent_by_username(username)
        if agent is None:
            raise serializers.ValidationError(f"No agent has the username “{username}”.")
        return agent
