"""The troubleshooting page, and the public API's refusals it is built from."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from callbacks import lifecycle
from callbacks.api.public.throttles import CreateByAddressThrottle
from callbacks.models import ApiProblem, Widget
from queues.models import LineOfBusiness
from tests.factories import AgentFactory, CallbackFactory, OfficeHoursFactory, QueueFactory, WidgetFactory

pytestmark = pytest.mark.django_db

PAGE = "/manage/troubleshooting/"
ORIGIN = "https://shop.example.com"


@pytest.fixture
def widget():
    return WidgetFactory(
        public_key="shop", name="Shop", allowed_origins=ORIGIN, queue=QueueFactory(slug="support", name="Support")
    )


def book(widget, **extra):
    return APIClient().post(
        f"/api/v1/public/widgets/{widget.public_key}/callbacks",
        {"phone_number": "+442079460958"},
        format="json",
        **extra,
    )


class TestRecording:
    def test_a_cors_refusal_is_recorded_with_its_origin(self, widget):
        APIClient().get("/api/v1/public/widgets/shop/config", HTTP_ORIGIN="https://evil.example")

        problem = ApiProblem.objects.get()
        assert (problem.kind, problem.widget, problem.origin) == ("cors_refused", widget, "https://evil.example")

    def test_an_allowed_origin_records_nothing(self, widget):
        APIClient().get("/api/v1/public/widgets/shop/config", HTTP_ORIGIN=ORIGIN)

        assert not ApiProblem.objects.exists()

    def test_a_refusal_repeated_within_a_minute_is_recorded_once(self, widget):
        for _ in range(5):
            APIClient().get("/api/v1/public/widgets/shop/config", HTTP_ORIGIN="https://evil.example")

        assert ApiProblem.objects.count() == 1

    def test_throttling_is_recorded(self, widget, monkeypatch):
        monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "1/min")
        book(widget)

        assert book(widget).status_code == 429
        problem = ApiProblem.objects.get()
        assert (problem.kind, problem.widget, problem.detail) == ("throttled", widget, "public_create 1/min")

    def test_a_captcha_failure_is_recorded(self, widget):
        Widget.objects.filter(pk=widget.pk).update(captcha_provider=Widget.Captcha.IMAGE)

        response = APIClient().post(
            "/api/v1/public/widgets/shop/callbacks",
            {"phone_number": "+442079460958", "captcha": "0:wrong"},
            format="json",
        )

        assert response.status_code == 400
        assert ApiProblem.objects.get().kind == "captcha_failed"

    def test_no_phone_number_is_kept(self, widget, monkeypatch):
        monkeypatch.setitem(CreateByAddressThrottle.THROTTLE_RATES, "public_create", "1/min")
        book(widget)
        book(widget)

        problem = ApiProblem.objects.values().get()
        assert not any("7946" in str(value) for value in problem.values())


class TestPage:
    def test_it_counts_rule_rejections_by_code(self, developer, widget):
        widget.queue.active = False
        widget.queue.save()
        book(widget)

        body = developer.get(PAGE).content.decode()

        assert "<code>queue_closed</code>" in body

    def test_it_lists_api_problems(self, developer, widget):
        APIClient().get("/api/v1/public/widgets/shop/config", HTTP_ORIGIN="https://evil.example")

        body = developer.get(PAGE).content.decode()

        assert "CORS refused" in body
        assert "https://evil.example is not among the widget&#x27;s allowed origins" in body

    def test_it_shows_each_widgets_cors_domains(self, developer, widget):
        assert f"<code>{ORIGIN}</code>" in developer.get(PAGE).content.decode()

    def test_it_warns_of_a_widget_with_no_origin(self, developer, widget):
        Widget.objects.filter(pk=widget.pk).update(allowed_origins="")

        assert "No allowed origin" in developer.get(PAGE).content.decode()

    def test_it_warns_of_a_queue_no_agent_can_serve(self, developer, widget):
        assert "No agent serves this queue" in developer.get(PAGE).content.decode()

    def test_a_queue_with_an_agent_gets_no_such_warning(self, developer, widget):
        AgentFactory().queues.add(widget.queue)

        assert "No agent serves this queue" not in developer.get(PAGE).content.decode()

    def test_it_warns_of_a_queue_without_office_hours(self, developer, widget):
        assert "No office hours" in developer.get(PAGE).content.decode()

    def test_it_warns_of_office_hours_outside_the_calling_window(self, developer, widget):
        OfficeHoursFactory(queue=widget.queue, weekday=0, opens=dt.time(8), closes=dt.time(22))

        assert (
            "Office hours reach outside the calling window (09:00–21:00): Monday 08:00–22:00."
            in developer.get(PAGE).content.decode()
        )

    def test_office_hours_inside_the_calling_window_get_no_such_warning(self, developer, widget):
        OfficeHoursFactory(queue=widget.queue, weekday=0, opens=dt.time(9), closes=dt.time(17))

        assert "reach outside the calling window" not in developer.get(PAGE).content.decode()

    def test_it_counts_expired_callbacks_by_reason(self, developer, widget):
        for reason in ("outside_calling_window", "outside_calling_window", "max_wait_exceeded"):
            lifecycle.expire(CallbackFactory(queue=widget.queue), reason=reason)

        body = developer.get(PAGE).content.decode()

        assert (
            "Outside the customer&#x27;s calling window <code>outside_calling_window</code> "
            '<span class="badge warning">2</span>'
        ) in body
        assert '<code>max_wait_exceeded</code> <span class="badge warning">1</span>' in body

    def test_it_warns_of_capacity_zero(self, developer, widget):
        widget.queue.rules.slot_capacity = 0
        widget.queue.rules.save()

        assert "Capacity 0 per slot" in developer.get(PAGE).content.decode()

    def test_a_limited_developer_sees_only_their_widgets(self, developer, widget):
        WidgetFactory(public_key="billing-site", queue=QueueFactory(slug="billing"))
        line = LineOfBusiness.objects.create(name="Support")
        line.queues.add(widget.queue)
        line.members.add(developer.user)

        body = developer.get(PAGE).content.decode()

        assert "<code>shop</code>" in body
        assert "billing-site" not in body
