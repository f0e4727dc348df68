"""The live dashboard's API under /api/v1/reports/: the figures now, the roster, the pins, an agent set away."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from callbackproject.base.api import errors
from callbacks.services import agent_set_status_by_staff
from queues.models import Agent
from reporting.live import FIGURES, PANEL_ITEMS, live_figures
from reporting.services import dashboard_update

from .permissions import ReportView

TAGS = ["reports"]
NOW_FIGURES = [key for key, figure in FIGURES.items() if not figure.today]
TODAY_FIGURES = [key for key, figure in FIGURES.items() if figure.today]


def _figure_field(key: str) -> serializers.Field:
    figure = FIGURES[key]
    field = serializers.FloatField if figure.kind == "share" else serializers.IntegerField
    help_text = figure.label + (f": {figure.help}" if figure.help else "")
    if figure.kind == "share":
        help_text += " A share from 0 to 1; null when there was nothing to measure."
    return field(source=f"values.{key}", allow_null=True, read_only=True, help_text=help_text)


class LiveExpiryOutput(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like the stubs' Field.label
    count = serializers.IntegerField()


class LiveFiguresOutput(serializers.Serializer):
    """A panel's figures: counts, seconds and shares; the today figures over the queue's own local day."""

    expired_by_reason = LiveExpiryOutput(many=True, help_text="Expired today, by reason.")

    def get_fields(self):
        # One field per figure of the catalogue (reporting.live.FIGURES), so the two cannot differ.
        return {key: _figure_field(key) for key in FIGURES} | super().get_fields()


class LiveActivityOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    callback_id = serializers.UUIDField()
    from_state = serializers.CharField(help_text="Empty for a new callback.")
    to_state = serializers.CharField()
    actor = serializers.CharField()
    actor_username = serializers.CharField(help_text="The member of staff or agent who moved it; empty otherwise.")
    reason = serializers.CharField()


class LiveQueueOutput(LiveFiguresOutput):
    slug = serializers.SlugField(source="queue.slug")
    name = serializers.CharField(source="queue.name")
    time_zone = serializers.CharField(source="queue.time_zone")
    day_start = serializers.DateTimeField(help_text="The queue's local midnight: the start of its today.")
    activity = LiveActivityOutput(many=True, help_text="Its latest state changes of the last 24 hours, newest first.")


class LiveHeldCallbackOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    state = serializers.CharField()
    queue = serializers.SlugField(source="queue.slug")


class LiveAgentStatusOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    status = serializers.ChoiceField(choices=Agent.Status.choices)
    status_changed_at = serializers.DateTimeField()


class LiveAgentOutput(serializers.Serializer):
    id = serializers.IntegerField(source="agent.pk")
    username = serializers.CharField(source="agent.user.username")
    name = serializers.CharField(source="agent")
    status = serializers.ChoiceField(source="agent.status", choices=Agent.Status.choices)
    status_changed_at = serializers.DateTimeField(source="agent.status_changed_at")
    queues = serializers.ListField(child=serializers.SlugField(), source="queue_slugs", help_text="Of your queues.")
    callback = LiveHeldCallbackOutput(source="holds", allow_null=True, help_text="The callback they hold, if any.")
    handled_today = serializers.IntegerField(help_text="Dials ended today in your queues, each in its own local day.")


class LivePanel(serializers.Serializer):
    queue = serializers.SlugField(allow_null=True, help_text="A queue's slug; null for the total of the user's queues.")
    figures = serializers.ListField(child=serializers.ChoiceField(choices=PANEL_ITEMS), max_length=len(PANEL_ITEMS))


class LiveOutput(serializers.Serializer):
    at = serializers.DateTimeField(source="now")
    total = LiveFiguresOutput(help_text="The sums over the user's queues; no wait estimate.")
    queues = LiveQueueOutput(many=True)
    agents = LiveAgentOutput(many=True, source="roster")
    panels = LivePanel(many=True, source="pins", help_text="What the user pinned (or the default: everything).")


class LiveView(ReportView):
    """The live dashboard's figures, roster and pins, as the page shows them."""

    @extend_schema(
        tags=TAGS,
        responses={200: LiveOutput, **errors(401, 403)},
        summary="The live dashboard: each queue's figures now and today, their total, the agents",
        description="Poll it every few seconds. Counts now: " + ", ".join(NOW_FIGURES) + ". Today, in each "
        "queue's local day: " + ", ".join(TODAY_FIGURES) + ".",
    )
    def get(self, request):
        return Response(LiveOutput(live_figures(request.user)).data)


class LiveDashboardInput(serializers.Serializer):
    panels = serializers.ListField(
        child=LivePanel(), allow_null=True, max_length=100, help_text="null: unpin, show everything."
    )


class DashboardView(ReportView):
    """The panels of the user's own live dashboard: which queues (or the total), which figures on each."""

    @extend_schema(
        tags=TAGS,
        request=LiveDashboardInput,
        responses={200: LiveDashboardInput, **errors(400, 401, 403)},
        summary="Pin the panels of your live dashboard",
    )
    def put(self, request):
        body = LiveDashboardInput(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"panels": dashboard_update(user=request.user, panels=body.validated_data["panels"])})


class LiveAgentStatusInput(serializers.Serializer):
    # Every status, as the agent API names them (one enum in the schema); staff may set away or offline only,
    # which the service decides (400 for the others).
    status = serializers.ChoiceField(choices=Agent.Status.choices, help_text="away or offline.")


class AgentStatusView(ReportView):
    """A supervisor takes an agent off the line; whether they may is the service's to decide."""

    @extend_schema(
        tags=TAGS,
        request=LiveAgentStatusInput,
        responses={200: LiveAgentStatusOutput, **errors(400, 401, 403, 404)},
        summary="Set an agent of your queues away or offline (supervisors, administrators)",
        description="A callback reserved for them goes back in line. Logged in the agent's admin history.",
    )
    def post(self, request, agent_id):
        agent = get_object_or_404(Agent, pk=agent_id)
        body = LiveAgentStatusInput(data=request.data)
        body.is_valid(raise_exception=True)
        agent = agent_set_status_by_staff(agent=agent, status=body.validated_data["status"], by=request.user)
        return Response(LiveAgentStatusOutput(agent).data)
