"""Ranges of hours and queue settings, refused by the database, and shown as field errors in the admin."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from queues.models import CallingPolicy, CallingPolicyHours, OfficeHours, VirtualQueue
from tests.factories import OfficeHoursFactory, QueueFactory

pytestmark = pytest.mark.django_db


def refused(model, pk, **fields):
    """Whether the database refuses ``fields`` on the row."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**fields)
    except IntegrityError:
        return True
    return False


# -- the database ---------------------------------------------------------------------------------


def test_office_hours_closing_before_they_open_are_refused():
    hours = OfficeHoursFactory(opens=dt.time(9), closes=dt.time(17))

    assert refused(OfficeHours, hours.pk, closes=dt.time(8))


def test_office_hours_closing_as_they_open_are_refused():
    hours = OfficeHoursFactory(opens=dt.time(9), closes=dt.time(17))

    assert refused(OfficeHours, hours.pk, closes=dt.time(9))


def test_office_hours_may_close_at_midnight():
    hours = OfficeHoursFactory(opens=dt.time(18), closes=dt.time(0))

    assert not refused(OfficeHours, hours.pk, opens=dt.time(0))  # all day


def test_office_hours_on_a_weekday_past_sunday_are_refused():
    hours = OfficeHoursFactory()

    assert refused(OfficeHours, hours.pk, weekday=7)


def test_allowed_hours_of_a_calling_policy_closing_before_they_open_are_refused():
    policy = CallingPolicy.objects.create(country="ZZ")
    hours = CallingPolicyHours.objects.create(policy=policy, weekday=0, opens=dt.time(8), closes=dt.time(21))

    assert refused(CallingPolicyHours, hours.pk, closes=dt.time(7))


def test_allowed_hours_on_a_weekday_past_sunday_are_refused():
    policy = CallingPolicy.objects.create(country="ZZ")
    hours = CallingPolicyHours.objects.create(policy=policy, weekday=0, opens=dt.time(8), closes=dt.time(21))

    assert refused(CallingPolicyHours, hours.pk, weekday=7)


def test_a_calling_window_closing_before_it_opens_is_refused():
    queue = QueueFactory()

    assert refused(VirtualQueue, queue.pk, calling_window_start=dt.time(21), calling_window_end=dt.time(9))


def test_a_calling_window_may_close_at_midnight():
    queue = QueueFactory()

    assert not refused(VirtualQueue, queue.pk, calling_window_start=dt.time(0), calling_window_end=dt.time(0))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slot_minutes", 0),
        ("slot_minutes", 241),
        ("booking_horizon_days", 0),
        ("booking_horizon_days", 91),
        ("max_wait_minutes", 0),
        ("max_attempts", 0),
        ("max_attempts", 21),
        ("retry_delay_minutes", 0),
        ("reservation_timeout_seconds", 9),
        ("max_rejections", 0),
    ],
)
def test_a_queue_setting_out_of_its_range_is_refused(field, value):
    queue = QueueFactory()

    assert refused(VirtualQueue, queue.pk, **{field: value})


# -- the admin ------------------------------------------------------------------------------------


def queue_form(queue, **changes):
    """The queue's change form as the admin posts it, with no inline rows unless ``changes`` add some."""
    fields = {
        "name": queue.name,
        "slug": queue.slug,
        "active": "on",
        "priority": queue.priority,
        "time_zone": str(queue.time_zone),
        "slot_minutes": queue.slot_minutes,
        "booking_horizon_days": queue.booking_horizon_days,
        "max_wait_minutes": queue.max_wait_minutes,
        "max_open_per_number": queue.max_open_per_number,
        "calling_window_start": "09:00",
        "calling_window_end": "21:00",
        "after_hours": queue.after_hours,
        "max_rejections": queue.max_rejections,
        "early_release_cap_minutes": queue.early_release_cap_minutes,
        "max_attempts": queue.max_attempts,
        "retry_delay_minutes": queue.retry_delay_minutes,
        "reservation_timeout_seconds": queue.reservation_timeout_seconds,
    }
    for prefix in ("required_skills", "office_hours", "closed_dates"):
        fields |= {
            f"{prefix}-TOTAL_FORMS": 0,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    return fields | changes


def test_the_admin_answers_a_calling_window_closing_before_it_opens_with_a_field_error(administrator):
    queue = QueueFactory()

    response = administrator.post(
        reverse("admin:queues_virtualqueue_change", args=[queue.pk]),
        queue_form(queue, calling_window_start="21:00", calling_window_end="09:00"),
    )

    assert response.status_code == 200
    assert "calling_window_end" in response.context["adminform"].form.errors


def test_the_admin_answers_office_hours_closing_before_they_open_with_a_field_error(administrator):
    queue = QueueFactory()

    response = administrator.post(
        reverse("admin:queues_virtualqueue_change", args=[queue.pk]),
        queue_form(
            queue,
            **{
                "office_hours-TOTAL_FORMS": 1,
                "office_hours-0-weekday": 0,
                "office_hours-0-opens": "17:00",
                "office_hours-0-closes": "09:00",
            },
        ),
    )

    assert response.status_code == 200
    [office_hours] = [
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "office_hours"
    ]
    assert "closes" in office_hours.forms[0].errors
    assert not queue.office_hours.exists()


def test_the_admin_answers_allowed_hours_closing_before_they_open_with_a_field_error(administrator):
    response = administrator.post(
        reverse("admin:queues_callingpolicy_add"),
        {
            "country": "ZZ",
            "subdivision": "",
            "active": "on",
            "max_attempts_per_24h": "",
            "note": "",
            "hours-TOTAL_FORMS": 1,
            "hours-INITIAL_FORMS": 0,
            "hours-MIN_NUM_FORMS": 0,
            "hours-MAX_NUM_FORMS": 1000,
            "hours-0-weekday": 0,
            "hours-0-opens": "21:00",
            "hours-0-closes": "08:00",
        },
    )

    assert response.status_code == 200
    [hours] = [f.formset for f in response.context["inline_admin_formsets"]]
    assert "closes" in hours.forms[0].errors
    assert not CallingPolicy.objects.filter(country="ZZ").exists()
