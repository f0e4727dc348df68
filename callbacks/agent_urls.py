from django.urls import path

from . import agent_api

app_name = "agent-api"

urlpatterns = [
    path("me", agent_api.MeView.as_view(), name="me"),
    path("status", agent_api.StatusView.as_view(), name="status"),
    path("next", agent_api.NextView.as_view(), name="next"),
    path("callbacks/<uuid:callback_id>/start", agent_api.StartView.as_view(), name="callback-start"),
    path("callbacks/<uuid:callback_id>/outcome", agent_api.OutcomeView.as_view(), name="callback-outcome"),
    path("callbacks/<uuid:callback_id>/release", agent_api.ReleaseView.as_view(), name="callback-release"),
]
