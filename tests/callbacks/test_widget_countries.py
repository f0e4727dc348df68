"""`manage.py widget_countries`: the widget's country table, generated from phonenumbers' metadata."""

import io
import re
from pathlib import Path

import phonenumbers
import pytest
from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[2] / "callbacks" / "widget" / "src" / "countries.js"


@pytest.fixture
def generated(tmp_path) -> str:
    output = tmp_path / "countries.js"
    call_command("widget_countries", output=output, stdout=io.StringIO())
    return output.read_text(encoding="utf-8")


def table(text: str, name: str) -> dict[str, str]:
    body = re.search(rf"export const {name} = {{\n(.*?)\n}};", text, re.DOTALL).group(1)
    return dict(re.findall(r'^  ([A-Z]{2}): "([^"]*)",$', body, re.MULTILINE))


def test_every_region_phonenumbers_parses_has_its_calling_code(generated):
    codes = table(generated, "CALLING_CODES")
    assert (codes["FR"], codes["GB"], codes["US"], codes["CA"], codes["JE"]) == ("33", "44", "1", "1", "44")
    assert set(codes) == phonenumbers.SUPPORTED_REGIONS
    assert "001" not in codes  # non-geographic numbers have no country to pick


def test_regions_come_in_alphabetical_order(generated):
    regions = list(table(generated, "CALLING_CODES"))
    assert regions == sorted(regions)


def test_example_numbers_are_libphonenumbers_mobiles_as_dialled_at_home(generated):
    examples = table(generated, "EXAMPLE_NUMBERS")
    assert examples["GB"] == "07400 123456"
    assert examples["FR"] == "06 12 34 56 78"
    assert examples["US"] == "(201) 555-0123"
    assert "AC" not in examples  # others get none rather than a made-up one


def test_the_committed_table_is_the_generated_one(generated):
    assert COMMITTED.read_text(encoding="utf-8") == generated, "run `make widget` and commit the result"
