from django.urls import path

from . import manage_views

app_name = "manage"

urlpatterns = [
    path("", manage_views.overview, name="overview"),
    path("troubleshooting/", manage_views.troubleshooting, name="troubleshooting"),
    path("callbacks/", manage_views.callback_list, name="callbacks"),
    path("callbacks/search", manage_views.callback_search, name="callback-search"),
    path("callbacks/bulk-cancel", manage_views.bulk_cancel, name="bulk-cancel"),
    path("callbacks/<uuid:callback_id>/", manage_views.callback_detail, name="callback"),
    path("callbacks/<uuid:callback_id>/cancel", manage_views.cancel, name="cancel"),
    path("callbacks/<uuid:callback_id>/reschedule", manage_views.reschedule, name="reschedule"),
    path("callbacks/<uuid:callback_id>/assign", manage_views.assign, name="assign"),
    path("callbacks/<uuid:callback_id>/requeue", manage_views.requeue, name="requeue"),
]
