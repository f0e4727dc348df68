"""The pipeline: the rules in order, the first refusal wins."""

import pytest

from queues.models import ClosedDate
from rules import engine
from rules.engine import Rejection, evaluate
from tests.factories import NumberEntryFactory, QueueFactory, QueueRulesFactory

from .conftest import FRENCH, LANDLINE, NOW, PREMIUM

pytestmark = pytest.mark.django_db


def code_of(request) -> str | None:
    try:
        evaluate(request)
    except Rejection as rejection:
        return rejection.code
    return None


def test_the_rules_run_in_this_order():
    assert [rule.code for rule in engine.PIPELINE] == [
        "queue_closed",
        "outside_calling_window",
        "country_not_allowed",
        "number_blocked",
        "number_type_not_allowed",
        "too_many_open",
        "daily_limit",
        "not_offered",
        "capacity_full",
    ]


def test_every_code_is_one_the_api_documents():
    from rules.models import RejectionCode

    assert {rule.code for rule in engine.PIPELINE} == set(RejectionCode.values)


def test_an_ordinary_request_passes_every_rule(request_for):
    assert code_of(request_for(QueueFactory())) is None


def test_a_closed_queue_is_answered_before_anything_about_the_number(request_for):
    queue = QueueFactory()
    ClosedDate.objects.create(queue=queue, date=NOW.date())
    QueueRulesFactory(queue=queue, country_policy="allow", countries="FR")

    assert code_of(request_for(queue, PREMIUM)) == "queue_closed"


def test_the_country_is_judged_before_the_number(request_for):
    queue = QueueFactory()
    QueueRulesFactory(queue=queue, country_policy="allow", countries="FR")
    NumberEntryFactory(rules=queue.rules, value="+44")

    assert code_of(request_for(queue, PREMIUM)) == "country_not_allowed"


def test_a_denied_number_is_answered_before_its_type(request_for):
    queue = QueueFactory()
    NumberEntryFactory(rules=queue.rules, value="+449")

    assert code_of(request_for(queue, PREMIUM)) == "number_blocked"


def test_the_first_refusal_ends_the_evaluation(request_for):
    checked = []

    class Spy(engine.Rule):
        code = "spy"

        def __init__(self, refuses):
            self.refuses = refuses

        def check(self, request):
            checked.append(self)
            if self.refuses:
                self.refuse("no")

    first, second, third = Spy(False), Spy(True), Spy(True)

    with pytest.raises(Rejection):
        evaluate(request_for(QueueFactory(), FRENCH), pipeline=[first, second, third])

    assert checked == [first, second]


def test_a_rejection_carries_a_plain_string_code(request_for):
    with pytest.raises(Rejection) as refused:
        evaluate(request_for(QueueFactory(), PREMIUM))

    assert type(refused.value.code) is str
    assert refused.value.code == "number_type_not_allowed"


def test_the_immediate_offer_rules_never_judge_a_number(request_for):
    assert {rule.code for rule in engine.IMMEDIATE_OFFER_RULES} == {
        "queue_closed",
        "outside_calling_window",
        "not_offered",
        "capacity_full",
    }
    assert LANDLINE  # the offer is asked before any number is typed
