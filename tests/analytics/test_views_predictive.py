"""The churn-risk page, its CSV, the profile panel and the segment conditions: what staff
see of the nightly scores, and what they cannot break with bad input."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from analytics.models import CustomerScore, ModelFit
from analytics.predictive import services
from crm.models import Customer
from crm.segments import rule_clean, rule_q
from tests import factories
from tests.analytics.predictive_data import population

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def scored(db):
    """A population drawn from the models, a lapsed big spender and a weekly buyer,
    fitted as of yesterday."""
    as_of = timezone.localdate() - datetime.timedelta(days=1)
    population(customers=300, as_of=as_of)
    lapsed = factories.customer(first_name="Lapsed", last_name="Spender")
    for week in range(60, 50, -1):
        factories.order(lapsed, placed_at=at(as_of - datetime.timedelta(weeks=week)), total="900")
    weekly = factories.customer(first_name="Weekly", last_name="Buyer")
    for week in range(30, -1, -1):
        factories.order(weekly, placed_at=at(as_of - datetime.timedelta(weeks=week)), total="40")
    fit = services.scores_recompute(as_of=as_of)
    assert fit.status == "ok", fit.message
    services.holdout_check(as_of=as_of, weeks=13)
    return {"lapsed": lapsed, "weekly": weekly, "fit": fit}


@pytest.fixture
def support(client, support_user):
    client.force_login(support_user)
    return client


def page(client, **query):
    return client.get(reverse("analytics:predictive"), query)


# --- The page ----------------------------------------------------------------------------


def test_staff_see_the_page_and_others_do_not(client, scored, role_users):
    for name in ("support", "marketing", "admin"):
        client.force_login(role_users[name])
        assert page(client).status_code == 200
    client.force_login(role_users["none"])
    assert page(client).status_code == 403
    client.logout()
    assert page(client).status_code == 302


def test_the_page_lists_high_risk_customers_by_revenue_first(support, scored):
    body = page(support).content.decode()
    high = CustomerScore.objects.filter(risk="high").count()
    assert f"1–20 of {high}" in body or f"1–{high} of {high}" in body
    rows = body.split('data-testid="at-risk-row"')[1:]
    assert "Lapsed Spender" in rows[0]  # 9,000 of revenue, P(alive) near 0
    assert "Weekly Buyer" not in body
    assert 'data-testid="chart-card-p-alive"' in body
    assert 'data-testid="chart-card-predictive-clv"' in body
    assert 'data-testid="chart-card-holdout"' in body
    assert 'data-testid="fit-parameters"' in body


def test_the_list_takes_other_bands_and_orders(support, scored):
    body = page(support, risk=["low"], sort="clv").content.decode()
    rows = body.split('data-testid="at-risk-row"')[1:]
    top = CustomerScore.objects.filter(risk="low").order_by("-clv", "customer_id").first()
    assert top.customer.display_name in rows[0]
    assert "Lapsed Spender" not in body


def test_bad_choices_are_named_and_the_defaults_used(support, scored):
    response = page(support, risk=["doomed"], sort="'; DROP TABLE")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in body
    assert "Lapsed Spender" in body  # the default: high risk by revenue


def test_a_known_band_beside_an_unknown_one_is_kept(support, scored):
    body = page(support, risk=["low", "doomed"]).content.decode()
    assert "Select a valid choice" in body
    assert "Lapsed Spender" not in body  # low risk only, not the default high
    assert body.count('data-testid="at-risk-row"') == 20


def test_the_shown_percentage_agrees_with_the_band():
    # 0.5979 shown as "60%" beside "medium: below 60%" would contradict itself.
    assert CustomerScore(p_alive=Decimal("0.5979")).p_alive_percent == 59
    assert CustomerScore(p_alive=Decimal("0.6000")).p_alive_percent == 60
    assert CustomerScore(p_alive=Decimal("1.0000")).p_alive_percent == 100


def test_a_fit_at_the_cap_says_everyone_shares_one_dropout_probability():
    assert ModelFit(a=258.9, b=9741.1).dropout_uniform
    assert not ModelFit(a=0.79, b=2.43).dropout_uniform
    assert not ModelFit().dropout_uniform


@pytest.mark.parametrize("query", [{"risk": "doomed"}, {"risk": ["low", "doomed"]}, {"sort": "x"}])
def test_the_csv_refuses_bad_parameters(support, scored, query):
    response = support.get(reverse("analytics:predictive-export"), query)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_csv_holds_every_row_of_the_chosen_bands(support, scored):
    response = support.get(reverse("analytics:predictive-export"), {"risk": ["high", "medium"]})
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert response.status_code == 200
    assert len(rows) == CustomerScore.objects.filter(risk__in=["high", "medium"]).count()
    first = rows[0]
    assert first["name"] == "Lapsed Spender" and first["revenue"] == "9000.00"
    assert first["risk"] == "high" and Decimal(first["p_alive"]) < Decimal("0.3")


def test_without_a_fit_the_page_says_how_it_comes(support):
    body = page(support).content.decode()
    assert 'data-testid="no-fit"' in body
    assert "manage.py predict_retention" in body


def test_a_failing_fit_is_shown_with_the_fit_the_scores_come_from(support, scored, monkeypatch):
    from analytics.predictive import fitting

    def refuse(*args):
        raise fitting.FitError("not_converged", "the optimiser stopped: no progress")

    monkeypatch.setattr(fitting, "bgnbd_fit", refuse)
    services.scores_recompute(as_of=timezone.localdate())
    body = page(support).content.decode()
    assert 'data-testid="fit-failing"' in body
    assert "Did not converge" in body and "the optimiser stopped: no progress" in body
    assert "The scores below come from the last good fit" in body


def test_the_page_reads_a_fixed_number_of_queries(support, scored, django_assert_num_queries):
    page(support)
    # session, user, user and group permissions; latest fit, holdout; CLV series;
    # count, page of scores with their customers; latest recompute, last computed
    with django_assert_num_queries(11):
        page(support)
    population(customers=100, as_of=timezone.localdate(), seed=3)
    services.scores_recompute(as_of=timezone.localdate() - datetime.timedelta(days=1))
    with django_assert_num_queries(11):
        page(support)


# --- The profile panel -------------------------------------------------------------------


def test_the_profile_shows_the_score_in_plain_words(support, scored):
    body = support.get(reverse("crm:customer-detail", args=[scored["weekly"].pk])).content.decode()
    assert 'data-testid="prediction-panel"' in body
    assert "Bought on 31 days, last 1 day ago, usually every 7 days." in body
    score = CustomerScore.objects.get(customer=scored["weekly"])
    assert f"{score.p_alive_percent}%" in body and "Low risk" in body

    body = support.get(reverse("crm:customer-detail", args=[scored["lapsed"].pk])).content.decode()
    assert "High risk" in body
    assert "Bought on 10 days, last 12 months ago, usually every 7 days." in body


def test_a_customer_without_orders_has_no_prediction(support, scored):
    customer = factories.customer()
    body = support.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert 'data-testid="prediction-none"' in body


# --- Segment conditions ------------------------------------------------------------------


def members(rule: dict) -> set[str]:
    return set(
        Customer.objects.filter(rule_q(rule_clean(rule))).values_list("first_name", flat=True)
    )


def test_segments_select_high_value_customers_at_risk(scored):
    rule = {
        "match": "all",
        "conditions": [
            {"type": "churn_risk", "op": "in", "value": ["high"]},
            {"type": "revenue", "op": "gte", "value": "5000"},
        ],
    }
    assert members(rule) == {"Lapsed"}
    assert "Weekly" in members(
        {"match": "all", "conditions": [{"type": "p_alive", "op": "gte", "value": 90}]}
    )
    clv = CustomerScore.objects.get(customer=scored["weekly"]).clv
    found = members(
        {"match": "all", "conditions": [
            {"type": "predictive_clv", "op": "gte", "value": str(clv)},
            {"type": "churn_risk", "op": "not_in", "value": ["high", "medium"]}]}
    )  # fmt: skip
    assert "Weekly" in found and "Lapsed" not in found


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"type": "p_alive", "op": "gte", "value": 101}, "from 0 to 100"),
        ({"type": "p_alive", "op": "lte", "value": "0.5"}, "whole number"),
        ({"type": "churn_risk", "op": "in", "value": ["doomed"]}, "doomed"),
        ({"type": "predictive_clv", "op": "gte", "value": "-5"}, "from 0"),
    ],
)
def test_bad_segment_values_are_refused_with_a_message(condition, message):
    with pytest.raises(ValidationError) as refused:
        rule_clean({"match": "all", "conditions": [condition]})
    assert message in str(refused.value)


def test_fits_are_listed_newest_first(scored):
    assert ModelFit.objects.first().kind == "holdout"
