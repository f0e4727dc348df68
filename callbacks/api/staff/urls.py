from django.urls import path

from . import views

# Mounted in the "staff-api" namespace with the report reads (callbackproject/urls.py).
urlpatterns = [
    path("callbacks/", views.CallbacksView.as_view(), name="callbacks"),
    path("callbacks/search", views.CallbackSearchView.as_view(), name="callbacks-search"),
    path("callbacks/<uuid:callback_id>", views.CallbackView.as_view(), name="callback"),
    path("callbacks/<uuid:callback_id>/cancel", views.CancelView.as_view(), name="callback-cancel"),
    path("callbacks/<uuid:callback_id>/reschedule", views.RescheduleView.as_view(), name="callback-reschedule"),
    path("callbacks/<uuid:callback_id>/assign", views.AssignView.as_view(), name="callback-assign"),
    path("callbacks/<uuid:callback_id>/requeue", views.RequeueView.as_view(), name="callback-requeue"),
]
