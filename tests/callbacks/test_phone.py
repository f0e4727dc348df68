import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from callbacks.phone import INVALID_MESSAGE, mask_phone, parse_phone


def e164(number):
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),  # United Kingdom
        ("+1 (212) 736-5000", "+12127365000"),  # United States
        ("+33 1 40 20 50 50", "+33140205050"),  # France
        ("+49 30 227 32152", "+493022732152"),  # Germany
        ("+91 98765 43210", "+919876543210"),  # India
        ("+61 2 9374 4000", "+61293744000"),  # Australia
        ("+55 11 91234-5678", "+5511912345678"),  # Brazil
    ],
)
def test_it_normalises_an_international_number_to_e164(raw, expected):
    assert e164(parse_phone(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("020 7946 0958", "GB", "+442079460958"),
        ("(212) 736-5000", "US", "+12127365000"),
        ("01 40 20 50 50", "FR", "+33140205050"),
        ("030 22732152", "DE", "+493022732152"),
        ("098765 43210", "IN", "+919876543210"),
        ("(02) 9374 4000", "AU", "+61293744000"),
        ("(11) 91234-5678", "BR", "+5511912345678"),
        ("00 44 20 7946 0958", "FR", "+442079460958"),
    ],
)
def test_it_reads_a_national_number_with_a_region_hint(raw, region, expected):
    assert e164(parse_phone(raw, region)) == expected


def test_it_accepts_a_lower_case_region_hint():
    assert e164(parse_phone("020 7946 0958", "gb")) == "+442079460958"


def test_a_region_hint_does_not_override_an_explicit_country_code():
    assert e164(parse_phone("+33 1 40 20 50 50", "GB")) == "+33140205050"


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("+44 20", None),  # too short
        ("+44 20 7946 0958 1234 5", None),  # too long
        ("call me maybe", None),  # letters
        ("+999 1234 5678", None),  # no such country code
        ("", None),  # empty
        ("020 7946 0958", None),  # national format without a region
        ("020 7946 0958", "ZZ"),  # unknown region
    ],
)
def test_it_rejects_an_invalid_number_with_a_clear_message(raw, region):
    with pytest.raises(ValidationError) as error:
        parse_phone(raw, region)

    assert error.value.messages == [INVALID_MESSAGE]
    assert error.value.code == "invalid_phone"


@pytest.mark.parametrize("number", ["+442079460958", phonenumbers.parse("+442079460958")])
def test_mask_phone_keeps_only_the_last_four_digits(number):
    assert mask_phone(number) == "+44 •••• 0958"


def test_mask_phone_never_reveals_a_short_number_whole():
    assert mask_phone("+6834002") == "+683 •••• 02"


@pytest.mark.parametrize("number", ["", None])
def test_mask_phone_shows_nothing_for_a_purged_number(number):
    assert mask_phone(number) == ""
