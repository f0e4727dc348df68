from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from .admin_scoping import LineOfBusinessScopedAdmin
from .models import (
    Agent,
    AgentSkill,
    CallingPolicy,
    CallingPolicyHours,
    ClosedDate,
    LineOfBusiness,
    OfficeHours,
    QueueSkill,
    Skill,
    VirtualQueue,
    clock_range,
)
from .selectors import limited_to_lines


# Skills and calling policies belong to no queue: every line shares them, so they are not scoped.
@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "description")
    search_fields = ("name", "description")


class QueueSkillInline(admin.TabularInline):
    model = QueueSkill
    extra = 0
    autocomplete_fields = ("skill",)


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    extra = 0


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


@admin.register(VirtualQueue)
class VirtualQueueAdmin(LineOfBusinessScopedAdmin):
    queue_path = ""
    list_display = ("name", "slug", "time_zone", "priority", "active", "slot_minutes", "max_attempts")
    # The field offers every zone in the world; filter on the few in use.
    list_filter = ("active", ("time_zone", admin.AllValuesFieldListFilter), "priority")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "active", "priority", "time_zone")}),
        ("Booking", {"fields": ("slot_minutes", "booking_horizon_days", "max_wait_minutes", "max_open_per_number")}),
        (
            "Routing",
            {
                "fields": (
                    "calling_window_start",
                    "calling_window_end",
                    "after_hours",
                    "max_rejections",
                    "early_release_cap_minutes",
                )
            },
        ),
        ("Attempts", {"fields": ("max_attempts", "retry_delay_minutes", "reservation_timeout_seconds")}),
        ("Reports", {"fields": ("service_level_seconds", "promise_tolerance_minutes")}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (QueueSkillInline, OfficeHoursInline, ClosedDateInline)

    def save_model(self, request, queue, form, change):
        super().save_model(request, queue, form, change)
        if not change and limited_to_lines(request.user):
            # Else a user limited to lines would create a queue they could not see.
            queue.lines_of_business.add(*request.user.lines_of_business.all())


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 0
    autocomplete_fields = ("skill",)


@admin.register(Agent)
class AgentAdmin(LineOfBusinessScopedAdmin):
    # An agent belongs to the lines of the queues they serve; one serving none is in no line.
    queue_path = "queues"
    list_display = ("user", "full_name", "status", "status_changed_at", "queue_count")
    list_filter = ("status", ("queues", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    filter_horizontal = ("queues",)
    readonly_fields = ("status_changed_at",)
    fields = ("user", "status", "status_changed_at", "queues")
    inlines = (AgentSkillInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(queue_count=Count("queues", distinct=True))

    @admin.display(description="full name", ordering="user__last_name")
    def full_name(self, agent):
        return agent.user.get_full_name()

    @admin.display(description="queues", ordering="queue_count")
    def queue_count(self, agent):
        return agent.queue_count

    def save_model(self, request, agent, form, change):
        # Routing and reports read how long an agent has been in a status.
        if "status" in form.changed_data:
            agent.status_changed_at = timezone.now()
        super().save_model(request, agent, form, change)


@admin.register(LineOfBusiness)
class LineOfBusinessAdmin(admin.ModelAdmin):
    list_display = ("name", "queue_list", "member_count")
    search_fields = ("name", "queues__name", "members__username")
    filter_horizontal = ("queues", "members")

    def get_queryset(self, request):
        lines = super().get_queryset(request).prefetch_related("queues").annotate(member_total=Count("members"))
        return lines.filter(members=request.user) if limited_to_lines(request.user) else lines

    # Someone limited to lines sees their own and changes none: leaving one would lift their limit.
    def has_add_permission(self, request):
        return not limited_to_lines(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return not limited_to_lines(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not limited_to_lines(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description="queues")
    def queue_list(self, line):
        return ", ".join(queue.name for queue in line.queues.all()) or "—"

    @admin.display(description="members", ordering="member_total")
    def member_count(self, line):
        return line.member_total


class CallingPolicyHoursInline(admin.TabularInline):
    model = CallingPolicyHours
    extra = 0


@admin.register(CallingPolicy)
class CallingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "hours_summary", "no_calls_on_holidays", "max_attempts_per_24h", "active")
    list_filter = ("active", "country", "no_calls_on_holidays")
    search_fields = ("country", "subdivision", "note")
    fields = ("country", "subdivision", "active", "no_calls_on_holidays", "max_attempts_per_24h", "note")
    inlines = (CallingPolicyHoursInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("hours")

    @admin.display(description="allowed hours (local)")
    def hours_summary(self, policy):
        """'Mon–Fri 09:00–20:00; Sat 09:00–17:00': weekdays with the same hours in one run."""
        by_day = {}
        for hours in policy.hours.all():
            by_day.setdefault(hours.weekday, []).append(clock_range(hours.opens, hours.closes))
        if not by_day:
            return "any hour"
        runs = []  # [first day, last day, hours]
        for day in sorted(by_day):
            text = ", ".join(by_day[day])
            if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
                runs[-1][1] = day
            else:
                runs.append([day, day, text])
        short = [label[:3] for label in OfficeHours.Weekday.labels]
        return "; ".join(f"{short[a]}–{short[b]} {text}" if a != b else f"{short[a]} {text}" for a, b, text in runs)
