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
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from callbackproject.base.api import errors
from callbacks import services
from callbacks.api.public import serializers as public
from callbacks.api.public.throttles import client_ip
from callbacks.filters import CallbackCursorPagination, CallbackFilter, CallbackSearch
from callbacks.lifecycle import Actor
from callbacks.models import Callback, Channel
from callbacks.selectors import callback_for_staff, callbacks_visible_to

from .serializers import (
    AssignInput,
    CancelInput,
    SearchInput,
    StaffCallbackDetailOutput,
    StaffCallbackOutput,
    StaffCreateInput,
)

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


# -- output -------------------------------------------------------------------------------------


def visible_callback(user, callback_id) -> Callback:
    """The callback with its timeline; one outside the user's queues is as unknown as a made-up id."""
    callback = callback_for_staff(user, callback_id)
    if callback is None:
        raise NotFound()
    return callback


def detail(user, callback_id) -> dict:
    return StaffCallbackDetailOutput(visible_callback(user, callback_id)).data


# -- callbacks ----------------------------------------------------------------------------------


class CallbacksView(StaffView, GenericAPIView):
    queryset = Callback.objects.none()  # the real one is per user; this tells the schema the model
    serializer_class = StaffCreateInput  # what OPTIONS describes for POST (without it, a 500)
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallbackFilter
    pagination_class = CallbackCursorPagination

    def get_queryset(self):
        return callbacks_visible_to(self.request.user)

    @extend_schema(
        tags=TAGS,
        responses={200: StaffCallbackOutput(many=True), **errors(400, 401, 403, 404)},
        summary="Callbacks of the user's queues, newest first, filtered, a page at a time",
        description=(
            "Pages by cursor: follow `next` (older) and `previous` (newer); there is no total count. "
            "To find a phone number, POST the filters to /api/v1/callbacks/search."
        ),
    )
    def get(self, request):
        if "phone" in request.query_params:
            raise serializers.ValidationError({"phone": [PHONE_IN_URL]})
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(StaffCallbackOutput(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=StaffCreateInput,
        responses={201: StaffCallbackDetailOutput, **errors(400, 401, 403, 409, 422)},
        summary="Create a callback on a customer's behalf, through the same rules",
    )
    def post(self, request):
        data = StaffCreateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        # The customer's token is not for staff: they follow it here.
        callback, _ = services.callback_create(
            queue=data.validated_data["queue"],
            channel=Channel.STAFF,
            actor=Actor.STAFF,
            user=request.user,
            client_address=client_ip(request),
            **data.customer_fields(),
        )
        return Response(detail(request.user, callback.public_id), status=status.HTTP_201_CREATED)


PHONE_IN_URL = (
    "A phone number is not taken in the address, where logs and referrers keep it: "
    "POST it with the other filters to /api/v1/callbacks/search."
)


class ReadsCallbacks(ManagesCallbacks):
    """A search is a read sent as a POST: view_callback is enough."""

    def has_permission(self, request, view):
        return request.user.has_perm("callbacks.view_callback")


class CallbackSearchView(StaffView, GenericAPIView):
    permission_classes = [IsAuthenticated, ReadsCallbacks]
    queryset = Callback.objects.none()  # the real one is per user
    serializer_class = SearchInput
    pagination_class = CallbackCursorPagination

    @extend_schema(
        tags=TAGS,
        request=SearchInput,
        responses={200: StaffCallbackOutput(many=True), **errors(400, 401, 403)},
        summary="The list's filters and a phone number, in the body; cursor and page_size in the query",
    )
    def post(self, request):
        SearchInput(data=request.data).is_valid(raise_exception=True)
        found = CallbackSearch(data=request.data, queryset=callbacks_visible_to(request.user), request=request)
        if not found.is_valid():
            raise serializers.ValidationError(found.errors)
        page = self.paginate_queryset(found.qs)
        return self.get_paginated_response(StaffCallbackOutput(page, many=True).data)


class CallbackView(StaffView):
    @extend_schema(
        tags=TAGS,
        responses={200: StaffCallbackDetailOutput, **errors(401, 403, 404)},
        summary="A callback with its events and attempts",
    )
    def get(self, request, callback_id):
        return Response(detail(request.user, callback_id))


ACTION_ERRORS = errors(400, 401, 403, 404, 409)


class CallbackActionView(StaffView):
    """One staff move on a callback of the user's queues; answers with its detail, the new event included."""

    def act(self, callback_id, action) -> Response:
        action(visible_callback(self.request.user, callback_id))
        return Response(detail(self.request.user, callback_id))


class CancelView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=CancelInput,
        responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS},
        summary="Cancel a callback",
    )
    def post(self, request, callback_id):
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data.get("reason") or "canceled_by_staff"
        return self.act(
            callback_id,
            lambda cb: services.callback_cancel(callback=cb, actor=Actor.STAFF, user=request.user, reason=reason),
        )


class RescheduleView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=public.RescheduleInput,
        responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS, **errors(422)},
        summary="Move a waiting callback to another time, through the same rules",
    )
    def post(self, request, callback_id):
        data = public.RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(
            callback_id,
            lambda cb: services.callback_reschedule(
                callback=cb, desired_time=data.validated_data["desired_time"], actor=Actor.STAFF, user=request.user
            ),
        )


class AssignView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=AssignInput,
        responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS},
        summary="Hand a waiting or reserved callback to an agent, ahead of the line",
    )
    def post(self, request, callback_id):
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(
            callback_id,
            lambda cb: services.callback_assign_to(callback=cb, agent=data.validated_data["agent"], user=request.user),
        )


class RequeueView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: StaffCallbackDetailOutput, **ACTION_ERRORS},
        summary="Take a reserved callback back from its agent, or put a waiting one in line now",
    )
    def post(self, request, callback_id):
        return self.act(callback_id, lambda cb: services.callback_requeue(callback=cb, user=request.user))
