"""The loyalty programme in Chromium: a marketer sets it up (two tiers, a spend rule and a
reward), an order earns points, support redeems the reward from the customer's profile
and reads the voucher code; desktop and phone, with screenshots."""

import datetime

import pytest
from django.utils import timezone

from crm import services as crm_services
from loyalty.models import Account, LedgerEntry, Redemption
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_a_marketer_sets_up_the_programme_and_support_redeems_a_reward(
    page_for, live_server, marketing_user, support_user, artifacts, device, width, height
):
    customer = factories.customer(first_name="Līga", last_name="Ozola")
    page = page_for(width, height)
    log_in(page, live_server, "mia.marketing")

    # The programme: settings first (the overview offers them while there is none).
    page.goto(f"{live_server.url}/loyalty/settings/")
    page.fill("#id_name", "Retain Rewards")
    page.fill("#id_point_value", "0.01")
    page.fill("#id_earn_rate", "1")
    page.fill("#id_lifetime_months", "12")
    page.fill("#id_active_from", (timezone.localdate() - datetime.timedelta(days=30)).isoformat())
    page.click("[data-testid=save-programme]")
    page.wait_for_url(f"{live_server.url}/loyalty/")

    # An earn rule: one point per euro.
    page.goto(f"{live_server.url}/loyalty/rules/new/")
    page.fill("#id_name", "1 point per euro")
    page.select_option("#id_kind", "spend")
    page.click("[data-testid=save-rule]")
    page.wait_for_selector("[data-testid=rule-row]")

    # Two tiers; a bad multiplier first, shown at its field.
    for name, threshold, multiplier in (("Silver", "0", "1"), ("Gold", "1000", "1.5")):
        page.goto(f"{live_server.url}/loyalty/tiers/new/")
        page.fill("#id_name", name)
        page.fill("#id_threshold", threshold)
        page.fill("#id_multiplier", "99" if name == "Gold" else multiplier)
        page.click("[data-testid=save-tier]")
        if name == "Gold":
            page.wait_for_selector("#id_multiplier.is-invalid")
            page.fill("#id_multiplier", multiplier)
            page.click("[data-testid=save-tier]")
        page.wait_for_selector("[data-testid=tier-list]")
    assert page.locator("[data-testid=tier-row]").count() == 2
    page.screenshot(path=str(artifacts / f"loyalty-tiers-{device}.png"), full_page=True)

    # A reward with a stock of 5.
    page.goto(f"{live_server.url}/loyalty/rewards/new/")
    page.fill("#id_name", "Canvas tote bag")
    page.fill("#id_cost", "100")
    page.fill("#id_stock", "5")
    page.click("[data-testid=save-reward]")
    page.wait_for_selector("[data-testid=reward-list]")

    # An order of €240 earns 240 points (crm's event after commit reaches loyalty).
    factories.order(customer, total="240.00")
    account = Account.objects.get(customer=customer)
    assert (account.balance, account.tier.name) == (240, "Silver")
    page.goto(f"{live_server.url}/loyalty/")
    page.wait_for_selector("[data-testid=month-figures]")
    assert page.inner_text("[data-testid=earned]").strip() == "240"
    page.screenshot(path=str(artifacts / f"loyalty-overview-{device}.png"), full_page=True)
    page.context.clear_cookies()

    # Support redeems the tote bag from the profile and reads out the voucher code.
    log_in(page, live_server, "sam.support")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    panel = page.locator("[data-testid=loyalty-panel]")
    assert panel.locator("[data-testid=loyalty-balance]").inner_text().strip() == "240"
    assert "Silver" in panel.locator("[data-testid=loyalty-tier]").inner_text()
    assert page.locator("[data-testid=timeline-points]").count() == 1
    page.select_option("#redeem-reward", label="Canvas tote bag · 100")
    page.click("[data-testid=redeem]")
    page.wait_for_selector(".alert-success")
    redemption = Redemption.objects.get()
    assert redemption.code in page.inner_text(".alert-success")
    assert panel.locator("[data-testid=loyalty-balance]").inner_text().strip() == "140"
    assert redemption.code in panel.locator("[data-testid=loyalty-vouchers]").inner_text()
    page.screenshot(path=str(artifacts / f"loyalty-profile-{device}.png"), full_page=True)

    # A refund of the order takes its points back even though some were spent: the
    # balance goes negative and the profile says why.
    crm_services.order_status_set(order=customer.orders.get(), status="refunded")
    page.reload()
    assert panel.locator("[data-testid=loyalty-balance]").inner_text().strip() in ("-100", "−100")
    assert page.locator("[data-testid=loyalty-debt]").is_visible()
    assert sum(LedgerEntry.objects.values_list("points", flat=True)) == -100
    assert not page.outside_requests, page.outside_requests
