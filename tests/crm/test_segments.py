"""Segment conditions: every type selects the right customers in one query; rules are
validated condition by condition."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm import services
from crm.models import Customer
from crm.segments import conditions, rule_clean, rule_describe, rule_q
from tests import factories

pytestmark = pytest.mark.django_db


def members(*conds, match="all") -> set[str]:
    rule = rule_clean({"match": match, "conditions": list(conds)})
    return set(Customer.objects.filter(rule_q(rule)).values_list("first_name", flat=True))


def days_ago(n: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def people(admin_user):
    vip = services.tag_create(name="VIP")
    b2b = services.tag_create(name="B2B")
    loyal = factories.customer(
        first_name="Loyal", country="LV", language="lv", tags=[vip], email_consent=True,
        customer_since=timezone.localdate() - datetime.timedelta(days=800), owner=admin_user,
    )  # fmt: skip
    for n, amount in enumerate(["100.00", "50.00", "30.00", "20.00"]):
        factories.order(loyal, days_ago=10 + n * 60, total=amount)
    lapsed = factories.customer(
        first_name="Lapsed", country="LT", language="lt", tags=[vip, b2b],
        customer_since=timezone.localdate() - datetime.timedelta(days=700),
    )  # fmt: skip
    factories.order(lapsed, days_ago=400, total="500.00")
    once = factories.customer(first_name="Once", country="PL", language="pl", sms_consent=True)
    factories.order(once, days_ago=80, total="15.00")
    factories.customer(
        first_name="Never", country="LV", language="ru",
        customer_since=timezone.localdate() - datetime.timedelta(days=30),
        closed_on=timezone.localdate() - datetime.timedelta(days=1),
    )  # fmt: skip
    return {"vip": vip, "b2b": b2b}


def test_every_crm_condition_is_registered():
    keys = {c.key for c in conditions()}
    assert keys >= {
        "country", "language", "owner", "consent", "customer_since", "closed", "tag",
        "status", "order_count", "revenue", "average_order", "days_since_last_order",
        "first_order",
    }  # fmt: skip


def test_customer_fields(people):
    assert members({"type": "country", "op": "in", "value": ["LV"]}) == {"Loyal", "Never"}
    assert members({"type": "country", "op": "not_in", "value": ["LV"]}) == {"Lapsed", "Once"}
    assert members({"type": "language", "op": "in", "value": ["lt", "pl"]}) == {"Lapsed", "Once"}
    assert members({"type": "owner", "op": "is", "value": "ada.admin"}) == {"Loyal"}
    assert "Loyal" not in members({"type": "owner", "op": "is_not", "value": "ada.admin"})
    assert members({"type": "owner", "op": "none"}) == {"Lapsed", "Once", "Never"}
    assert members({"type": "consent", "op": "given", "value": "email"}) == {"Loyal"}
    assert members({"type": "consent", "op": "given", "value": "sms"}) == {"Once"}
    assert members({"type": "closed", "op": "closed"}) == {"Never"}
    assert "Never" not in members({"type": "closed", "op": "open"})


def test_customer_since(people):
    assert members({"type": "customer_since", "op": "in_last_days", "value": 60}) == {"Never"}
    assert members({"type": "customer_since", "op": "more_than_days_ago", "value": 750}) == {
        "Loyal"
    }
    before = (timezone.localdate() - datetime.timedelta(days=650)).isoformat()
    assert members({"type": "customer_since", "op": "before", "value": before}) == {
        "Loyal",
        "Lapsed",
    }


def test_tags(people):
    vip, b2b = str(people["vip"].pk), str(people["b2b"].pk)
    assert members({"type": "tag", "op": "has_any", "value": [vip]}) == {"Loyal", "Lapsed"}
    assert members({"type": "tag", "op": "has_all", "value": [vip, b2b]}) == {"Lapsed"}
    assert members({"type": "tag", "op": "has_none", "value": [vip]}) == {"Once", "Never"}


def test_status(people):
    assert members({"type": "status", "op": "in", "value": ["active"]}) == {"Loyal", "Once"}
    assert members({"type": "status", "op": "in", "value": ["lapsed"]}) == {"Lapsed"}
    assert members({"type": "status", "op": "in", "value": ["closed"]}) == {"Never"}
    assert members({"type": "status", "op": "not_in", "value": ["active"]}) == {"Lapsed", "Never"}


def test_order_count_with_and_without_a_window(people):
    at_least_3 = {"type": "order_count", "op": "gte", "value": 3, "window_days": 365}
    assert members(at_least_3) == {"Loyal"}
    assert members({"type": "order_count", "op": "eq", "value": 1}) == {"Lapsed", "Once"}
    assert members({"type": "order_count", "op": "eq", "value": 0}) == {"Never"}
    assert members({"type": "order_count", "op": "lte", "value": 1, "window_days": 365}) == {
        "Lapsed",
        "Once",
        "Never",
    }


def test_revenue_and_average_order_value(people):
    assert members({"type": "revenue", "op": "gte", "value": "300"}) == {"Lapsed"}
    assert members({"type": "revenue", "op": "gte", "value": "150", "window_days": 365}) == {
        "Loyal"
    }
    assert members({"type": "revenue", "op": "lte", "value": "15.00"}) == {"Once", "Never"}
    assert members({"type": "average_order", "op": "gte", "value": "60"}) == {"Lapsed"}
    assert members({"type": "average_order", "op": "lte", "value": "20"}) == {"Once"}


def test_days_since_the_last_order(people):
    assert members({"type": "days_since_last_order", "op": "gte", "value": 60}) == {
        "Lapsed",
        "Once",
    }
    assert members({"type": "days_since_last_order", "op": "lte", "value": 30}) == {"Loyal"}


def test_first_order_windows_bought_once_60_to_120_days_ago(people):
    once_lately = [
        {"type": "order_count", "op": "eq", "value": 1},
        {"type": "first_order", "op": "between_days_ago", "value": [60, 120]},
    ]
    assert members(*once_lately) == {"Once"}
    assert members({"type": "first_order", "op": "more_than_days_ago", "value": 150}) == {
        "Loyal",
        "Lapsed",
    }


def test_any_groups_and_one_level_of_nesting(people):
    assert members(
        {"type": "country", "op": "in", "value": ["PL"]},
        {"type": "closed", "op": "closed"},
        match="any",
    ) == {"Once", "Never"}
    nested = {
        "match": "any",
        "conditions": [
            {"type": "status", "op": "in", "value": ["lapsed"]},
            {"type": "consent", "op": "given", "value": "sms"},
        ],
    }
    assert members({"type": "country", "op": "in", "value": ["LT", "PL"]}, nested) == {
        "Lapsed",
        "Once",
    }


def test_a_segment_is_one_query(people, django_assert_num_queries):
    rule = rule_clean(
        {
            "match": "all",
            "conditions": [
                {"type": "order_count", "op": "gte", "value": 1},
                {"type": "days_since_last_order", "op": "gte", "value": 30},
                {"type": "tag", "op": "has_any", "value": [str(people["vip"].pk)]},
            ],
        }
    )
    with django_assert_num_queries(1):
        assert Customer.objects.filter(rule_q(rule)).count() == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"match": "all", "conditions": [{"type": "shoe_size", "op": "gte", "value": 3}]},
         "Condition 1: unknown type shoe_size."),
        ({"match": "all", "conditions": [{"type": "country", "op": "gte", "value": ["LV"]}]},
         "Condition 1 (Country): the operator is one of in, not_in."),
        ({"match": "all", "conditions": [{"type": "country", "op": "in", "value": ["XX"]}]},
         "Condition 1 (Country): unknown value XX."),
        ({"match": "all", "conditions": [{"type": "order_count", "op": "gte", "value": "lots"}]},
         "Condition 1 (Completed orders): enter a whole number."),
        ({"match": "all", "conditions": [{"type": "revenue", "op": "gte", "value": "1.234"}]},
         "Condition 1 (Revenue): use at most two decimal places."),
        ({"match": "all", "conditions": [{"type": "first_order", "op": "between_days_ago",
                                          "value": [120, 60]}]},
         "Condition 1 (First order): the first number of days must not be larger."),
        ({"match": "all", "conditions": [{"type": "closed", "op": "closed", "window_days": 3}]},
         "Condition 1 (Relationship): this condition takes no window."),
        ({"match": "all", "conditions": [{"match": "any", "conditions": [
            {"match": "all", "conditions": [{"type": "closed", "op": "closed"}]}]}]},
         "Condition 1.1: groups nest only one level deep."),
        ({"match": "some", "conditions": [{"type": "closed", "op": "closed"}]},
         'Condition 1: match is "all" or "any".'),
        ({"match": "all", "conditions": []}, "Condition 1: a group needs at least one condition."),
        ("everyone", "Condition 1: a group has only match and conditions."),
    ],
)  # fmt: skip
def test_invalid_rules_are_refused_naming_the_condition(rule, message):
    with pytest.raises(ValidationError) as error:
        rule_clean(rule)
    assert message in error.value.message_dict["rule"]


def test_a_rule_has_at_most_twenty_conditions():
    rule = {"match": "any", "conditions": [{"type": "closed", "op": "open"}] * 21}
    with pytest.raises(ValidationError) as error:
        rule_clean(rule)
    assert "A rule has at most 20 conditions." in error.value.message_dict["rule"]


def test_the_rule_reads_in_words(people):
    rule = rule_clean(
        {
            "match": "all",
            "conditions": [
                {"type": "order_count", "op": "gte", "value": 3, "window_days": 365},
                {"type": "tag", "op": "has_any", "value": [str(people["vip"].pk)]},
            ],
        }
    )
    words = rule_describe(rule)
    assert words["lines"] == [
        "Completed orders at least 3 in the last 365 days",
        "Tags include any of VIP",
    ]


def test_a_renamed_tag_keeps_its_segments(people):
    segment = services.segment_create(
        name="VIPs",
        rule={"match": "all", "conditions": [
            {"type": "tag", "op": "has_any", "value": [str(people["vip"].pk)]}]},
    )  # fmt: skip
    services.tag_update(tag=people["vip"], name="Gold")
    assert Customer.objects.filter(rule_q(segment.rule)).count() == 2


def test_segment_names_are_unique_regardless_of_case():
    rule = {"match": "all", "conditions": [{"type": "closed", "op": "open"}]}
    services.segment_create(name="Lapsed VIPs", rule=rule)
    with pytest.raises(ValidationError) as error:
        services.segment_create(name="LAPSED vips", rule=rule)
    assert error.value.message_dict["name"] == ["A segment with this name already exists."]


@pytest.mark.parametrize(
    "condition",
    [
        {"type": "order_count", "op": "gte", "value": 2},
        {"type": "order_count", "op": "lte", "value": 1},
        {"type": "order_count", "op": "eq", "value": 0},
        {"type": "revenue", "op": "gte", "value": "100"},
        {"type": "revenue", "op": "lte", "value": "100"},
        {"type": "average_order", "op": "gte", "value": "40"},
        {"type": "average_order", "op": "lte", "value": "40"},
        {"type": "days_since_last_order", "op": "gte", "value": 60},
        {"type": "days_since_last_order", "op": "lte", "value": 60},
        {"type": "first_order", "op": "in_last_days", "value": 100},
        {"type": "first_order", "op": "more_than_days_ago", "value": 100},
        {"type": "first_order", "op": "between_days_ago", "value": [60, 200]},
    ],
)
def test_the_stored_figures_select_what_the_orders_select(people, monkeypatch, condition):
    from crm import segments

    fast = members(condition)
    monkeypatch.setattr(segments, "_stored", lambda window_days, today: False)
    assert members(condition) == fast


@pytest.mark.parametrize("op", [["in"], {"a": 1}])
def test_an_operator_that_is_not_text_is_refused_not_a_crash(op):
    with pytest.raises(ValidationError) as error:
        rule_clean({"match": "all", "conditions": [{"type": "status", "op": op, "value": []}]})
    assert "the operator is one of in, not_in." in error.value.message_dict["rule"][0]
