from django.urls import path

from . import manage

# Mounted in the "manage" namespace with the report pages (callbackproject/urls.py).
urlpatterns = [
    path("callbacks/", manage.callback_list, name="callbacks"),
    path("callbacks/search", manage.callback_search, name="callback-search"),
    path("callbacks/bulk-cancel", manage.bulk_cancel, name="bulk-cancel"),
    path("callbacks/<uuid:callback_id>/", manage.callback_detail, name="callback"),
    path("callbacks/<uuid:callback_id>/cancel", manage.cancel, name="cancel"),
    path("callbacks/<uuid:callback_id>/reschedule", manage.reschedule, name="reschedule"),
    path("callbacks/<uuid:callback_id>/assign", manage.assign, name="assign"),
    path("callbacks/<uuid:callback_id>/requeue", manage.requeue, name="requeue"),
]
