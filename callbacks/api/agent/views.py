"""The agents' API under /api/v1/agent/: what the worklist calls.

Session or token auth; the user needs ``callbacks.work_callback`` (the Agent
role) and an agent profile. An agent acts only on callbacks assigned to them:
any other callback is unknown to them (404).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from callbackproject.base.api import errors
from callbacks import claim, services
from callbacks.models import Callback
from callbacks.selectors import agent_worklist, callback_with_attempts
from queues.models import Agent

from .serializers import CallbackDetailOutput, MeOutput, OutcomeInput, ReleaseInput, StatusInput

TAGS = ["agent"]


class WorksCallbacks(BasePermission):
    message = "Only agents may use this API."

    def has_permission(self, request, view):
        return request.user.has_perm("callbacks.work_callback")


class HasAgentProfile(BasePermission):
    message = "Your user has no agent profile; ask an administrator to create one."

    def has_permission(self, request, view):
        return hasattr(request.user, "agent")


class AgentView(APIView):
    # Token first, so a request without credentials gets 401 and a challenge, not 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, WorksCallbacks, HasAgentProfile]

    @property
    def agent(self) -> Agent:
        user = self.request.user
        assert user.is_authenticated  # IsAuthenticated let the request in
        return user.agent


# -- output -------------------------------------------------------------------------------------


def detail(callback: Callback) -> dict:
    return CallbackDetailOutput(callback_with_attempts(callback)).data


def me(agent: Agent) -> dict:
    worklist = agent_worklist(agent)
    return MeOutput(
        {
            "username": agent.user.get_username(),
            "name": str(agent),
            "status": agent.status,
            "status_changed_at": agent.status_changed_at,
            "queues": [
                {"slug": load.queue.slug, "name": load.queue.name, "waiting": load.waiting} for load in worklist.queues
            ],
            "current": worklist.current,
            "upcoming": worklist.upcoming,
        }
    ).data


def own_callback(agent: Agent, callback_id) -> Callback:
    return get_object_or_404(Callback, public_id=callback_id, agent=agent)


# -- views --------------------------------------------------------------------------------------


class MeView(AgentView):
    @extend_schema(
        tags=TAGS,
        responses={200: MeOutput, **errors(401, 403)},
        summary="The agent: status, queues, current and upcoming callbacks",
    )
    def get(self, request):
        return Response(me(self.agent))


class StatusView(AgentView):
    @extend_schema(
        tags=TAGS,
        request=StatusInput,
        responses={200: MeOutput, **errors(400, 401, 403)},
        summary="Set the agent's status (away or offline gives back a reserved callback)",
    )
    def post(self, request):
        data = StatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.agent_set_status(agent=self.agent, status=data.validated_data["status"])
        return Response(me(self.agent))


class NextView(AgentView):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses={
            200: CallbackDetailOutput,
            204: OpenApiResponse(description="Nothing is waiting."),
            **errors(401, 403),
        },
        summary="Claim the next callback (or get the one already held)",
    )
    def post(self, request):
        callback = claim.callback_claim_next(agent=self.agent)
        if callback is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(detail(callback))


ACTION_ERRORS = errors(400, 401, 403, 404, 409)


class CallbackActionView(AgentView):
    """One move by the agent on a callback assigned to them."""

    def act(self, callback_id, action) -> Response:
        try:
            callback = action(own_callback(self.agent, callback_id))
        except services.NotYourCallback:
            # Taken back by a supervisor between the lookup and the lock.
            raise NotFound() from None
        return Response(detail(callback))


class StartView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: CallbackDetailOutput, **errors(401, 403, 404, 409)},
        summary="Dialling begins",
    )
    def post(self, request, callback_id):
        return self.act(callback_id, lambda cb: services.callback_start(callback=cb, agent=self.agent))


class OutcomeView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=OutcomeInput,
        responses={200: CallbackDetailOutput, **ACTION_ERRORS},
        summary="Record how the dial went: completes, retries, fails or cancels the callback",
    )
    def post(self, request, callback_id):
        data = OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(
            callback_id,
            lambda cb: services.callback_record_outcome(
                callback=cb,
                agent=self.agent,
                outcome=data.validated_data["outcome"],
                notes=data.validated_data["notes"],
            ),
        )


class ReleaseView(CallbackActionView):
    @extend_schema(
        tags=TAGS,
        request=ReleaseInput,
        responses={200: CallbackDetailOutput, **ACTION_ERRORS},
        summary="Give a reserved callback back to its queue, keeping its place",
    )
    def post(self, request, callback_id):
        data = ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(
            callback_id,
            lambda cb: services.callback_release(callback=cb, agent=self.agent, reject=data.validated_data["reject"]),
        )
