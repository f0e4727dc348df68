from django.urls import path

from . import views

# Mounted in the "staff-api" namespace beside the callback endpoints (callbackproject/urls.py).
urlpatterns = [
    path("queues/", views.QueuesView.as_view(), name="queues"),
]
