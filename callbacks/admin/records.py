"""The admin of what the service records beside callbacks: refused requests and API problems."""

from django.contrib import admin

from queues.admin_scoping import LineOfBusinessScopedAdmin

from ..models import ApiProblem, RejectionRecord


@admin.register(RejectionRecord)
class RejectionRecordAdmin(LineOfBusinessScopedAdmin):
    """Read-only: written by the service whenever a rule refuses a request."""

    # A record without a queue (an unknown or deleted one) is in no line: for staff who see every queue.
    queue_path = "queue"
    list_display = ("created_at", "code", "queue", "widget", "channel", "action", "masked_number", "desired_time")
    list_filter = ("code", "channel", "action", ("queue", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("queue", "widget")
    date_hierarchy = "created_at"
    search_fields = ("number_last_digits",)

    @admin.display(description="number", ordering="number_last_digits")
    def masked_number(self, obj):
        return f"•••• {obj.number_last_digits}" if obj.number_last_digits else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiProblem)
class ApiProblemAdmin(LineOfBusinessScopedAdmin):
    # A problem without a widget belongs to no line: only staff who see every queue see it.
    queue_path = "widget__queue"
    list_display = ("created_at", "kind", "widget", "origin", "path", "detail")
    list_filter = ("kind", ("widget", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "created_at"
    list_select_related = ("widget",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
