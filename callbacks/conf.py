"""The callbacks app's settings, each with its default: the app reads them here and nowhere else.

settings.py sets one only when its environment variable is set (README "Configuration"); read at each use, so
a test's ``settings`` fixture or ``override_settings`` reaches them.
"""

from django.conf import settings


class CallbackSettings:
    @property
    def default_handle_seconds(self) -> float:
        """The estimated wait's handle time for a queue with no completed callback in the window yet."""
        return getattr(settings, "CALLBACK_DEFAULT_HANDLE_SECONDS", 300)

    @property
    def handle_time_window_hours(self) -> int:
        """The estimated wait averages the handle time of the callbacks completed in the last this many hours."""
        return getattr(settings, "CALLBACK_HANDLE_TIME_WINDOW_HOURS", 24)

    @property
    def retention_days(self) -> int:
        """Personal data of finished callbacks is purged after this many days."""
        return getattr(settings, "CALLBACK_RETENTION_DAYS", 30)

    @property
    def consent_text(self) -> str:
        """The consent text recorded with a callback whose client sent none (a widget sends the one it shows)."""
        return getattr(settings, "CALLBACK_CONSENT_TEXT", "I agree to be called back at this number about my request.")

    @property
    def ges_consent_text(self) -> str:
        """GES clients send no consent text: an operator sets this to the wording the integrations show."""
        return getattr(
            settings,
            "CALLBACK_GES_CONSENT_TEXT",
            "Consent collected by the integration (Genesys-compatible API) in its own words.",
        )

    @property
    def troubleshooting_retention_days(self) -> int:
        """Rule rejections and API problems, the troubleshooting page's records, are deleted after this many days."""
        return getattr(settings, "TROUBLESHOOTING_RETENTION_DAYS", 90)

    @property
    def captcha_verify_urls(self) -> dict[str, str]:
        """Provider -> verify URL, over the hosted providers' own (api/public/captcha.py DEFAULT_VERIFY_URLS)."""
        return getattr(settings, "CAPTCHA_VERIFY_URLS", {})

    @property
    def captcha_backends(self) -> dict[str, str]:
        """Provider -> dotted path of a CaptchaBackend subclass, over api/public/captcha.py's DEFAULT_BACKENDS."""
        return getattr(settings, "CAPTCHA_BACKENDS", {})


callback_settings = CallbackSettings()
