from django.urls import path

from . import live

# Mounted under /reports/ in the "reports" namespace by callbackproject/urls.py.
urlpatterns = [
    path("live/", live.live_page, name="live"),
    path("live/panel", live.live_panel, name="live-panel"),
    path("live/dashboard/", live.dashboard_edit, name="live-dashboard-edit"),
    path("live/agents/<int:agent_id>/status", live.agent_status, name="live-agent-status"),
]
