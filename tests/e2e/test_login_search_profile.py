"""A support agent logs in, searches, opens a profile and adds a note, in Chromium."""

import datetime

import pytest

from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customers(support_user):
    from crm import services

    vip = services.tag_create(name="VIP", color="warning")
    anna = factories.customer(
        first_name="Anna",
        last_name="Bērziņa",
        email="anna@example.com",
        phone="+37129123456",
        country="LV",
        language="lv",
        customer_since=datetime.date(2024, 2, 1),
        tags=[vip],
        email_consent=True,
    )
    for days, total in [(200, "45.00"), (90, "60.50"), (3, "120.00")]:
        factories.order(anna, days_ago=days, total=total)
    services.interaction_create(
        customer=anna,
        author=support_user,
        kind="call",
        subject="Delivery question",
        body="Asked about Saturday delivery.",
    )
    for n in range(12):
        factories.customer(first_name=f"Jonas{n}", last_name="Petrauskas", country="LT")
    return anna


def _login(page, base_url):
    page.goto(f"{base_url}/customers/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "sam.support")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/customers/")


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_support_finds_a_customer_and_adds_a_note(
    page_for, live_server, customers, artifacts, device, width, height
):
    page = page_for(width, height)
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=artifacts / f"{device}-login.png", full_page=True)

    _login(page, live_server.url)
    assert page.locator("[data-testid=customer-name]").count() == 13
    anna = page.locator("[data-testid=customer-row]", has_text="Anna Bērziņa")
    # Phone or desktop, a row shows the status, the revenue and the last order.
    assert anna.locator("[data-testid=customer-status]").inner_text().strip() == "Active"
    assert anna.locator("[data-testid=customer-revenue]").is_visible()
    assert anna.locator("[data-testid=customer-revenue]").inner_text() == "€225.50"
    page.screenshot(path=artifacts / f"{device}-customer-list.png", full_page=True)

    page.fill("[data-testid=search]", "bērz")
    page.wait_for_function("document.querySelectorAll('[data-testid=customer-name]').length === 1")
    assert page.locator("[data-testid=customer-name]").inner_text() == "Anna Bērziņa"
    assert "q=b%C4%93rz" in page.url  # the search is in the address, shareable
    page.screenshot(path=artifacts / f"{device}-search.png", full_page=True)

    page.click("text=Anna Bērziņa")
    page.wait_for_selector("[data-testid=profile-name]")
    assert page.inner_text("[data-testid=profile-name]") == "Anna Bērziņa"
    assert "€225.50" in page.inner_text("[data-testid=order-summary]")
    assert "+371 29 123 456" in page.inner_text("[data-testid=contact]")
    assert page.locator("[data-testid=timeline-order]").count() == 3
    assert "Delivery question" in page.inner_text("[data-testid=timeline]")
    page.screenshot(path=artifacts / f"{device}-profile.png", full_page=True)

    page.fill("#id_subject", "Birthday offer")
    page.fill("#id_body", "Told her about the birthday discount.")
    page.click("text=Add to timeline")
    page.wait_for_function(
        "document.querySelector('[data-testid=timeline]').innerText.includes('Birthday offer')"
    )
    first = page.locator("[data-testid=timeline-interaction]").first.inner_text()
    assert "Birthday offer" in first and "sam.support" in first
    assert page.input_value("#id_subject") == ""  # the form is ready for the next note

    page.click("text=Add to timeline")  # empty: an inline error, nothing saved
    page.wait_for_selector("[data-testid=note-errors]")
    assert "Write something" in page.inner_text("[data-testid=note-errors]")
    assert customers.interactions.count() == 2


def test_older_timeline_entries_load_in_place_and_lead_back_to_the_newest(
    page_for, live_server, support_user
):
    from crm import services

    customer = factories.customer(first_name="Ilze", last_name="Kalna")
    for n in range(45):
        services.interaction_create(customer=customer, author=support_user, subject=f"Call {n}")
    page = page_for(390, 844)
    _login(page, live_server.url)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    entries = page.locator("[data-testid=timeline-interaction]")
    assert entries.count() == 30
    assert page.locator("[data-testid=back-to-newest]").count() == 0

    page.click("text=Show older")
    page.wait_for_selector("[data-testid=back-to-newest]")
    assert entries.count() == 45
    assert "That is the whole history." in page.inner_text("[data-testid=timeline]")

    page.fill("#id_subject", "A draft not sent yet")
    page.click("[data-testid=back-to-newest]")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=timeline-interaction]').length === 30"
    )
    assert entries.first.inner_text().startswith("Call 44")
    assert page.locator("[data-testid=back-to-newest]").count() == 0
    assert page.input_value("#id_subject") == "A draft not sent yet"  # the form stayed
