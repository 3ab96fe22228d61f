"""loyalty's segment conditions: tier, points balance, points earned."""

import pytest
from django.core.exceptions import ValidationError

from crm import services as crm_services
from crm.models import Customer
from crm.segments import rule_clean, rule_q
from loyalty import services
from tests import factories
from tests.loyalty.conftest import earn, reward

pytestmark = pytest.mark.django_db


def members(*conditions) -> set[str]:
    rule = rule_clean({"match": "all", "conditions": list(conditions)})
    return set(Customer.objects.filter(rule_q(rule)).values_list("first_name", flat=True))


@pytest.fixture
def people(spend_programme):
    silver = services.tier_save(data={"name": "Silver", "threshold": 0})
    gold = services.tier_save(data={"name": "Gold", "threshold": 500})
    anna, ben, cara = (factories.customer(first_name=n) for n in ("Anna", "Ben", "Cara"))
    factories.customer(first_name="Dan")  # not a member
    earn(anna, total="600.00")
    earn(ben, total="100.00")
    order = earn(cara, total="200.00")
    services.reward_redeem(customer=cara, reward=reward(cost=150), author=None)
    crm_services.order_status_set(order=order, status="refunded")
    services.order_points_reverse(order_id=order.pk)  # Cara owes 150 points
    return {"silver": silver, "gold": gold}


def test_tier_condition(people):
    gold, silver = str(people["gold"].pk), str(people["silver"].pk)
    assert members({"type": "loyalty_tier", "op": "in", "value": [gold]}) == {"Anna"}
    # Cara's refund took her qualifying points back to 0: still Silver (from 0 points).
    assert members({"type": "loyalty_tier", "op": "in", "value": [silver]}) == {"Ben", "Cara"}
    assert members({"type": "loyalty_tier", "op": "in", "value": ["none"]}) == set()
    assert members({"type": "loyalty_tier", "op": "not_in", "value": [gold]}) == {
        "Ben",
        "Cara",
        "Dan",
    }
    assert members({"type": "loyalty_tier", "op": "member"}) == {"Anna", "Ben", "Cara"}
    assert members({"type": "loyalty_tier", "op": "not_member"}) == {"Dan"}


def test_balance_condition(people):
    assert members({"type": "loyalty_balance", "op": "gte", "value": 100}) == {"Anna", "Ben"}
    assert members({"type": "loyalty_balance", "op": "lte", "value": 100}) == {"Ben", "Cara", "Dan"}
    assert members({"type": "loyalty_balance", "op": "negative"}) == {"Cara"}


def test_points_earned_condition(people):
    assert members({"type": "loyalty_earned", "op": "gte", "value": 150}) == {"Anna", "Cara"}
    assert members({"type": "loyalty_earned", "op": "lte", "value": 150, "window_days": 30}) == {
        "Ben",
        "Dan",
    }


def test_a_bad_value_names_the_condition(people):
    with pytest.raises(ValidationError, match="Points balance"):
        rule_clean(
            {"match": "all", "conditions": [{"type": "loyalty_balance", "op": "gte", "value": "x"}]}
        )
