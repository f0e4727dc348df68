"""The reasons of callback events in words: every code the service writes has its label."""

import importlib
import re
from pathlib import Path

import pytest
from django.urls import reverse

from callbacks import lifecycle
from callbacks.reasons import REASONS, reason_label
from tests.factories import CallbackFactory

ROOT = Path(__file__).resolve().parents[2]
# reason="code", reason: str = "code" (a default), reason=NAME (a module constant).
WRITTEN = re.compile(r'\breason(?:\s*:\s*str)?\s*=\s*(?:"(?P<code>[a-z_]+)"|(?P<name>[A-Z][A-Z_]+)\b)')


def written_reasons() -> set[str]:
    """Every reason code a module of the service passes, read from the source."""
    codes = set()
    for app in ("callbacks", "queues", "rules"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            for match in WRITTEN.finditer(source):
                if match["code"]:
                    codes.add(match["code"])
                else:
                    # A constant imported inside a function is found where it is defined.
                    module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
                    codes.add(getattr(module, match["name"], None))
    return codes - {None}


def test_every_reason_the_service_writes_has_a_label():
    codes = written_reasons()

    assert "reservation_timeout" in codes and "rejected" in codes  # the scan finds literals and constants
    assert codes - REASONS.keys() == set()


@pytest.mark.parametrize(
    "code,label",
    [
        ("outside_calling_window", "Outside the customer's calling window"),
        ("calling_policy", "Outside the calling hours the law allows"),
        ("attempt_limit", "Daily attempt limit for this number reached"),
        ("scheduled_at_opening", "Booked for when the customer's calling window opens"),
        ("no_answer", "No answer"),
    ],
)
def test_it_labels_a_known_code(code, label):
    assert reason_label(code) == label


def test_an_unknown_code_reads_as_words():
    assert reason_label("moved_abroad") == "Moved abroad"


def test_a_reason_written_as_text_keeps_its_words():
    assert reason_label("asked by phone_call") == "Asked by phone_call"


def test_no_reason_is_no_label():
    assert reason_label("") == ""


@pytest.mark.django_db
class TestAdmin:
    def test_the_event_log_lists_reasons_in_words(self, administrator):
        lifecycle.cancel(CallbackFactory(), actor=lifecycle.Actor.STAFF, reason="canceled_by_staff")

        body = administrator.get(reverse("admin:callbacks_callbackevent_changelist")).content.decode()

        assert '<td class="field-reason_words">Canceled by staff</td>' in body

    def test_a_callbacks_events_give_reasons_in_words(self, administrator):
        callback = CallbackFactory()
        lifecycle.cancel(callback, actor=lifecycle.Actor.CUSTOMER, reason="customer")

        body = administrator.get(reverse("admin:callbacks_callback_change", args=[callback.pk])).content.decode()

        assert "Canceled by the customer" in body
