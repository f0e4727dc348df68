from django.urls import path

from . import staff_api

app_name = "staff-api"

urlpatterns = [
    path("callbacks/", staff_api.CallbacksView.as_view(), name="callbacks"),
    path("callbacks/search", staff_api.CallbackSearchView.as_view(), name="callbacks-search"),
    path("callbacks/<uuid:callback_id>", staff_api.CallbackView.as_view(), name="callback"),
    path("callbacks/<uuid:callback_id>/cancel", staff_api.CancelView.as_view(), name="callback-cancel"),
    path("callbacks/<uuid:callback_id>/reschedule", staff_api.RescheduleView.as_view(), name="callback-reschedule"),
    path("callbacks/<uuid:callback_id>/assign", staff_api.AssignView.as_view(), name="callback-assign"),
    path("callbacks/<uuid:callback_id>/requeue", staff_api.RequeueView.as_view(), name="callback-requeue"),
    path("queues/", staff_api.QueuesView.as_view(), name="queues"),
]
