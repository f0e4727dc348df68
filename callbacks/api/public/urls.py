from django.urls import path

from . import views

# Mounted in the "public" namespace with the widget's events (callbackproject/urls.py).
urlpatterns = [
    path("widgets/<slug:key>/config", views.ConfigView.as_view(), name="widget-config"),
    path("widgets/<slug:key>/availability", views.AvailabilityView.as_view(), name="widget-availability"),
    path("widgets/<slug:key>/captcha", views.CaptchaChallengeView.as_view(), name="widget-captcha"),
    path("widgets/<slug:key>/callbacks", views.CreateView.as_view(), name="widget-callbacks"),
    path("callbacks/<uuid:callback_id>", views.StatusView.as_view(), name="callback"),
    path("callbacks/<uuid:callback_id>/cancel", views.CancelView.as_view(), name="callback-cancel"),
    path("callbacks/<uuid:callback_id>/reschedule", views.RescheduleView.as_view(), name="callback-reschedule"),
]
