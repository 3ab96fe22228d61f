"""Predictive retention in Chromium: the churn-risk page draws its charts and lists the
customers to call first on a desktop and a phone, the risk filter applies on change, and
a profile shows the customer's score (screenshots)."""

import datetime

import pytest
from django.utils import timezone

from analytics.predictive import services
from tests import factories
from tests.analytics.predictive_data import population
from tests.e2e.test_analytics import charts_drawn, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scored(db):
    as_of = timezone.localdate() - datetime.timedelta(days=1)
    population(customers=250, as_of=as_of)
    lapsed = factories.customer(first_name="Ieva", last_name="Kalniņa")
    for week in range(60, 50, -1):
        factories.order(
            lapsed,
            placed_at=timezone.now() - datetime.timedelta(weeks=week),
            total="640.00",
        )
    assert services.scores_recompute(as_of=as_of).status == "ok"
    services.holdout_check(as_of=as_of, weeks=13)
    return lapsed


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_the_churn_risk_page_and_a_profile_show_the_scores(
    page_for, live_server, support_user, scored, artifacts, device, width, height
):
    page = page_for(width, height)
    log_in(page, live_server, "sam.support")

    page.goto(f"{live_server.url}/analytics/predictive/")
    first = page.locator("[data-testid=at-risk-row]").first
    first.wait_for()
    assert "Ieva Kalniņa" in first.inner_text()
    for key in ("p-alive", "predictive-clv", "holdout"):
        box = page.locator(f"[data-chart-box={key}] canvas").bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0 and box["width"] <= width
    assert charts_drawn(page) == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts / f"predictive-{device}.png"), full_page=True)

    # Ticking "Medium" applies at once: the list now holds both bands.
    with page.expect_navigation():
        page.locator("label[for=risk-medium]").click()
    assert "risk=medium" in page.url and "risk=high" in page.url
    assert page.locator("[data-testid=at-risk-row]").count() > 0

    first = page.locator("[data-testid=at-risk-row] a").first
    first.click()
    page.wait_for_selector("[data-testid=prediction-panel]")
    assert page.locator("[data-testid=prediction-risk]").inner_text() == "High risk"
    assert "Bought on 10 days" in page.locator("[data-testid=prediction-explanation]").inner_text()
    page.screenshot(path=str(artifacts / f"predictive-profile-{device}.png"), full_page=True)
    assert page.console_errors == []
