from django.urls import path

from . import widget_events

# Mounted in the "public" namespace beside the widget's other endpoints (callbackproject/urls.py).
urlpatterns = [
    path("widgets/<slug:key>/events", widget_events.EventsView.as_view(), name="widget-events"),
]
