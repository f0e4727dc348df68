from django.urls import path

from . import public_api

app_name = "public"

urlpatterns = [
    path("widgets/<slug:key>/config", public_api.ConfigView.as_view(), name="widget-config"),
    path("widgets/<slug:key>/availability", public_api.AvailabilityView.as_view(), name="widget-availability"),
    path("widgets/<slug:key>/captcha", public_api.CaptchaChallengeView.as_view(), name="widget-captcha"),
    path("widgets/<slug:key>/callbacks", public_api.CreateView.as_view(), name="widget-callbacks"),
    path("widgets/<slug:key>/events", public_api.EventsView.as_view(), name="widget-events"),
    path("callbacks/<uuid:callback_id>", public_api.StatusView.as_view(), name="callback"),
    path("callbacks/<uuid:callback_id>/cancel", public_api.CancelView.as_view(), name="callback-cancel"),
    path("callbacks/<uuid:callback_id>/reschedule", public_api.RescheduleView.as_view(), name="callback-reschedule"),
]
