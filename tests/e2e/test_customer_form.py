"""Support creates a customer in Chromium: a bad phone gets an inline error, the fix saves."""

import pytest

from crm.models import Customer
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_support_creates_a_customer_fixing_a_bad_phone(
    page_for, live_server, support_user, artifacts, device, width, height
):
    page = page_for(width, height)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sam.support")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")

    page.click("[data-testid=new-customer]")
    page.wait_for_selector("[data-testid=customer-form]")
    page.fill("#id_first_name", "Ieva")
    page.fill("#id_last_name", "Kazlauskienė")
    page.fill("#id_email", "ieva@example.lt")
    page.select_option("#id_country", "LT")
    page.fill("#id_phone", "12")
    page.click("[data-testid=save-customer]")
    page.wait_for_selector("#id_phone.is-invalid")
    assert "Enter a valid phone number" in page.inner_text("[data-testid=customer-form]")
    assert page.input_value("#id_first_name") == "Ieva"  # what was typed is kept
    assert Customer.objects.count() == 0
    page.screenshot(path=artifacts / f"{device}-customer-form-error.png", full_page=True)

    page.fill("#id_phone", "8 612 34567")
    page.click("[data-testid=save-customer]")
    page.wait_for_selector("[data-testid=profile-name]")
    assert page.inner_text("[data-testid=profile-name]") == "Ieva Kazlauskienė"
    assert "+370 612 34567" in page.inner_text("[data-testid=contact]")
    page.screenshot(path=artifacts / f"{device}-customer-created.png", full_page=True)
