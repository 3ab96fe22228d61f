"""The analytics dashboards in Chromium: the overview and retention pages draw their charts
on a desktop and a phone (screenshots), and a marketer's recompute shows its progress,
then reloads the page with the new computation time."""

import datetime

import pytest
from django.utils import timezone

from analytics.services import snapshot_recompute
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")


@pytest.fixture
def figures(db):
    """Six customers ordering over the last three months, and their snapshots."""
    today = timezone.localdate()
    for first, later in ((88, 60), (80, 30), (75, 4), (50, 12), (35, None), (9, 2)):
        customer = factories.customer()
        factories.order(customer, days_ago=first, total="42.00")
        if later is not None:
            factories.order(customer, days_ago=later, total="18.90")
    snapshot_recompute(as_of=today, first_day=today - datetime.timedelta(days=95))


def charts_drawn(page) -> int:
    page.wait_for_function("typeof Chart !== 'undefined'")
    return page.evaluate("Object.keys(Chart.instances).length")


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_the_overview_and_retention_pages_draw_their_charts(
    page_for, live_server, support_user, figures, artifacts, device, width, height
):
    page = page_for(width, height)
    log_in(page, live_server, "sam.support")

    page.goto(f"{live_server.url}/analytics/")
    page.wait_for_selector("[data-testid=headline-cards]")
    canvas = page.locator("[data-chart-box=retention] canvas")
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    assert box["width"] <= width  # the chart fits the screen
    assert charts_drawn(page) > 1  # the main chart and the cards' trends
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    assert page.locator("[data-testid=recompute]").count() == 0  # support reads only
    # The Table toggle swaps the chart for the same numbers.
    page.click("[data-testid=table-toggle-retention]")
    assert page.locator("[data-testid=table-retention]").is_visible()
    assert not canvas.is_visible()
    page.click("[data-testid=table-toggle-retention]")
    assert canvas.is_visible()
    page.screenshot(path=str(artifacts / f"analytics-overview-{device}.png"), full_page=True)

    page.goto(f"{live_server.url}/analytics/retention/")
    page.wait_for_selector("[data-testid=cohort-table]")
    box = page.locator("[data-chart-box=retention] canvas").bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    assert charts_drawn(page) > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts / f"analytics-retention-{device}.png"), full_page=True)
    assert page.console_errors == []


def test_a_marketer_recomputes_and_the_page_reloads_with_the_new_time(
    page_for, live_server, marketing_user, figures, artifacts
):
    page = page_for(1366, 900)
    log_in(page, live_server, "mia.marketing")
    page.goto(f"{live_server.url}/analytics/")
    stamp = page.locator("[data-testid=last-computed-time]")
    before = datetime.datetime.fromisoformat(stamp.get_attribute("datetime"))

    with page.expect_navigation(timeout=30_000):  # HX-Refresh reloads the page
        page.click("[data-testid=recompute]")
        page.wait_for_selector("[data-testid=recompute-progress]")
        page.screenshot(path=str(artifacts / "analytics-recompute-desktop.png"))
    page.wait_for_selector("[data-testid=headline-cards]")
    after = datetime.datetime.fromisoformat(stamp.get_attribute("datetime"))
    assert after > before
    assert page.locator("[data-testid=recompute-progress]").count() == 0
    assert charts_drawn(page) > 0
