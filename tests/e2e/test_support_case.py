"""The support workspace in Chromium, desktop and phone: create a customer (a bad phone
first), open a case from the profile, reply, resolve; the case, the reply and the history
are on the timeline; the team queue shows an overdue case highlighted."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from crm.models import Case, Customer
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("device", "width", "height"), [("desktop", 1366, 900), ("phone", 390, 844)]
)
def test_support_works_a_case_from_a_new_customer_to_resolved(
    page_for, live_server, support_user, artifacts, device, width, height
):
    late = factories.case(
        factories.customer(first_name="Jonas", last_name="Petrauskas"),
        subject="Courier lost the parcel",
        opened_at=timezone.now() - datetime.timedelta(days=5),
    )
    page = page_for(width, height)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sam.support")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")

    # A new customer: the bad phone is an inline error, the fix saves.
    page.click("[data-testid=new-customer]")
    page.fill("#id_first_name", "Līga")
    page.fill("#id_last_name", "Ozola")
    page.fill("#id_email", "liga@example.lv")
    page.fill("#id_phone", "12")
    page.click("[data-testid=save-customer]")
    page.wait_for_selector("#id_phone.is-invalid")
    assert Customer.objects.filter(email="liga@example.lv").count() == 0
    page.fill("#id_phone", "+371 2912 3456")
    page.click("[data-testid=save-customer]")
    page.wait_for_selector("[data-testid=profile-name]")

    # Open a case from the profile.
    page.click("[data-testid=open-case]")
    page.fill("#id_subject", "Parcel never arrived")
    page.fill("#id_description", "Tracking says in transit for nine days.")
    page.select_option("#id_priority", "high")
    page.click("[data-testid=save-case]")
    page.wait_for_selector("[data-testid=case-title]")
    case = Case.objects.get(subject="Parcel never arrived")
    assert page.inner_text("[data-testid=case-title]").startswith(case.reference)

    # Reply by email, then resolve.
    page.fill("#id_body", "Sorry! A new parcel leaves today.")
    page.click("[data-testid=send-comment]")
    page.wait_for_selector("[data-testid=case-comment][data-direction=outbound]")
    assert page.inner_text("[data-testid=first-response]") != "—"
    assert [m.to for m in mail.outbox] == [["liga@example.lv"]]
    page.click("[data-testid=resolve-case]")
    page.wait_for_selector("[data-case-status=resolved]")
    assert page.inner_text("[data-testid=resolved-at]") != "—"
    page.screenshot(path=artifacts / f"{device}-case-resolved.png", full_page=True)
    case.refresh_from_db()
    assert (case.status, case.first_response_at is not None) == ("resolved", True)

    # The case, the reply and the history of the resolution are on the timeline.
    page.goto(f"{live_server.url}/customers/{case.customer_id}/")
    timeline = page.locator("#timeline")
    assert timeline.locator("[data-testid=timeline-case]").count() == 1
    assert "Sorry! A new parcel leaves today." in timeline.inner_text()
    assert timeline.locator("[data-testid=comment-case]").count() == 1
    history = timeline.locator("[data-testid=timeline-history]")
    assert any("Resolved" in text for text in history.all_inner_texts())
    page.screenshot(path=artifacts / f"{device}-profile-with-case.png", full_page=True)

    # The queue: the overdue case first and highlighted; the resolved one is gone.
    page.goto(f"{live_server.url}/cases/")
    first = page.locator("[data-testid=case-row]").first
    assert late.reference in first.inner_text()
    assert first.get_attribute("data-overdue") == "true"
    background = first.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    on_phone = first.evaluate("tr => getComputedStyle(tr).backgroundColor")
    assert "254, 242, 242" in background + on_phone  # the pale red of an overdue row
    assert "Parcel never arrived" not in page.inner_text("[data-testid=case-results]")
    page.screenshot(path=artifacts / f"{device}-case-queue.png", full_page=True)
