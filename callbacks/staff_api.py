"""The staff API under /api/v1/: what CRMs and scripts call, with the management pages' permissions.

Session or token auth. Reading needs ``callbacks.view_callback`` (administrators,
supervisors, managers, developers); creating and acting need
``callbacks.manage_callback`` (administrators, supervisors). Lines of business
hold everywhere: a callback outside the user's queues is unknown to them (404).
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from callbackproject.api import errors
from queues.models import Agent, VirtualQueue
from queues.selectors import agent_by_username, queues_visible_to

from . import public_api, services
from .agent_api import AttemptOutput, QueueRefOutput
from .filters import CallbackFilter, CallbackSearch
from .lifecycle import Actor
from .models import Callback, Channel, State
from .selectors import callback_for_staff, callbacks_visible_to, queues_overview

TAGS = ["staff"]


class ManagesCallbacks(BasePermission):
    """view_callback to read; manage_callback to create or act, as on the management pages."""

    message = "Your role may not do this: reading needs callbacks.view_callback, acting callbacks.manage_callback."

    def has_permission(self, request, view):
        needed = "callbacks.view_callback" if request.method in SAFE_METHODS else "callbacks.manage_callback"
        return request.user.has_perm(needed)


class StaffView(APIView):
    # Token first, so a request without credentials gets 401 and a challenge, not 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, ManagesCallbacks]


class StaffPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


# -- output -------------------------------------------------------------------------------------

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
    agent = serializers.CharField(source="agent.user.username", allow_null=True,
                                  help_text="Username of the agent holding it, or who ended it; else null.")
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
    context = serializers.JSONField(help_text="The customer's journey from the widget.")
    customer_timezone = serializers.CharField()
    reservation_expires_at = serializers.DateTimeField(allow_null=True)
    events = EventOutput(many=True, source="events.all", help_text="The timeline, oldest first.")
    dial_attempts = AttemptOutput(many=True, source="dial_attempts.all")


def visible_callback(user, callback_id) -> Callback:
    """The callback with its timeline; one outside the user's queues is as unknown as a made-up id."""
    callback = callback_for_staff(user, callback_id)
    if callback is None:
        raise NotFound()
    return callback


def detail(user, callback_id) -> dict:
    return StaffCallbackDetailOutput(visible_callback(user, callback_id)).data


# -- callbacks ----------------------------------------------------------------------------------

class VisibleQueueField(serializers.SlugRelatedField):
    """A queue by slug, among the user's lines of business: any other reads as unknown."""

    def get_queryset(self):
        return queues_visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        # PostgreSQL refuses a NUL even in a lookup: no slug holds one, so it names no queue.
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class StaffCreateInput(public_api.CreateInput):
    # get_queryset narrows it per user; the schema reads the model from this one.
    queue = VisibleQueueField(slug_field="slug", queryset=VirtualQueue.objects.all())
    captcha = None  # staff are signed in
    consent_text = None  # recorded as taken by the signed-in user


class CallbacksView(StaffView, GenericAPIView):
    queryset = Callback.objects.none()  # the real one is per user; this tells the schema the model
    serializer_class = StaffCreateInput  # what OPTIONS describes for POST (without it, a 500)
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallbackFilter
    pagination_class = StaffPagination

    def get_queryset(self):
        return callbacks_visible_to(self.request.user)

    @extend_schema(tags=TAGS, responses={200: StaffCallbackOutput(many=True), **errors(400, 401, 403, 404)},
                   summary="Callbacks of the user's queues, newest first, filtered and paginated",
                   description="To find a phone number, POST the filters to /api/v1/callbacks/search.")
    def get(self, request):
        if "phone" in request.query_params:
            raise serializers.ValidationError({"phone": [PHONE_IN_URL]})
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(StaffCallbackOutput(page, many=True).data)

    @extend_schema(tags=TAGS, request=StaffCreateInput,
                   responses={201: StaffCallbackDetailOutput, **errors(400, 401, 403, 409, 422)},
                   summary="Create a callback on a customer's behalf, through the same rules")
    def post(self, request):
        data = StaffCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        # The customer's token is not for staff: they follow it here.
        callback, _ = services.callback_create(
            queue=data.validated_data["queue"], channel=Channel.STAFF, actor=Actor.STAFF, user=request.user,
            client_address=public_api.client_ip(request), **data.customer_fields())
        return Response(detail(request.user, callback.public_id), status=status.HTTP_201_CREATED)


PHONE_IN_URL = ("A phone number is not taken in the address, where logs and referrers keep it: "
                "POST it with the other filters to /api/v1/callbacks/search.")


class ReadsCallbacks(ManagesCallbacks):
    """A search is a read sent as a POST: view_callback is enough."""

    def has_permission(self, request, view):
        return request.user.has_perm("callbacks.view_callback")


class SearchInput(serializers.Serializer):
    """The body's shape, checked first so a list or object where text belongs is a 400; CallbackSearch then filters."""

    phone = serializers.CharField(required=False, max_length=32, help_text="All of it, or some of its digits.")
    queue = serializers.SlugField(required=False)
    state = serializers.ListField(child=serializers.ChoiceField(choices=State.choices), required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    created_from = serializers.DateField(required=False)
    created_to = serializers.DateField(required=False)
    flagged = serializers.BooleanField(required=False, allow_null=True)


class CallbackSearchView(StaffView, GenericAPIView):
    permission_classes = [IsAuthenticated, ReadsCallbacks]
    queryset = Callback.objects.none()  # the real one is per user
    serializer_class = SearchInput
    pagination_class = StaffPagination

    @extend_schema(tags=TAGS, request=SearchInput,
                   responses={200: StaffCallbackOutput(many=True), **errors(400, 401, 403)},
                   summary="The list's filters and a phone number, in the body; page and page_size in the query")
    def post(self, request):
        SearchInput(data=request.data).is_valid(raise_exception=True)
        found = CallbackSearch(data=request.data, queryset=callbacks_visible_to(request.user), request=request)
        if not found.is_valid():
            raise serializers.ValidationError(found.errors)
        page = self.paginate_queryset(found.qs)
        return self.get_paginated_response(StaffCallbackOutput(page, many=True).data)


class CallbackView(StaffView):
    @extend_schema(tags=TAGS, responses={200: StaffCallbackDetailOutput, **errors(401, 403, 404)},
                   summary="A callback with its events and attempts")
    def get(self, request, callback_id):
        return Response(detail(request.user, callback_id))


ACTION_ERRORS = errors(400, 401, 403, 404, 409)


class CallbackActionView(StaffView):
    """One staff move on a callback of the user's queues; answers with its detail, the new event included."""

    def act(self, callback_id, action) -> Response:
        action(visible_callback(self.request.user, callback_id))
        return Response(detail(self.request.user, callback_id))


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                   help_text="Kept in the event; default canceled_by_staff.")


class CancelView(CallbackActionView):
    @extend_schema(tags=TAGS, request=CancelInput, responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS},
                   summary="Cancel a callback")
    def post(self, request, callback_id):
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data.get("reason") or "canceled_by_staff"
        return self.act(callback_id, lambda cb: services.callback_cancel(
            callback=cb, actor=Actor.STAFF, user=request.user, reason=reason))


class RescheduleView(CallbackActionView):
    @extend_schema(tags=TAGS, request=public_api.RescheduleInput,
                   responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS, **errors(422)},
                   summary="Move a waiting callback to another time, through the same rules")
    def post(self, request, callback_id):
        data = public_api.RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(callback_id, lambda cb: services.callback_reschedule(
            callback=cb, desired_time=data.validated_data["desired_time"], actor=Actor.STAFF, user=request.user))


class AssignInput(serializers.Serializer):
    agent = serializers.CharField(help_text="The agent's username.")

    def validate_agent(self, username) -> Agent:
        agent = agent_by_username(username)
        if agent is None:
            raise serializers.ValidationError(f"No agent has the username “{username}”.")
        return agent


class AssignView(CallbackActionView):
    @extend_schema(tags=TAGS, request=AssignInput, responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS},
                   summary="Hand a waiting or reserved callback to an agent, ahead of the line")
    def post(self, request, callback_id):
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(callback_id, lambda cb: services.callback_assign_to(
            callback=cb, agent=data.validated_data["agent"], user=request.user))


class RequeueView(CallbackActionView):
    @extend_schema(tags=TAGS, request=None, responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS},
                   summary="Take a reserved callback back from its agent, or put a waiting one in line now")
    def post(self, request, callback_id):
        return self.act(callback_id, lambda cb: services.callback_requeue(callback=cb, user=request.user))


# -- queues -------------------------------------------------------------------------------------

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
    @extend_schema(tags=TAGS, responses={200: QueueOverviewOutput(many=True), **errors(401, 403)},
                   summary="The user's queues, with figures now")
    def get(self, request):
        return Response(QueueOverviewOutput(queues_overview(request.user), many=True).data)
