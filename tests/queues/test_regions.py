import re

import holidays
import phonenumbers
import pytest
from phonenumbers.geodata import GEOCODE_DATA

from queues.regions import _AREA_CODES, _SHARED_AREA_CODES, region_for_number, subdivision_for_number


@pytest.mark.parametrize(
    ("number", "region", "subdivision"),
    [
        ("+1 305 555 0100", "US", "FL"),  # Miami
        ("+1 786 555 0100", "US", "FL"),  # Miami overlay
        ("+1 645 555 0100", "US", "FL"),  # Miami's second overlay (2023)
        ("+1 954 555 0100", "US", "FL"),  # Fort Lauderdale
        ("+1 405 555 0100", "US", "OK"),  # Oklahoma City
        ("+1 918 555 0100", "US", "OK"),  # Tulsa
        ("+1 539 555 0100", "US", "OK"),  # Tulsa overlay
        ("+1 212 555 0100", "US", "NY"),  # Manhattan
        ("+1 917 555 0100", "US", "NY"),  # New York City overlay
        ("+1 415 555 0100", "US", "CA"),  # San Francisco: California, not Canada
        ("+1 202 555 0100", "US", "DC"),
        ("+1 416 555 0100", "CA", "ON"),  # Toronto
        ("+1 647 555 0100", "CA", "ON"),  # Toronto overlay
        ("+1 905 555 0100", "CA", "ON"),  # the geocoder has no province for all of 905
        ("+1 514 555 0100", "CA", "QC"),  # Montreal
        ("+1 438 555 0100", "CA", "QC"),  # Montreal overlay
        ("+1 604 555 0100", "CA", "BC"),  # Vancouver
        ("+1 778 555 0100", "CA", "BC"),  # British Columbia overlay
        ("+1 902 368 1234", "CA", "PE"),  # Charlottetown: 902 is shared with Nova Scotia
        ("+1 902 404 1234", "CA", "NS"),  # Halifax
        ("+1 867 393 1234", "CA", "YT"),  # Whitehorse: 867 is shared by the three territories
        ("+1 782 555 0100", "CA", ""),  # shared, and no exchange the geocoder knows
        ("+1 876 555 0100", "JM", ""),  # Jamaica: NANP, its own country
        ("+1 787 555 0100", "PR", ""),  # Puerto Rico is its own region in phonenumbers
        ("+1 800 555 0100", "US", ""),  # toll-free: nowhere in particular
        ("+44 20 7946 0000", "GB", ""),
        ("+33 1 23 45 67 89", "FR", ""),
    ],
)
def test_a_number_gives_its_region_and_subdivision(number, region, subdivision):
    parsed = phonenumbers.parse(number)
    assert region_for_number(parsed) == region
    assert subdivision_for_number(parsed) == subdivision


def test_global_services_have_no_region():
    assert region_for_number(phonenumbers.parse("+800 1234 5678")) == ""


def _geocoded_subdivision(description, country):
    """A subdivision code from a geocoder description: "Miami, FL" or "Florida"."""
    place, _, suffix = description.rpartition(", ")
    if place:
        return suffix
    aliases = holidays.country_holidays(country).subdivisions_aliases
    # The geocoder's own spellings, where they differ from the holidays package's.
    aliases |= {"Washington State": "WA", "Washington D.C.": "DC", "British Colombia": "BC"}
    return aliases.get(description)


def _is_another_countrys(area_code):
    """Whether a NANP area code belongs to a country other than the US and Canada (876: Jamaica)."""
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
        leading = phonenumbers.PhoneMetadata.metadata_for_region(region).leading_digits
        if leading and re.match(leading, area_code):
            return True
    return False


def test_the_table_agrees_with_every_nanp_prefix_the_geocoder_knows():
    """Every US or Canadian prefix in phonenumbers' geocoding data is in the table, in the same place."""
    by_code = {
        code: (country, subdivision)
        for country, subdivisions in _AREA_CODES.items()
        for subdivision, codes in subdivisions.items()
        for code in codes.split()
    }
    checked = set()
    # 201 is New Jersey's oldest area code; this one exchange is geocoded across the Hudson.
    geocoder_errors = {"1201631"}
    for prefix, descriptions in GEOCODE_DATA.items():
        code = prefix[1:4]
        us_or_canada = prefix.startswith("1") and len(prefix) >= 4 and not _is_another_countrys(code)
        if not us_or_canada or "en" not in descriptions or prefix in geocoder_errors:
            continue
        description = descriptions["en"]
        if code in _SHARED_AREA_CODES:
            assert _geocoded_subdivision(description, "CA") in {*_SHARED_AREA_CODES[code], None}, prefix
        else:
            assert code in by_code, f"area code {code} ({description}) is missing from the table"
            country, subdivision = by_code[code]
            assert _geocoded_subdivision(description, country) == subdivision, (prefix, description)
        checked.add(code)
    assert checked == set(by_code) | set(_SHARED_AREA_CODES)


@pytest.mark.parametrize("country", ["US", "CA"])
def test_every_area_code_in_the_table_is_in_service_in_its_country(country):
    for subdivision, codes in _AREA_CODES[country].items():
        assert subdivision in holidays.country_holidays(country).subdivisions
        for code in codes.split():
            numbers = (
                phonenumbers.PhoneNumber(country_code=1, national_number=int(f"{code}{exchange}0100"))
                for exchange in range(200, 1000)
            )
            valid = next((number for number in numbers if phonenumbers.is_valid_number(number)), None)
            assert valid is not None, f"no valid number in area code {code}"
            assert region_for_number(valid) == country, code
