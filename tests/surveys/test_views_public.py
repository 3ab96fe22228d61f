"""/s/<token>/ and POST /api/v1/public/responses/: no login, one answer, clear statuses."""

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from surveys import services
from surveys.models import Invitation, Response
from tests.surveys.conftest import consenting_customer, nps_survey

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return f"/s/{token}/"


def nps_field(survey) -> str:
    return f"q{survey.questions.get(kind='nps').pk}"


def test_the_page_speaks_the_customers_language_and_stamps_the_opening(client, invitation):
    page = client.get(url(invitation.token))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'lang="lv"' in html
    assert "Cik ticams ir, ka jūs mūs ieteiktu draugam vai kolēģim?" in html
    assert Invitation.objects.get().opened_at is not None
    english = client.get(url(invitation.token), {"lang": "en"}).content.decode()
    assert "How likely are you to recommend us" in english


def test_a_bad_answer_shows_the_form_again_and_a_good_one_thanks(client, invitation):
    survey = invitation.survey
    bad = client.post(url(invitation.token), {nps_field(survey): "11", "lang": "en"})
    assert bad.status_code == 400
    assert "Choose a number from 0 to 10." in bad.content.decode()
    missing = client.post(url(invitation.token), {"lang": "en"})
    assert "Please answer this question." in missing.content.decode()
    in_latvian = client.post(url(invitation.token), {})  # the customer's language
    with translation.override("lv"):
        assert translation.gettext("Please answer this question.") in in_latvian.content.decode()
    assert not Response.objects.exists()
    good = client.post(url(invitation.token), {nps_field(survey): "3", "lang": "lv"})
    assert good.status_code == 200 and 'data-testid="survey-thanks"' in good.content.decode()
    again = client.get(url(invitation.token), {"lang": "en"})
    assert again.status_code == 409 and "answered" in again.content.decode()
    twice = client.post(url(invitation.token), {nps_field(survey): "10"})
    assert twice.status_code == 409 and Response.objects.count() == 1


def test_unknown_expired_and_closed_links(client, invitation):
    assert client.get(url("x" * 43)).status_code == 404
    assert client.get(url("short")).status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    expired = client.get(url(invitation.token))
    assert expired.status_code == 410 and "expired" in expired.content.decode()


def test_free_text_is_escaped_for_staff_and_customer(client, invitation):
    survey = invitation.survey
    comment = f"q{survey.questions.get(kind='text').pk}"
    page = client.post(url(invitation.token), {comment: "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


def test_too_many_requests_get_a_polite_page(client, invitation, settings):
    cache.clear()
    for _n in range(20):
        client.get(url(invitation.token))
    limited = client.get(url(invitation.token))
    assert limited.status_code == 429
    assert "try again in a minute" in limited.content.decode()


def test_the_public_api_submits_once(api_client, invitation):
    survey = invitation.survey
    body = {"token": invitation.token, "answers": {nps_field(survey): 8}}
    first = api_client.post("/api/v1/public/responses/", body, format="json")
    assert first.status_code == 201 and first.json()["bonus_points"] == 0
    again = api_client.post("/api/v1/public/responses/", body, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_answered")
    fresh = services.invitation_create(
        survey=nps_survey(frequency_days=0), customer=consenting_customer()
    )
    bad = api_client.post(
        "/api/v1/public/responses/",
        {"token": fresh.token, "answers": {"x": 1}},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"x", nps_field(fresh.survey)}
    unknown = api_client.post(
        "/api/v1/public/responses/", {"token": "y" * 43, "answers": {"q1": 1}}, format="json"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_link")
    invalid = api_client.post("/api/v1/public/responses/", {"token": 5}, format="json")
    assert invalid.status_code == 400 and "answers" in invalid.json()["fields"]
