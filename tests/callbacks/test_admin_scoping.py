"""The Django admin shows staff limited to a line of business only that line's rows, as the staff pages and API do."""

import pytest
from django.urls import reverse
from django.utils import timezone

from callbacks.models import ApiKey, ApiProblem, Callback, RejectionRecord
from queues.models import LineOfBusiness
from reporting.models import WidgetEvent
from rules.models import RejectionCode
from tests.factories import (
    CallbackFactory,
    NumberEntryFactory,
    QueueFactory,
    QueueRulesFactory,
    WidgetFactory,
    working_agent,
)

pytestmark = pytest.mark.django_db


def api_key(queue):
    key = ApiKey(name=f"IVR of {queue.name}")
    key.set_key(f"key-of-the-{queue.slug}-line-0123456789")
    key.save()
    key.queues.add(queue)
    return key


# admin model -> (a row of the queue, the persona who may view that model in the admin).
ROWS = {
    "callbacks_callback": (lambda q: CallbackFactory(queue=q), "developer"),
    "callbacks_callbackevent": (lambda q: CallbackFactory(queue=q).events.get(), "developer"),
    "callbacks_widget": (lambda q: WidgetFactory(queue=q), "developer"),
    "reporting_widgetevent": (
        lambda q: WidgetEvent.objects.create(
            widget=WidgetFactory(queue=q), session="s1", name="opened", occurred_at=timezone.now()
        ),
        "developer",
    ),
    "callbacks_apiproblem": (
        lambda q: ApiProblem.objects.create(
            kind=ApiProblem.Kind.CORS, widget=WidgetFactory(queue=q), path=f"/{q.slug}"
        ),
        "administrator",
    ),
    "callbacks_apikey": (api_key, "developer"),
    "queues_virtualqueue": (lambda q: q, "developer"),
    "queues_agent": (lambda q: working_agent(q), "developer"),
    "queues_lineofbusiness": (lambda q: q.lines_of_business.get(), "administrator"),
    "rules_queuerules": (lambda q: QueueRulesFactory(queue=q), "administrator"),
    "rules_numberentry": (lambda q: NumberEntryFactory(rules=QueueRulesFactory(queue=q)), "administrator"),
    "callbacks_rejectionrecord": (
        lambda q: RejectionRecord.objects.create(queue=q, code=RejectionCode.QUEUE_CLOSED, channel="api"),
        "administrator",
    ),
}


@pytest.fixture
def retail():
    queue = QueueFactory(slug="retail", name="Retail")
    LineOfBusiness.objects.create(name="Retail").queues.add(queue)
    return queue


@pytest.fixture
def travel():
    queue = QueueFactory(slug="travel", name="Travel")
    LineOfBusiness.objects.create(name="Travel").queues.add(queue)
    return queue


def of_retail_only(client):
    """The persona limited to the Retail line."""
    LineOfBusiness.objects.get(name="Retail").members.add(client.user)
    return client


def listed(response):
    return list(response.context["cl"].result_list)


@pytest.fixture(params=sorted(ROWS))
def model(request, retail, travel):
    """One admin model with a row of each line, and its persona limited to Retail."""
    build, persona = ROWS[request.param]
    client = of_retail_only(request.getfixturevalue(persona))
    return request.param, client, build(retail), build(travel)


def test_the_changelist_lists_only_the_rows_of_the_users_line(model):
    name, client, mine, theirs = model

    response = client.get(reverse(f"admin:{name}_changelist"))

    assert listed(response) == [mine]


def test_the_change_view_of_another_lines_row_is_as_if_it_did_not_exist(model):
    name, client, mine, theirs = model

    response = client.get(reverse(f"admin:{name}_change", args=[theirs.pk]))

    # Django's admin answers an unknown id by sending back to the index with "doesn't exist".
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_the_change_view_of_a_row_of_the_users_line_opens(model):
    name, client, mine, theirs = model

    assert client.get(reverse(f"admin:{name}_change", args=[mine.pk])).status_code == 200


def test_the_changelist_names_no_queue_of_another_line(model):
    name, client, mine, theirs = model

    response = client.get(reverse(f"admin:{name}_changelist"))

    assert "Travel" not in response.content.decode()


def test_a_user_in_no_line_sees_every_row(retail, travel, developer):
    ours, theirs = CallbackFactory(queue=retail), CallbackFactory(queue=travel)

    response = developer.get(reverse("admin:callbacks_callback_changelist"))

    assert set(listed(response)) == {ours, theirs}


def test_a_search_does_not_find_a_callback_of_another_line(retail, travel, developer):
    theirs = CallbackFactory(queue=travel)

    response = of_retail_only(developer).get(
        reverse("admin:callbacks_callback_changelist"), {"q": str(theirs.phone_number)}
    )

    assert listed(response) == []


def test_a_search_finds_a_callback_of_the_users_line(retail, travel, developer):
    ours = CallbackFactory(queue=retail)

    response = of_retail_only(developer).get(
        reverse("admin:callbacks_callback_changelist"), {"q": str(ours.phone_number)}
    )

    assert listed(response) == [ours]


def test_the_event_search_does_not_find_another_lines_callback(retail, travel, developer):
    theirs = CallbackFactory(queue=travel)

    response = of_retail_only(developer).get(
        reverse("admin:callbacks_callbackevent_changelist"), {"q": str(theirs.public_id)}
    )

    assert listed(response) == []


@pytest.mark.parametrize("name", ["callbacks_widget", "callbacks_apikey"])
def test_the_add_form_offers_only_the_queues_of_the_users_line(retail, travel, developer, name):
    response = of_retail_only(developer).get(reverse(f"admin:{name}_add"))

    field = "queue" if name == "callbacks_widget" else "queues"
    assert list(response.context["adminform"].form.fields[field].queryset) == [retail]


def test_the_callback_add_form_offers_only_the_queues_of_the_users_line(retail, travel, administrator):
    response = of_retail_only(administrator).get(reverse("admin:callbacks_callback_add"))

    assert list(response.context["adminform"].form.fields["queue"].queryset) == [retail]


def test_a_callback_cannot_be_added_to_another_lines_queue(retail, travel, administrator):
    response = of_retail_only(administrator).post(
        reverse("admin:callbacks_callback_add"),
        {"queue": travel.pk, "phone_number": "+44 20 7946 0958", "first_name": "Ada", "context": "{}"},
    )

    assert response.status_code == 200 and "queue" in response.context["adminform"].form.errors
    assert not Callback.objects.exists()


def test_a_widget_cannot_be_moved_to_another_lines_queue(retail, travel, developer):
    widget = WidgetFactory(queue=retail)
    client = of_retail_only(developer)
    form = client.get(reverse("admin:callbacks_widget_change", args=[widget.pk])).context["adminform"].form

    response = client.post(
        reverse("admin:callbacks_widget_change", args=[widget.pk]),
        {
            **{name: value for name, value in form.initial.items() if value is not None},
            "form": '[{"name": "phone_number", "type": "tel"}]',
            "theme": "{}",
            "queue": travel.pk,
        },
    )

    assert response.status_code == 200 and "queue" in response.context["adminform"].form.errors
    widget.refresh_from_db()
    assert widget.queue == retail


def test_number_entries_for_every_queue_are_listed_to_every_line(retail, travel, administrator):
    shared = NumberEntryFactory(rules=None, value="+449")

    response = of_retail_only(administrator).get(reverse("admin:rules_numberentry_changelist"))

    assert listed(response) == [shared]


def test_an_agent_shared_with_another_line_keeps_that_lines_queue_when_saved(retail, travel, administrator):
    agent = working_agent(retail, travel)
    client = of_retail_only(administrator)

    response = client.post(
        reverse("admin:queues_agent_change", args=[agent.pk]),
        {
            "user": agent.user.pk,
            "status": agent.status,
            "queues": [retail.pk],
            "skill_levels-TOTAL_FORMS": "0",
            "skill_levels-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert set(agent.queues.all()) == {retail, travel}


def test_a_queue_added_by_a_user_of_one_line_joins_that_line(retail, travel, administrator):
    client = of_retail_only(administrator)

    client.post(
        reverse("admin:queues_virtualqueue_add"),
        {
            "name": "Retail VIP",
            "slug": "retail-vip",
            "active": "on",
            "priority": 5,
            "time_zone": "UTC",
            "slot_minutes": 15,
            "booking_horizon_days": 14,
            "max_wait_minutes": 240,
            "max_open_per_number": 1,
            "calling_window_start": "09:00",
            "calling_window_end": "21:00",
            "after_hours": "schedule_at_opening",
            "max_rejections": 3,
            "early_release_cap_minutes": 15,
            "max_attempts": 3,
            "retry_delay_minutes": 15,
            "reservation_timeout_seconds": 60,
            "service_level_seconds": 300,
            "promise_tolerance_minutes": 5,
            **{
                f"{inline}-{key}": "0"
                for inline in ("required_skills", "office_hours", "closed_dates")
                for key in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )

    assert list(LineOfBusiness.objects.get(queues__slug="retail-vip").members.all()) == [client.user]


def test_a_user_of_one_line_cannot_change_their_lines(retail, travel, administrator):
    line = retail.lines_of_business.get()
    client = of_retail_only(administrator)

    response = client.post(
        reverse("admin:queues_lineofbusiness_change", args=[line.pk]),
        {"name": "Retail", "queues": [retail.pk], "members": []},
    )

    assert response.status_code == 403
    assert list(line.members.all()) == [client.user]
