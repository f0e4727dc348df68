"""How rules are provisioned: defaults of a new queue, the data migration, the admin, the demo data."""

import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from callbacks.models import RejectionRecord
from queues.models import VirtualQueue
from rules.models import CapacityOverride, GlobalRules, NumberEntry, QueueRules
from tests.factories import NumberEntryFactory, QueueFactory, QueueRulesFactory

pytestmark = pytest.mark.django_db

defaults_migration = importlib.import_module("rules.migrations.0002_defaults")


def test_a_new_queue_refuses_premium_rate_and_shared_cost_numbers():
    queue = QueueFactory()

    assert QueueRules.objects.get(queue=queue).refused_number_types == ["premium_rate", "shared_cost"]


def test_a_new_queue_has_no_capacity_limit_and_follows_the_global_countries():
    rules = QueueRules.objects.get(queue=QueueFactory())

    assert (rules.slot_capacity, rules.daily_capacity, rules.country_policy) == (None, None, "default")


def test_the_data_migration_gives_existing_queues_the_default_rules():
    queue = QueueFactory()
    QueueRules.objects.filter(queue=queue).delete()

    defaults_migration.create_defaults(apps, SimpleNamespace(connection=connection))

    assert QueueRules.objects.get(queue=queue).refused_number_types == ["premium_rate", "shared_cost"]
    assert GlobalRules.objects.filter(pk=1).exists()


def test_a_queue_without_a_rules_row_is_judged_by_the_defaults():
    queue = VirtualQueue.objects.bulk_create([VirtualQueue(slug="bulk", name="Bulk")])[0]

    assert QueueRules.for_queue(queue).refused_number_types == ["premium_rate", "shared_cost"]


def test_there_is_only_one_global_rules_row():
    GlobalRules.objects.update_or_create(pk=1, defaults={"country_policy": "any"})

    with pytest.raises(IntegrityError), transaction.atomic():
        GlobalRules.objects.bulk_create([GlobalRules(pk=2, country_policy="any")])


def test_an_override_must_end_after_it_starts_in_the_database():
    rules = QueueRulesFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CapacityOverride.objects.create(rules=rules, starts="12:00", ends="09:00", slot_capacity=1)


def test_an_override_may_end_at_midnight():
    CapacityOverride.objects.create(rules=QueueRulesFactory(), starts="18:00", ends="00:00", slot_capacity=1)


def test_a_number_entry_is_unique_per_queue():
    rules = QueueRulesFactory()
    NumberEntryFactory(rules=rules, value="+449")

    with pytest.raises(IntegrityError), transaction.atomic():
        NumberEntry.objects.create(rules=rules, match="prefix", value="+449")


def test_a_number_entry_for_every_queue_is_unique_too():
    NumberEntryFactory(rules=None, value="+449")

    with pytest.raises(IntegrityError), transaction.atomic():
        NumberEntry.objects.create(rules=None, match="prefix", value="+449")


def test_a_number_entry_must_be_e164():
    with pytest.raises(ValidationError):
        NumberEntry(rules=None, value="0800 123").full_clean()


def test_country_lists_are_checked_and_tidied():
    rules = QueueRulesFactory(country_policy="allow", countries="fr be")
    rules.full_clean()
    assert rules.countries == "BE, FR"

    rules.countries = "FR, XX"
    with pytest.raises(ValidationError) as error:
        rules.full_clean()
    assert "XX" in str(error.value)


def test_an_allow_list_needs_a_country():
    with pytest.raises(ValidationError):
        QueueRulesFactory(country_policy="allow", countries="").full_clean()


# -- admin ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["rules/queuerules", "rules/globalrules", "rules/numberentry", "callbacks/rejectionrecord"]
)
def test_an_administrator_opens_each_rules_list_in_the_admin(administrator, model):
    QueueFactory()
    RejectionRecord.objects.create(code="capacity_full", channel="widget", number_last_digits="0958")

    assert administrator.get(f"/admin/{model}/").status_code == 200


def test_an_administrator_edits_a_queues_rules_in_the_admin(administrator):
    rules = QueueRules.objects.get(queue=QueueFactory())

    page = administrator.get(f"/admin/rules/queuerules/{rules.pk}/change/")

    assert page.status_code == 200
    assert b"Premium rate" in page.content and b"Callbacks per slot" in page.content


def test_an_administrator_saves_capacity_and_refused_types_with_an_override(administrator):
    rules = QueueRules.objects.get(queue=QueueFactory())
    inlines = {
        f"{prefix}-{key}": value
        for prefix in ("capacity_overrides", "number_entries")
        for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000))
    }
    inlines |= {
        "capacity_overrides-TOTAL_FORMS": 1,
        "capacity_overrides-0-weekday": 4,
        "capacity_overrides-0-starts": "15:00",
        "capacity_overrides-0-ends": "17:00",
        "capacity_overrides-0-slot_capacity": 1,
    }

    response = administrator.post(
        f"/admin/rules/queuerules/{rules.pk}/change/",
        {
            "slot_capacity": 5,
            "country_policy": "default",
            "countries": "",
            "refused_number_types": ["premium_rate", "toll_free"],
            "max_open_across_queues": 0,
            "max_requests_per_day": 0,
            "immediate_cutoff_minutes": 10,
            **inlines,
        },
    )

    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    rules.refresh_from_db()
    assert (rules.slot_capacity, rules.refused_number_types, rules.immediate_cutoff_minutes) == (
        5,
        ["premium_rate", "toll_free"],
        10,
    )
    assert str(rules.capacity_overrides.get()) == "Friday 15:00–17:00: 1 a slot"


def test_rejection_records_are_read_only_in_the_admin(administrator):
    assert administrator.get("/admin/callbacks/rejectionrecord/add/").status_code == 403


def test_a_developer_does_not_provision_rules(developer):
    assert developer.get("/admin/rules/queuerules/").status_code == 403


# -- demo data ------------------------------------------------------------------------------------


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_support_queue_takes_five_callbacks_a_slot_and_refuses_premium_numbers():
    seed()

    rules = QueueRules.objects.get(queue__slug="support")
    assert rules.slot_capacity == 5
    assert set(rules.refused_number_types) == {"premium_rate", "shared_cost"}


def test_seeding_the_rules_twice_creates_nothing_more():
    seed()
    counts = [model.objects.count() for model in (QueueRules, CapacityOverride, GlobalRules)]

    seed()

    assert [model.objects.count() for model in (QueueRules, CapacityOverride, GlobalRules)] == counts


def test_seeding_again_puts_the_demo_rules_back():
    seed()
    QueueRules.objects.filter(queue__slug="support").update(slot_capacity=99, refused_number_types=[])

    seed()

    rules = QueueRules.objects.get(queue__slug="support")
    assert (rules.slot_capacity, rules.refused_number_types) == (5, ["premium_rate", "shared_cost"])
