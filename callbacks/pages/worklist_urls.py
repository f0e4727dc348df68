from django.urls import path

from . import worklist

urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("panel", worklist.panel, name="worklist-panel"),
    path("status", worklist.set_status, name="worklist-status"),
    path("next", worklist.next_callback, name="worklist-next"),
    path("callbacks/<uuid:callback_id>/start", worklist.start, name="worklist-start"),
    path("callbacks/<uuid:callback_id>/outcome", worklist.outcome, name="worklist-outcome"),
    path("callbacks/<uuid:callback_id>/release", worklist.release, name="worklist-release"),
]
