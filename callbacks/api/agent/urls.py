from django.urls import path

from . import views

app_name = "agent-api"

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    path("status", views.StatusView.as_view(), name="status"),
    path("next", views.NextView.as_view(), name="next"),
    path("callbacks/<uuid:callback_id>/start", views.StartView.as_view(), name="callback-start"),
    path("callbacks/<uuid:callback_id>/outcome", views.OutcomeView.as_view(), name="callback-outcome"),
    path("callbacks/<uuid:callback_id>/release", views.ReleaseView.as_view(), name="callback-release"),
]
