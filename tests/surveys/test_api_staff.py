"""/api/v1/surveys/, /api/v1/invitations/ and /api/v1/responses/: the staff side of
surveys through the API."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from surveys import services
from surveys.models import Invitation, Response, Survey
from tests import factories
from tests.conftest import api_as
from tests.surveys.conftest import consenting_customer, nps_survey
from tests.surveys.test_views_staff import NPS_SCORES, answer

pytestmark = pytest.mark.django_db


def test_surveys_are_listed_with_their_counts(support_user, survey):
    for score in NPS_SCORES:
        answer(survey, score)
    services.invitation_create(survey=survey, customer=consenting_customer())
    api = api_as(support_user)
    body = api.get("/api/v1/surveys/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["name"], row["status"], row["scored_kind"]) == (
        survey.pk,
        "How are we doing?",
        "active",
        "nps",
    )
    assert (row["invited"], row["answered"], row["responses"]) == (6, 5, 5)
    assert row["public_url"] is None
    one = api.get(f"/api/v1/surveys/{survey.pk}/").json()
    assert one["languages"] == ["en", "lv"]
    assert api.get("/api/v1/surveys/", {"status": "draft"}).json()["count"] == 0
    assert api.get("/api/v1/surveys/", {"statu": "draft"}).status_code == 400


def test_marketing_creates_a_survey_from_a_template(marketing_user):
    api = api_as(marketing_user)
    created = api.post(
        "/api/v1/surveys/",
        {
            "template": "ces",
            "name": "Effort",
            "languages": ["en", "ru"],
            "completion_bonus": 20,
            "response_days": 10,
            "allow_anonymous": True,
        },
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["status"], body["scored_kind"]) == ("Effort", "draft", "ces")
    assert (body["languages"], body["completion_bonus"], body["response_days"]) == (
        ["en", "ru"],
        20,
        10,
    )
    survey = Survey.objects.get()
    assert [q.kind for q in survey.questions.order_by("position")] == ["ces", "text"]


def test_a_wrong_survey_is_refused_naming_the_fields(marketing_user, support_user):
    api = api_as(marketing_user)
    wrong = api.post(
        "/api/v1/surveys/",
        {"template": "quiz", "name": "X", "languages": ["de"], "colour": "red"},
        format="json",
    )
    assert wrong.status_code == 400
    fields = wrong.json()["fields"]
    assert set(fields) == {"template", "languages", "colour"}
    blank = api.post("/api/v1/surveys/", {"template": "nps", "name": "   "}, format="json")
    assert blank.status_code == 400 and "name" in blank.json()["fields"]
    assert not Survey.objects.exists()
    # Support reads surveys but does not create them.
    refused = api_as(support_user).post(
        "/api/v1/surveys/", {"template": "nps", "name": "Mine"}, format="json"
    )
    assert refused.status_code == 403


def test_an_invitation_is_created_and_emailed_after_commit(
    marketing_user, survey, django_capture_on_commit_callbacks
):
    customer = consenting_customer(language="lv")
    api = api_as(marketing_user)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/invitations/", {"survey": survey.pk, "customer": customer.pk}, format="json"
        )
    assert created.status_code == 201
    body = created.json()
    invitation = Invitation.objects.get()
    assert (body["survey"], body["customer"], body["channel"], body["language"]) == (
        survey.pk,
        customer.pk,
        "email",
        "lv",
    )
    assert body["link"].endswith(f"/s/{invitation.token}/")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [customer.email]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    listed = api.get("/api/v1/invitations/", {"survey": survey.pk}).json()
    assert [row["id"] for row in listed["results"]] == [invitation.pk]
    assert "link" not in listed["results"][0]  # the link is the customer's credential


def test_invitation_refusals_carry_the_services_codes(marketing_user, survey):
    api = api_as(marketing_user)

    def invite(customer, survey_=survey, **extra):
        body = {"survey": survey_.pk, "customer": customer.pk, **extra}
        return api.post("/api/v1/invitations/", body, format="json")

    silent = factories.customer()
    refused = invite(silent)
    assert (refused.status_code, refused.json()["code"]) == (409, "no_email_consent")
    # A link needs no email consent; nothing is emailed.
    link = invite(silent, channel="link")
    assert link.status_code == 201 and link.json()["channel"] == "link"
    assert mail.outbox == []
    again = invite(silent, channel="link")
    assert (again.status_code, again.json()["code"]) == (409, "already_invited")
    elsewhere = invite(silent, nps_survey(), channel="link")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "too_soon")
    unlimited = nps_survey(frequency_days=0)
    customer = consenting_customer()
    assert invite(customer, unlimited).status_code == 201
    twice = invite(customer, unlimited)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_invited")
    draft = services.survey_from_template(template="csat", name="Draft")
    inactive = invite(consenting_customer(), draft)
    assert (inactive.status_code, inactive.json()["code"]) == (409, "survey_inactive")
    unknown = api.post(
        "/api/v1/invitations/", {"survey": survey.pk, "customer": 999999}, format="json"
    )
    assert unknown.status_code == 400 and "customer" in unknown.json()["fields"]


def test_invitations_follow_the_role_matrix(role_users, invitation):
    expected = {
        "support": (200, 403),
        "marketing": (200, 201),
        "admin": (200, 201),
        "none": (403, 403),
    }
    for role, user in role_users.items():
        api = api_as(user)
        listed = api.get("/api/v1/invitations/", {"customer": invitation.customer_id})
        body = {"survey": invitation.survey_id, "customer": consenting_customer().pk}
        created = api.post("/api/v1/invitations/", body, format="json")
        assert (listed.status_code, created.status_code) == expected[role], role
        if listed.status_code == 200:
            assert [row["id"] for row in listed.json()["results"]] == [invitation.pk]


def test_responses_are_read_with_their_filters(support_user, survey):
    promoter = answer(survey, 10, comment="Great")
    detractor = answer(survey, 2, comment="Slow")
    old = answer(survey, 8)
    month_ago = timezone.now() - datetime.timedelta(days=30)
    Response.objects.filter(pk=old.pk).update(submitted_at=month_ago)
    answer(nps_survey(), 9)  # another survey
    api = api_as(support_user)
    url = "/api/v1/responses/"

    def ids(query) -> list[int]:
        response = api.get(url, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids({"survey": survey.pk}) == [detractor.pk, promoter.pk, old.pk]
    assert ids({"survey": survey.pk, "category": "detractor"}) == [detractor.pk]
    assert ids({"customer": promoter.customer_id}) == [promoter.pk]
    today = timezone.localdate().isoformat()
    assert ids({"survey": survey.pk, "submitted_from": today}) == [detractor.pk, promoter.pk]
    day = timezone.localdate(month_ago).isoformat()
    assert ids({"submitted_from": day, "submitted_to": day}) == [old.pk]
    row = api.get(f"{url}{detractor.pk}/").json()
    assert (row["score_kind"], row["score"], row["category"], row["comment"]) == (
        "nps",
        2,
        "detractor",
        "Slow",
    )
    detractor.refresh_from_db()
    assert row["follow_up"] == detractor.follow_up.reference
    assert sorted(a["score"] is not None for a in row["answers"]) == [False, True]
    for bad in ({"category": "angry"}, {"submitted_from": "0001-01-01"}, {"sort": "x"}):
        assert api.get(url, bad).status_code == 400, bad
    assert api.post(url, {}, format="json").status_code in (403, 405)  # read only


def test_responses_need_the_view_response_permission(no_role_user, api_client, survey):
    answer(survey, 9)
    assert api_as(no_role_user).get("/api/v1/responses/").status_code == 403
    assert api_as(no_role_user).get("/api/v1/surveys/").status_code == 403
    assert api_client.get("/api/v1/responses/").status_code in (401, 403)


def test_the_response_list_query_count_stays_the_same(
    support_user, survey, django_assert_num_queries
):
    api = api_as(support_user)
    answer(survey, 3, comment="Slow")
    api.get("/api/v1/responses/")  # the user's permissions are read once and kept
    # count, rows with their survey, customer and case, answers
    with django_assert_num_queries(3):
        first = api.get("/api/v1/responses/")
    for score in (10, 9, 0):
        answer(survey, score, comment="More")
    with django_assert_num_queries(3):
        second = api.get("/api/v1/responses/")
    assert (first.json()["count"], second.json()["count"]) == (1, 4)


def test_the_schema_documents_the_survey_endpoints(admin_user, client):
    client.force_login(admin_user)
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/surveys/",
        "/api/v1/surveys/{id}/",
        "/api/v1/invitations/",
        "/api/v1/invitations/{id}/",
        "/api/v1/responses/",
        "/api/v1/responses/{id}/",
        "/api/v1/public/responses/",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/surveys/"] and "post" in paths["/api/v1/invitations/"]
    assert "post" not in paths["/api/v1/responses/"]
    names = {p["name"] for p in paths["/api/v1/responses/"]["get"]["parameters"]}
    assert {"survey", "customer", "category", "submitted_from", "submitted_to"} <= names
