"""Marketing builds a segment with two conditions in Chromium, sees its count and members,
and exports it."""

import pytest

from crm.models import Segment
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_marketing_builds_a_segment_and_exports_it(
    page_for, live_server, marketing_user, artifacts, device, width, height
):
    for name, country, orders in [("Līga", "LV", 3), ("Ilze", "LV", 1), ("Jonas", "LT", 3)]:
        customer = factories.customer(first_name=name, country=country)
        for n in range(orders):
            factories.order(customer, days_ago=5 + n * 20)
    page = page_for(width, height)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "mia.marketing")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")

    page.goto(f"{live_server.url}/segments/")
    page.click("[data-testid=new-segment]")
    page.fill("#id_name", "Latvian regulars")
    page.click("[data-testid=rule-add]")
    page.select_option("[data-testid=rule-type] >> nth=0", "country")
    page.select_option("[data-testid=rule-value] select >> nth=0", ["LV"])
    page.click("[data-testid=rule-add]")
    page.select_option("[data-testid=rule-type] >> nth=1", "order_count")
    page.fill("[data-testid=rule-value] input >> nth=0", "2")
    page.fill("[data-testid=rule-window]", "365")
    page.screenshot(path=artifacts / f"{device}-segment-builder.png", full_page=True)
    page.click("[data-testid=save-segment]")
    page.wait_for_selector("[data-testid=member-count]")

    segment = Segment.objects.get()
    assert segment.rule["conditions"][1] == {
        "type": "order_count", "op": "gte", "value": 2, "window_days": 365,
    }  # fmt: skip
    assert page.inner_text("[data-testid=member-count]") == "1"
    assert page.locator("[data-testid=customer-name]").all_inner_texts() == ["Līga Bērziņa"]
    words = page.inner_text("[data-testid=rule-words]")
    assert "Country is one of Latvia" in words
    assert "Completed orders at least 2 in the last 365 days" in words
    page.screenshot(path=artifacts / f"{device}-segment.png", full_page=True)

    with page.expect_download() as download:
        page.click("[data-testid=export-segment]")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("id,external_id,first_name")
    assert len(text.splitlines()) == 2 and "Līga" in text
