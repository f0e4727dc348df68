"""How customers reach a queue: widgets and GES API keys, with what they may do."""

import hashlib

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from queues.models import VirtualQueue


def origin_list(text: str) -> list[str]:
    """The origins of an "allowed origins" box: one a line, compared without a trailing slash."""
    return [line.strip().rstrip("/") for line in text.splitlines() if line.strip()]


def default_form() -> list[dict]:
    """The registration form a new widget starts with: what a customer expects to fill in."""
    return [
        {
            "name": "first_name",
            "type": "text",
            "label": "First name",
            "required": False,
            "maxlength": 100,
            "autocomplete": "given-name",
            "row": 1,
            "width": "half",
        },
        {
            "name": "last_name",
            "type": "text",
            "label": "Last name",
            "required": False,
            "maxlength": 100,
            "autocomplete": "family-name",
            "row": 1,
            "width": "half",
        },
        {
            "name": "phone_number",
            "type": "tel",
            "label": "Phone",
            "required": True,
            "placeholder": "20 7946 0958",
            "autocomplete": "tel",
            "row": 2,
            "width": "full",
        },
        {
            "name": "notes",
            "type": "textarea",
            "label": "Notes",
            "required": False,
            "maxlength": 2000,
            "placeholder": "What would you like to talk about?",
            "row": 3,
            "width": "full",
        },
    ]


class Widget(models.Model):
    class Captcha(models.TextChoices):
        NONE = "none", "None"
        IMAGE = "image", "Built-in image challenge"
        RECAPTCHA = "recaptcha", "Google reCAPTCHA"
        HCAPTCHA = "hcaptcha", "hCaptcha"
        TURNSTILE = "turnstile", "Cloudflare Turnstile"

    class Theme(models.TextChoices):
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    public_key = models.SlugField(
        "public key", max_length=64, unique=True, help_text="Goes in the embed tag's data-widget-key; not a secret."
    )
    name = models.CharField("name", max_length=120)
    queue = models.ForeignKey(VirtualQueue, on_delete=models.PROTECT, related_name="widgets", verbose_name="queue")
    allowed_origins = models.TextField(
        "allowed origins",
        blank=True,
        help_text="One origin a line, e.g. https://www.example.com — the sites that may embed this widget (CORS).",
    )
    form = models.JSONField(
        "registration form",
        default=default_form,
        help_text="An ordered list of inputs; fields other than the callback's own go into its context.",
    )
    captcha_provider = models.CharField("CAPTCHA", max_length=12, choices=Captcha.choices, default=Captcha.NONE)
    captcha_site_key = models.CharField("CAPTCHA site key", max_length=200, blank=True)
    captcha_secret_key = models.CharField("CAPTCHA secret key", max_length=200, blank=True)
    theme = models.CharField("theme", max_length=8, choices=Theme.choices, default=Theme.LIGHT)
    accent_color = models.CharField(
        "accent colour",
        max_length=7,
        default="#2563eb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2563eb.")],
    )
    offer_scheduling = models.BooleanField("offer scheduled callbacks", default=True)
    active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "widget"

    def __str__(self):
        return self.name

    @property
    def origins(self) -> list[str]:
        return origin_list(self.allowed_origins)


class ApiKey(models.Model):
    """A key of the Genesys-compatible API under /engagement/v3 (``callbacks.compat``).

    It names the queues (GES "services") it may use and the sites that may use
    it from a browser. Only a digest of the key is kept: a key read from the
    database is of no use to anyone.
    """

    name = models.CharField("name", max_length=120, help_text="Who uses it, e.g. “Mobile app” or “IVR”.")
    key_digest = models.CharField("key digest", max_length=64, unique=True, editable=False)
    key_prefix = models.CharField("key starts with", max_length=6, editable=False)
    queues = models.ManyToManyField(
        VirtualQueue,
        blank=True,
        related_name="api_keys",
        verbose_name="queues",
        help_text="The queues (serviceName) it may use; none: no queue at all.",
    )
    allowed_origins = models.TextField(
        "allowed origins",
        blank=True,
        help_text="One origin a line, e.g. https://www.example.com — the sites that may use this key from a "
        "browser (CORS). Servers and IVRs send no origin and need none.",
    )

    class Captcha(models.TextChoices):
        # A hosted provider only: GES clients have no way to fetch an image challenge.
        NONE = "none", "None"
        RECAPTCHA = "recaptcha", "Google reCAPTCHA"
        HCAPTCHA = "hcaptcha", "hCaptcha"
        TURNSTILE = "turnstile", "Cloudflare Turnstile"

    captcha_provider = models.CharField(
        "CAPTCHA",
        max_length=12,
        choices=Captcha.choices,
        default=Captcha.NONE,
        help_text="Check the captchaToken of every create against this provider (for keys used from browsers).",
    )
    captcha_secret_key = models.CharField("CAPTCHA secret key", max_length=200, blank=True)
    default_country = models.CharField(
        "default country",
        max_length=2,
        blank=True,
        help_text="ISO code such as US or GB: numbers sent without their country code (as many GES "
        "integrations do) are read as this country's. Empty: numbers must include it.",
    )
    active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self):
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def clean(self):
        if self.captcha_provider != self.Captcha.NONE and not self.captcha_secret_key:
            raise ValidationError({"captcha_secret_key": "The provider needs the secret key to check answers."})
        self.default_country = self.default_country.upper()
        if self.default_country and self.default_country not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError({"default_country": "Use an ISO 3166 country code such as US or GB."})

    def set_key(self, key: str) -> None:
        self.key_digest, self.key_prefix = self.digest(key), key[:6]

    @property
    def origins(self) -> list[str]:
        return origin_list(self.allowed_origins)
