"""An Admin imports in Chromium: a customers file with one bad row shows the report and
imports nothing; the corrected file imports; an orders file shows its progress bar."""

import pytest

from crm.models import Customer, Order
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD = (
    "id;e-mail;first name;surname\n"
    "S-1;liga@example.lv;Līga;Ozola\nS-2;not-an-email;Jonas;Petrauskas\n"
)
ORDERS = (
    "external_id;customer_external_id;placed_at;total\n"
    "O-1;S-1;01.02.2025 10:00;19,99\nO-2;S-2;2025-03-04;5,00\n"
)


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_admin_imports_customers_then_orders(
    page_for, live_server, admin_user, artifacts, tmp_path, device, width, height
):
    page = page_for(width, height)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ada.admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")
    page.click("[data-testid=import]")

    def upload(name: str, text: str, kind: str) -> None:
        path = tmp_path / name
        path.write_text(text, encoding="cp1257" if kind == "customers" else "utf-8")
        page.goto(f"{live_server.url}/imports/")
        page.check(f"input[name=kind][value={kind}]")
        page.set_input_files("#id_file", str(path))
        page.click("[data-testid=upload]")
        page.wait_for_selector("[data-testid=mapping-form]")
        page.click("[data-testid=check-file]")
        page.wait_for_selector("[data-testid=import-report]")

    upload("customers.csv", BAD, "customers")
    report = page.inner_text("[data-testid=import-report]")
    assert "1 bad row" in report and "Enter a valid email address." in report
    assert page.locator("[data-testid=start-import]").count() == 0
    page.screenshot(path=artifacts / f"{device}-import-bad-row.png", full_page=True)
    assert Customer.objects.count() == 0

    upload("customers.csv", BAD.replace("not-an-email", "jonas@example.lt"), "customers")
    page.click("[data-testid=start-import]")
    page.wait_for_selector("[data-status=done]")
    assert Customer.objects.get(external_id="S-1").last_name == "Ozola"  # Windows-1257 read

    upload("orders.csv", ORDERS, "orders")
    page.click("[data-testid=start-import]")
    page.wait_for_selector("[data-status=done]")
    bar = page.locator("[data-testid=import-progress]")
    assert bar.get_attribute("aria-valuenow") == "100"
    assert "2 of 2 rows written" in page.inner_text("[data-testid=import-state]")
    page.screenshot(path=artifacts / f"{device}-import-done.png", full_page=True)
    assert Order.objects.count() == 2
