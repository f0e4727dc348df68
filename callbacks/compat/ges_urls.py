"""The GES v3 paths, under /engagement/v3/ (callbackproject/urls.py)."""

from django.urls import path, re_path

from . import ges

app_name = "ges"

urlpatterns = [
    path("callbacks/create", ges.CreateView.as_view(), name="callback-create"),
    path("callbacks/cancel", ges.CancelView.as_view(), name="callback-cancel"),
    path("callbacks/retrieve", ges.RetrieveView.as_view(), name="callback-retrieve"),
    path("callbacks/availability/<str:service_name>", ges.AvailabilityView.as_view(), name="availability"),
    path("callbacks/open-for/<str:service_name>", ges.OpenForView.as_view(), name="open-for"),
    path("callbacks/queue-status/<str:service_name>", ges.QueueStatusView.as_view(), name="queue-status"),
    path("estimated-wait-time", ges.EstimatedWaitTimeView.as_view(), name="estimated-wait-time"),
    re_path(r"", ges.UnsupportedView.as_view(), name="unsupported"),
]
