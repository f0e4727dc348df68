import uuid
import zoneinfo

import phonenumbers
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from queues.admin_scoping import LineOfBusinessScopedAdmin

from .. import services
from ..models import Attempt, Callback, CallbackEvent, Channel, Consent
from ..phone import mask_phone, parse_phone
from ..reasons import reason_label
from ..templatetags.callback_format import zoned

admin.site.site_header = admin.site.site_title = "Callback service administration"

CUSTOMER_FIELDS = ("phone_number", "first_name", "last_name", "email", "customer_timezone", "notes", "context")
REQUEST_FIELDS = ("public_id", "queue", "channel", "desired_time")
LIFECYCLE_FIELDS = (
    "state",
    "outcome",
    "attempts",
    "agent",
    "due_at",
    "expires_at",
    "reservation_expires_at",
    "place_at",
    "hold_until",
    "dial_timezone",
    "rejections",
    "flagged",
)
HISTORY_FIELDS = (
    "created_at",
    "state_changed_at",
    "queued_at",
    "assigned_at",
    "started_at",
    "ended_at",
    "updated_at",
    "purged_at",
    "token_hash",
)
CONSENT_FIELDS = ("consent_record",)


def as_uuid(term: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


class CallbackForm(forms.ModelForm):
    # parse_phone rather than the model's form field: the same rules and message as the API.
    phone_number = forms.CharField(label="phone number", max_length=40)
    customer_timezone = forms.ChoiceField(
        label="customer's time zone",
        required=False,
        choices=[("", "—"), *((name, name) for name in sorted(zoneinfo.available_timezones()))],
    )

    class Meta:
        model = Callback
        fields = "__all__"

    def clean_phone_number(self):
        number = parse_phone(self.cleaned_data["phone_number"])
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_desired_time(self):
        desired_time = self.cleaned_data["desired_time"]
        if desired_time is not None and desired_time < timezone.now():
            raise ValidationError("The desired time is in the past.")
        return desired_time


@admin.display(description="reason", ordering="reason")
def reason_words(event: CallbackEvent) -> str:
    return reason_label(event.reason)


class CallbackEventInline(admin.TabularInline):
    model = CallbackEvent
    # Django takes a callable among read-only fields (as in list_display); the stubs take names only.
    fields = ("created_at", "type", "from_state", "to_state", "actor", "actor_user", reason_words, "metadata")  # type: ignore[assignment]
    readonly_fields = fields  # type: ignore[assignment]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor_user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = readonly_fields = ("number", "agent", "started_at", "ended_at", "outcome", "notes")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Callback)
class CallbackAdmin(LineOfBusinessScopedAdmin):
    queue_path = "queue"
    form = CallbackForm
    list_display = ("public_id", "queue", "masked_phone", "state", "channel", "attempts", "desired_time", "created_at")
    # Related-only filters: a filter of every queue would name other lines' queues.
    list_filter = ("state", "flagged", "channel", ("queue", admin.RelatedOnlyFieldListFilter), "created_at")
    list_select_related = ("queue",)
    # Only shows the search box: get_search_results matches whole values itself.
    search_fields = ("=public_id", "=phone_number")
    search_help_text = "A public id, or a whole phone number in any format, e.g. +44 20 7946 0958."
    date_hierarchy = "created_at"
    add_fieldsets = (
        (None, {"fields": ("queue", "desired_time")}),
        ("Customer", {"fields": CUSTOMER_FIELDS}),
    )
    fieldsets = (
        ("Customer", {"fields": CUSTOMER_FIELDS}),
        ("Request", {"fields": REQUEST_FIELDS}),
        ("Lifecycle", {"fields": LIFECYCLE_FIELDS}),
        ("Consent", {"fields": CONSENT_FIELDS}),
        ("History", {"fields": HISTORY_FIELDS, "classes": ("collapse",)}),
    )
    inlines = (AttemptInline, CallbackEventInline)

    @admin.display(description="phone number", ordering="phone_number")
    def masked_phone(self, callback):
        return mask_phone(callback.phone_number)

    @admin.display(description="consent")
    def consent_record(self, callback):
        """Evidence, so shown and never edited; the number masked as in every staff view; after the purge, only
        when and the digest."""
        consent = Consent.objects.select_related("widget", "api_key").filter(callback=callback).first()
        if consent is None:
            return "No consent record: booked before they were kept."
        given = zoned(consent.given_at, callback.queue.time_zone, "D j M Y, H:i:s")
        if consent.purged_at:
            return f"Consent recorded at {given} (hash {consent.digest})."
        through = "—"
        if consent.widget:
            through = f"widget “{consent.widget}”"
        elif consent.api_key:
            through = f"API key “{consent.api_key}”"
        facts = [
            ("Given", given),
            ("Channel", consent.get_channel_display()),
            ("Through", through),
            ("Client address", consent.client_address or "—"),
            ("Number", mask_phone(consent.phone_number)),
            ("Text", consent.text),
            ("Hash", consent.digest),
        ]
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", facts))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q()
        if public_id := as_uuid(term):
            match |= Q(public_id=public_id)
        try:
            number = parse_phone(term)
            match |= Q(phone_number=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        except ValidationError:
            pass
        return (queryset.filter(match) if match else queryset.none()), False

    def has_delete_permission(self, request, obj=None):
        # Reports are computed from a callback's events: cancel it instead,
        # and its personal data is purged after the retention period.
        return False

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # Only the customer's details can be corrected here, and not once
        # purged; everything else moves through the state machine.
        locked = REQUEST_FIELDS + LIFECYCLE_FIELDS + HISTORY_FIELDS + CONSENT_FIELDS
        return locked + CUSTOMER_FIELDS if obj.purged_at else locked

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def save_model(self, request, callback, form, change):
        if change:
            # Save only what the form edits: a full save would write back the
            # state read when the page was posted, undoing a transition made since.
            if form.changed_data:
                callback.save(update_fields=[*form.changed_data, "updated_at"])
            return
        # Created like every other callback, so it gets its token, expiry and "created" event.
        created, _token = services.callback_create(
            queue=callback.queue,
            phone_number=form.cleaned_data["phone_number"],
            first_name=callback.first_name,
            last_name=callback.last_name,
            email=callback.email,
            notes=callback.notes,
            desired_time=callback.desired_time,
            customer_timezone=callback.customer_timezone,
            context=callback.context,
            channel=Channel.STAFF,
            actor=CallbackEvent.Actor.STAFF,
            user=request.user,
        )
        callback.pk = created.pk
        callback.refresh_from_db()


@admin.register(CallbackEvent)
class CallbackEventAdmin(LineOfBusinessScopedAdmin):
    """The event log is the history reports are built from: read it, never rewrite it."""

    queue_path = "callback__queue"
    list_display = ("created_at", "callback", "type", "from_state", "to_state", "actor", "actor_user", reason_words)
    list_filter = ("type", "to_state", "actor", "created_at")
    list_select_related = ("callback", "actor_user")
    # Only shows the search box: get_search_results matches the whole id itself.
    search_fields = ("=callback__public_id",)
    search_help_text = "A callback's public id."
    date_hierarchy = "created_at"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        public_id = as_uuid(term)
        return (queryset.filter(callback__public_id=public_id) if public_id else queryset.none()), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
