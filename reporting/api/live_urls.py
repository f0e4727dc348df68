from django.urls import path

from . import live

# Mounted under /api/v1/reports/ in the "reports-api" namespace by callbackproject/urls.py.
urlpatterns = [
    path("live", live.LiveView.as_view(), name="live"),
    path("live/dashboard", live.DashboardView.as_view(), name="live-dashboard"),
    path("live/agents/<int:agent_id>/status", live.AgentStatusView.as_view(), name="live-agent-status"),
]
