"""Throttles of the public API: per client address and per phone number.

Rates are settings (env overridable); counts live in the default cache, which
must be shared (Redis) in production or each worker process counts alone. The
counters are atomic and fail open (callbackproject/throttling.py).
"""

from collections.abc import Mapping

import phonenumbers
from django.core.exceptions import ValidationError

from callbackproject.base.throttling import AtomicRateThrottle
from callbacks.models import ApiProblem
from callbacks.phone import parse_phone
from callbacks.problems import problem_record
from callbacks.selectors import widget_get


class RecordedThrottle(AtomicRateThrottle):
    """A throttle whose refusals show on the troubleshooting page."""

    def allow_request(self, request, view):
        if super().allow_request(request, view):
            return True
        widget = widget_get(view.kwargs.get("key", ""))
        problem_record(
            kind=ApiProblem.Kind.THROTTLED, request=request, widget=widget, detail=f"{self.scope} {self.rate}"
        )
        return False


class PublicAddressThrottle(RecordedThrottle):
    """Per client address; DRF reads X-Forwarded-For only through NUM_PROXIES trusted proxies."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CreateByAddressThrottle(PublicAddressThrottle):
    scope = "public_create"


class ReadByAddressThrottle(PublicAddressThrottle):
    scope = "public_read"


class CreateByNumberThrottle(RecordedThrottle):
    """Per phone number, so one number cannot be flooded from many addresses.

    The view's ``phone_field`` names the body field holding the number (the GES API's is ``phoneNumber``),
    and its ``phone_region(request)``, if any, the country of a number sent without its code.
    """

    scope = "public_number"

    def get_cache_key(self, request, view):
        if not isinstance(request.data, Mapping):  # a body that is no object: validation answers 400
            return None
        field = getattr(view, "phone_field", "phone_number")
        region = view.phone_region(request) if hasattr(view, "phone_region") else request.data.get("country")
        try:
            number = parse_phone(str(request.data.get(field, "")), region or None)
        except (ValidationError, AttributeError, TypeError):  # validation answers bad input with 400
            return None
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return self.cache_format % {"scope": self.scope, "ident": e164}


def client_ip(request) -> str | None:
    """The customer's address as the throttles see it (behind the configured proxies)."""
    return ReadByAddressThrottle().get_ident(request)
