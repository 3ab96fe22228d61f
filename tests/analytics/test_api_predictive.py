"""The predictive scores and fits in the API: filters, ordering, who may read them, and
field errors for bad input."""

import datetime
from decimal import Decimal

import pytest

from analytics.models import CustomerScore
from analytics.predictive import services
from tests import factories
from tests.analytics.predictive_data import population
from tests.conftest import api_as

AS_OF = datetime.date(2026, 6, 30)


@pytest.fixture
def scored(db):
    population(customers=300, as_of=AS_OF)
    services.scores_recompute(as_of=AS_OF)
    services.holdout_check(as_of=AS_OF, weeks=13)


def test_scores_filter_by_band_and_p_alive_and_sort(scored, support_user):
    api = api_as(support_user)
    answer = api.get(
        "/api/v1/analytics/scores/", {"risk": "high", "p_alive_max": "0.2", "ordering": "-revenue"}
    )
    assert answer.status_code == 200
    rows = answer.json()["results"]
    expected = CustomerScore.objects.filter(risk="high", p_alive__lte=Decimal("0.2"))
    assert answer.json()["count"] == expected.count() > 0
    assert [row["customer"] for row in rows] == list(
        expected.order_by("-revenue", "customer_id").values_list("customer_id", flat=True)[:50]
    )
    first = rows[0]
    assert first["risk"] == "high" and Decimal(first["p_alive"]) <= Decimal("0.2")
    assert set(first) >= {"clv", "expected_orders", "order_days", "fit", "as_of"}


def test_one_customers_score(scored, support_user):
    customer = factories.customer()
    factories.order(customer, days_ago=400)
    services.scores_recompute(as_of=AS_OF)
    answer = api_as(support_user).get("/api/v1/analytics/scores/", {"customer": customer.pk})
    [row] = answer.json()["results"]
    assert row["order_days"] == 1 and row["p_alive"] == "1.0000" and row["mean_spend"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"risk": "doomed"}, "risk"),
        ({"p_alive_min": "1.5"}, "p_alive_min"),
        ({"p_alive_min": "0.8", "p_alive_max": "0.2"}, "p_alive_max"),
        ({"clv_min": "-1"}, "clv_min"),
        ({"ordering": "email"}, "ordering"),
        ({"customer": "99999999999999999999999"}, "customer"),
        ({"customer": "1.5"}, "customer"),
        ({"bogus": "1"}, "bogus"),
    ],
)
def test_bad_score_queries_get_field_errors(scored, support_user, query, field):
    answer = api_as(support_user).get("/api/v1/analytics/scores/", query)
    assert answer.status_code == 400
    assert field in answer.json()["fields"]


def test_fits_list_the_nightly_fit_and_the_holdout_check(scored, marketing_user):
    answer = api_as(marketing_user).get("/api/v1/analytics/fits/", {"kind": "holdout"})
    [check] = answer.json()["results"]
    assert check["status"] == "ok" and check["calibration_end"] == "2026-03-31"
    assert sum(group["customers"] for group in check["checks"]) == check["customers"]
    nightly = api_as(marketing_user).get("/api/v1/analytics/fits/", {"kind": "nightly"})
    assert nightly.json()["results"][0]["scored"] == 300


def test_fits_refuse_an_unknown_order(scored, support_user):
    answer = api_as(support_user).get("/api/v1/analytics/fits/", {"ordering": "bogus"})
    assert answer.status_code == 400 and "ordering" in answer.json()["fields"]


def test_only_staff_roles_read_scores(scored, no_role_user):
    assert api_as(no_role_user).get("/api/v1/analytics/scores/").status_code == 403
    assert api_as(no_role_user).get("/api/v1/analytics/fits/").status_code == 403
