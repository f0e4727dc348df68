from django.contrib import admin

from queues.admin_scoping import LineOfBusinessScopedAdmin

from .forms import QueueRulesForm
from .models import NUMBER_TYPE_LABELS, CapacityOverride, GlobalRules, NumberEntry, QueueRules


class CapacityOverrideInline(admin.TabularInline):
    model = CapacityOverride
    extra = 0


class NumberEntryInline(admin.TabularInline):
    model = NumberEntry
    fields = ("kind", "match", "value", "note")
    extra = 0
    verbose_name_plural = "number entries of this queue (entries for every queue are under Number entries)"


@admin.register(QueueRules)
class QueueRulesAdmin(LineOfBusinessScopedAdmin):
    queue_path = "queue"
    form = QueueRulesForm
    list_display = (
        "queue",
        "slot_capacity",
        "daily_capacity",
        "country_policy",
        "refused_types",
        "immediate_cutoff_minutes",
        "offer_max_waiting",
    )
    list_select_related = ("queue",)
    search_fields = ("queue__name", "queue__slug")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("queue",)}),
        (
            "Capacity",
            {
                "fields": ("slot_capacity", "daily_capacity"),
                "description": "Overrides by weekday and time are at the bottom of the page.",
            },
        ),
        ("Countries", {"fields": ("country_policy", "countries")}),
        ("Numbers", {"fields": ("refused_number_types", "max_open_across_queues", "max_requests_per_day")}),
        ("Immediate callbacks", {"fields": ("immediate_cutoff_minutes", "offer_min_ewt_minutes", "offer_max_waiting")}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (CapacityOverrideInline, NumberEntryInline)

    def get_readonly_fields(self, request, obj=None):
        # A queue's rules stay with that queue.
        return (*self.readonly_fields, "queue") if obj else self.readonly_fields

    @admin.display(description="refused number types")
    def refused_types(self, obj):
        return ", ".join(NUMBER_TYPE_LABELS.get(t, t) for t in obj.refused_number_types or []) or "—"


# The global rules apply to every queue: not scoped by line of business.
@admin.register(GlobalRules)
class GlobalRulesAdmin(admin.ModelAdmin):
    list_display = ("__str__", "country_policy", "countries", "updated_at")
    fields = ("country_policy", "countries")

    def has_add_permission(self, request):
        return not GlobalRules.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberEntry)
class NumberEntryAdmin(LineOfBusinessScopedAdmin):
    # An entry of a queue's rules is that queue's line's; one without rules applies to every queue, every line's.
    queue_path = "rules__queue"
    shared_when_empty = True
    list_display = ("value", "match", "kind", "scope", "note", "created_at")
    list_filter = ("kind", "match", ("rules__queue", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("rules__queue",)
    search_fields = ("value", "note")
    fields = ("rules", "kind", "match", "value", "note")

    @admin.display(description="queue", ordering="rules__queue__name")
    def scope(self, obj):
        return obj.rules.queue if obj.rules_id else "Every queue"
