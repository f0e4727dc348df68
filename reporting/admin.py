from django.contrib import admin

from queues.admin_scoping import LineOfBusinessScopedAdmin

from .models import WidgetEvent


@admin.register(WidgetEvent)
class WidgetEventAdmin(LineOfBusinessScopedAdmin):
    queue_path = "widget__queue"
    list_display = ("occurred_at", "widget", "name", "session")
    list_filter = ("name", ("widget", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "occurred_at"
    list_select_related = ("widget",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
