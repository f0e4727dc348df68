"""The admin of how customers reach a queue: widgets (with their embed snippet) and GES API keys."""

import secrets
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.utils.html import format_html

from queues.admin_scoping import LineOfBusinessScopedAdmin

from ..models import ApiKey, Widget

# The kinds of field a widget's form may have.
FIELD_TYPES = ("text", "tel", "email", "textarea", "select", "checkbox", "hidden")


def checked_origins(origins: str) -> str:
    """An "allowed origins" box whose every line is an origin: scheme and host, no path."""
    for line in filter(None, (o.strip() for o in origins.splitlines())):
        parts = urlsplit(line)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ValidationError(f"“{line}” is not an origin: use scheme and host only, e.g. https://www.example.com")
    return origins


class WidgetForm(forms.ModelForm):
    class Meta:
        model = Widget
        fields = "__all__"
        widgets = {"captcha_secret_key": forms.PasswordInput(render_value=True)}

    def clean_allowed_origins(self):
        return checked_origins(self.cleaned_data["allowed_origins"])

    def clean_form(self):
        form = self.cleaned_data["form"]
        if not isinstance(form, list) or not all(
            isinstance(f, dict) and f.get("name") and f.get("type") in FIELD_TYPES for f in form
        ):
            raise ValidationError(f"A list of inputs, each with a name and a type among {', '.join(FIELD_TYPES)}.")
        if "phone_number" not in {f["name"] for f in form}:
            raise ValidationError("The form needs a phone_number input.")
        return form


@admin.register(Widget)
class WidgetAdmin(LineOfBusinessScopedAdmin):
    queue_path = "queue"
    form = WidgetForm
    list_display = ("name", "public_key", "queue", "captcha_provider", "offer_scheduling", "active")
    list_filter = ("active", "captcha_provider", ("queue", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "public_key", "allowed_origins")
    list_select_related = ("queue",)
    readonly_fields = ("embed_tag", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "public_key", "queue", "active", "embed_tag")}),
        ("Where it may run", {"fields": ("allowed_origins",)}),
        ("Form and look", {"fields": ("form", "offer_scheduling", "theme", "accent_color")}),
        ("CAPTCHA", {"fields": ("captcha_provider", "captcha_site_key", "captcha_secret_key")}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="embed tag")
    def embed_tag(self, widget):
        if not widget.pk:
            return "Save the widget to get its tag."
        src = static("callback/v1/widget.js")
        return format_html(
            '<code>&lt;script src="https://YOUR-HOST{}" data-widget-key="{}" async&gt;&lt;/script&gt;</code>',
            src,
            widget.public_key,
        )


class ApiKeyForm(forms.ModelForm):
    # Only a digest is stored: the key is typed (or generated) here, and never shown again.
    key = forms.CharField(
        label="key",
        min_length=16,
        max_length=128,
        required=False,
        strip=True,
        help_text="Copy it now: only a digest is kept, so it cannot be shown again. To move a GES integration "
        "without touching it, type the key it already sends. On an existing key, leave empty to keep it.",
    )

    class Meta:
        model = ApiKey
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["key"].required = True
            self.fields["key"].initial = secrets.token_urlsafe(30)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if key and ApiKey.objects.filter(key_digest=ApiKey.digest(key)).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Another API key already uses this key.")
        return key

    def clean_allowed_origins(self):
        return checked_origins(self.cleaned_data["allowed_origins"])

    def save(self, commit=True):
        if self.cleaned_data["key"]:
            self.instance.set_key(self.cleaned_data["key"])
        return super().save(commit)


@admin.register(ApiKey)
class ApiKeyAdmin(LineOfBusinessScopedAdmin):
    # A key belongs to the lines of the queues it may use; one with none is in no line.
    queue_path = "queues"
    form = ApiKeyForm
    list_display = ("name", "key_prefix", "queue_list", "active", "last_used_at", "created_at")
    list_filter = ("active", ("queues", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "key_prefix", "allowed_origins")
    filter_horizontal = ("queues",)
    readonly_fields = ("key_prefix", "last_used_at", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "key", "key_prefix", "active")}),
        ("What it may use", {"fields": ("queues", "allowed_origins", "default_country")}),
        ("CAPTCHA", {"fields": ("captcha_provider", "captcha_secret_key")}),
        ("History", {"fields": ("created_at", "last_used_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("queues")

    @admin.display(description="queues")
    def queue_list(self, key):
        return ", ".join(queue.slug for queue in key.queues.all()) or "—"
