"""Phone numbers: parsing what customers type, and showing numbers without revealing them."""

import phonenumbers
from django.core.exceptions import ValidationError

INVALID_MESSAGE = "Enter a valid phone number with its country code, e.g. +44 20 7946 0958."
HIDDEN = "••••"


def parse_phone(raw: str, region: str | None = None) -> phonenumbers.PhoneNumber:
    """Parse a number typed in any format; ``region`` (ISO 3166 code, e.g. "GB") lets it omit the country code."""
    try:
        # phonenumbers only knows upper-case regions; browsers and apps often send "gb".
        number = phonenumbers.parse(raw or "", region.upper() if region else None)
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from None
    # Parsing only checks the shape: "+44 20" parses. Checking it against the
    # numbering plan refuses it now rather than as a failed call later.
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    return number


def mask_phone(number: phonenumbers.PhoneNumber | str | None) -> str:
    """'+44 •••• 0958': enough for staff to tell callbacks apart, never the whole number."""
    if not number:
        return ""
    if isinstance(number, str):
        try:
            number = phonenumbers.parse(number)
        except phonenumbers.NumberParseException:
            return HIDDEN
    national = str(number.national_number or "")
    # Some countries have 4- to 7-digit numbers, which their last four would
    # all but reveal: show at most half of the digits.
    shown = national[len(national) - min(4, len(national) // 2) :]
    return f"+{number.country_code} {HIDDEN} {shown}" if shown else HIDDEN
