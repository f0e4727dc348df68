"""The staff API's report reads under /api/v1/: the user's queues with their figures now."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from callbackproject.base.api import errors
from callbacks.api.staff.views import TAGS, StaffView
from reporting.selectors import queues_overview


class QueueOverviewOutput(serializers.Serializer):
    slug = serializers.SlugField(source="queue.slug")
    name = serializers.CharField(source="queue.name")
    time_zone = serializers.CharField(source="queue.time_zone")
    active = serializers.BooleanField(source="queue.active")
    waiting = serializers.IntegerField()
    scheduled_today = serializers.IntegerField(help_text="Scheduled for the queue's local today.")
    assigned = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done_today = serializers.IntegerField(help_text="Completed in the queue's local today.")
    flagged = serializers.IntegerField(help_text="Open callbacks flagged for supervisors.")
    agents_able = serializers.IntegerField(help_text="Agents who serve the queue with its skills.")
    agents_available = serializers.IntegerField()
    ewt_seconds = serializers.IntegerField(allow_null=True, help_text="A new customer's wait; null: nobody in.")
    oldest_wait_seconds = serializers.IntegerField(allow_null=True)


class QueuesView(StaffView):
    @extend_schema(
        tags=TAGS,
        responses={200: QueueOverviewOutput(many=True), **errors(401, 403)},
        summary="The user's queues, with figures now",
    )
    def get(self, request):
        return Response(QueueOverviewOutput(queues_overview(request.user), many=True).data)
