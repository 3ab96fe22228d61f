"""A customer answers a Latvian NPS link on a phone: a 3 with a comment, the thank-you page
with the bonus; support sees the follow-up case and the answer on the profile; the link
then says "already answered". Screenshots saved."""

import pytest
from django.utils import timezone

from crm.models import Case
from surveys import services
from tests import factories
from tests.conftest import PASSWORD
from tests.loyalty.conftest import programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_answers_in_latvian_on_a_phone_and_support_follows_up(
    page_for, live_server, support_user, artifacts
):
    programme()
    survey = services.survey_from_template(
        template="nps", name="Kā mums veicas?", languages=["lv", "en"], completion_bonus=50
    )
    services.survey_status_set(survey=survey, status="active")
    customer = factories.customer(
        first_name="Līga",
        last_name="Ozola",
        language="lv",
        email_consent=True,
        email_consent_at=timezone.now(),
    )
    link = services.invitation_create(survey=survey, customer=customer)

    phone = page_for(390, 844)
    phone.goto(f"{live_server.url}/s/{link.token}/")
    assert phone.locator("html").get_attribute("lang") == "lv"
    assert "Cik ticams ir" in phone.inner_text("[data-testid=question-nps] legend")
    phone.screenshot(path=str(artifacts / "survey-lv-phone.png"), full_page=True)
    phone.click("[data-testid=survey-submit]")  # nothing chosen: asked again
    phone.wait_for_selector("[data-testid=survey-errors]")
    phone.check("input[name^=q][value='3']", force=True)
    phone.fill("[data-testid=question-text] textarea", "Paka nāca divas nedēļas.")
    phone.click("[data-testid=survey-submit]")
    phone.wait_for_selector("[data-testid=survey-thanks]")
    assert "50" in phone.inner_text("[data-testid=survey-bonus]")
    phone.screenshot(path=str(artifacts / "survey-lv-thanks-phone.png"), full_page=True)

    case = Case.objects.get()
    assert case.source == "survey" and "Paka nāca divas nedēļas." in case.description

    desk = page_for(1366, 900)
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.fill("#id_username", "sam.support")
    desk.fill("#id_password", PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_url(f"{live_server.url}/customers/")
    desk.goto(f"{live_server.url}/customers/{customer.pk}/")
    assert desk.inner_text("[data-testid=survey-latest-score]").strip() == "3"
    assert "Paka nāca divas nedēļas." in desk.inner_text("[data-testid=timeline-survey]")
    assert case.reference in desk.inner_text("[data-testid=panel-cases]")
    desk.screenshot(path=str(artifacts / "survey-profile-desktop.png"), full_page=True)

    phone.goto(f"{live_server.url}/s/{link.token}/")
    assert phone.locator("[data-testid=survey-status]").is_visible()
    assert not phone.outside_requests and not desk.outside_requests
