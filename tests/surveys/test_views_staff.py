"""The staff survey pages: the list, a new survey, the results with comments, activating
and closing, inviting a segment, and the responses as CSV."""

import csv
import datetime
import io
import math

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.models import Case
from surveys import services
from surveys.models import Invitation, Response, Survey
from tests import factories
from tests.surveys.conftest import consenting_customer, nps_survey

pytestmark = pytest.mark.django_db

LATVIANS = {"match": "all", "conditions": [{"type": "country", "op": "in", "value": ["LV"]}]}
# 3 promoters, 1 passive, 1 detractor: NPS = 60% - 20% = 40 with n = 5, and the margin
# 1.96 x sqrt((0.6 + 0.2 - 0.4^2) / 5) x 100 = 70.1 points (docs/metrics.md).
NPS_SCORES = [10, 9, 9, 8, 3]
NPS_MARGIN = 1.96 * math.sqrt((0.6 + 0.2 - 0.4**2) / 5) * 100


def answer(survey, score, comment: str = "", customer=None, **customer_data) -> Response:
    """A customer invited and answering through the services."""
    customer = customer or consenting_customer(**customer_data)
    invitation = services.invitation_create(survey=survey, customer=customer)
    questions = list(survey.questions.order_by("position"))
    scored = next(q for q in questions if q.scored)
    answers = {f"q{scored.pk}": score}
    if comment:
        text = next(q for q in questions if q.kind == "text")
        answers[f"q{text.pk}"] = comment
    return services.response_submit(token=invitation.token, answers=answers)


def active(template: str, name: str, **settings_) -> Survey:
    survey = services.survey_from_template(template=template, name=name, **settings_)
    return services.survey_status_set(survey=survey, status="active")


@pytest.fixture
def marketing(client, marketing_user):
    client.force_login(marketing_user)
    return client


@pytest.fixture
def support(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def answered(survey):
    """The NPS survey with NPS_SCORES answered, and one invitation not answered yet."""
    for score in NPS_SCORES:
        answer(survey, score)
    services.invitation_create(survey=survey, customer=consenting_customer())
    return survey


def _html(response) -> str:
    return response.content.decode()


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_each_surveys_counts_rate_and_headline_score(marketing, answered):
    csat = active("csat", "After a case")
    page = marketing.get(reverse("surveys:survey-list"))
    html = _html(page)
    assert page.status_code == 200
    assert html.count('data-testid="survey-row"') == 2
    assert 'data-testid="new-survey"' in html and 'data-testid="nav-surveys"' in html
    # Newest first: the CSAT survey has no answers yet, the NPS one 5 of 6 invitations.
    first, second = html.split('data-testid="survey-row"')[1:]
    assert (
        csat.name in first
        and "No answers yet" in first
        and 'data-testid="survey-kind">CSAT' in first
    )
    assert answered.name in second and 'data-testid="survey-kind">NPS' in second
    assert 'data-testid="survey-invited">6<' in second
    assert 'data-testid="survey-responses">5<' in second
    assert 'data-testid="survey-rate">83%<' in second
    assert 'data-testid="metric-value">40<' in second
    assert f"± {NPS_MARGIN:.1f}" in second and "n = 5" in second


def test_the_list_headline_of_csat_and_ces(marketing):
    csat = active("csat", "After a case")
    for score in (5, 4, 2):
        answer(csat, score)
    ces = active("ces", "Effort")
    for score in (7, 5):
        answer(ces, score)
    html = _html(marketing.get(reverse("surveys:survey-list")))
    ces_row, csat_row = html.split('data-testid="survey-row"')[1:]
    # CSAT: 2 of 3 satisfied = 67% ± 1.96 x sqrt(2/3 x 1/3 / 3) = 53.3 points.
    assert 'data-testid="metric-value">67%<' in csat_row and "± 53.3" in csat_row
    # CES: mean 6.0, sample sd sqrt(2) -> 1.96 x 1.414 / sqrt(2) = 1.96.
    assert 'data-testid="metric-value">6.0<' in ces_row and "± 1.96" in ces_row


def test_the_list_query_count_stays_the_same_as_surveys_grow(
    marketing, answered, django_assert_num_queries
):
    url = reverse("surveys:survey-list")
    # session, user, the user's permissions (user, group), count, surveys with their
    # counts, one grouped query for every survey's scores
    with django_assert_num_queries(7):
        first = marketing.get(url)
    for n in range(4):
        survey = active(["nps", "csat", "ces"][n % 3], f"Survey {n}")
        answer(survey, 5, comment="ok")
    with django_assert_num_queries(7):
        second = marketing.get(url)
    assert _html(first).count('data-testid="survey-row"') == 1
    assert _html(second).count('data-testid="survey-row"') == 5


def test_the_list_without_surveys_invites_to_create_one(marketing):
    html = _html(marketing.get(reverse("surveys:survey-list")))
    assert "No surveys yet." in html and reverse("surveys:survey-create") in html


# --- A new survey --------------------------------------------------------------------------


def test_a_survey_is_created_from_a_template(marketing):
    page = marketing.get(reverse("surveys:survey-create"))
    assert page.status_code == 200 and 'name="languages"' in _html(page)
    response = marketing.post(
        reverse("surveys:survey-create"),
        {
            "template": "csat",
            "name": "After a case",
            "languages": ["en", "lv"],
            "completion_bonus": "50",
            "response_days": "14",
            "frequency_days": "30",
            "trigger": "case_resolved",
            "trigger_days": "14",
            "reminder_days": "3",
            "reminder_max": "2",
            "allow_anonymous": "on",
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:survey-detail", args=[survey.pk])
    assert (survey.name, survey.status, survey.languages) == ("After a case", "draft", ["en", "lv"])
    assert (survey.completion_bonus, survey.response_days, survey.frequency_days) == (50, 14, 30)
    assert (survey.trigger, survey.reminder_days, survey.reminder_max) == ("case_resolved", 3, 2)
    assert survey.allow_anonymous is True
    assert [q.kind for q in survey.questions.order_by("position")] == ["csat", "text"]


def test_a_wrong_survey_is_shown_again_with_its_errors(marketing):
    response = marketing.post(
        reverse("surveys:survey-create"),
        {
            "template": "quiz",
            "name": "",
            "response_days": "0",
            "frequency_days": "90",
            "trigger_days": "14",
            "reminder_days": "5",
            "reminder_max": "1",
        },
    )
    html = _html(response)
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in html
    assert "Select a valid choice. quiz is not one of the available choices." in html
    assert "Ensure this value is greater than or equal to 1." in html
    assert not Survey.objects.exists()


# --- Results -------------------------------------------------------------------------------


def test_the_results_show_the_distribution_and_the_nps_with_its_margin(support, answered):
    page = support.get(reverse("surveys:survey-detail", args=[answered.pk]))
    html = _html(page)
    assert page.status_code == 200
    assert 'data-testid="results-metric">40<' in html
    assert f"± {NPS_MARGIN:.1f} points" in html and "n = 5" in html
    assert 'data-testid="promoters">3<' in html
    assert 'data-testid="passives">1<' in html
    assert 'data-testid="detractors">1<' in html
    rows = html.split('data-testid="distribution-row"')[1:]
    assert len(rows) == 11  # every value of 0-10, the empty ones too
    counts = {
        int(row.split('data-score="')[1].split('"')[0]): int(
            row.split('data-testid="distribution-count">')[1].split("<")[0]
        )
        for row in rows
    }
    assert counts == {0: 0, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 1, 9: 2, 10: 1}
    assert 'style="width: 40.0%"' in html  # the two nines
    # Support reads the results but changes nothing.
    assert 'data-testid="close-survey"' not in html and 'data-testid="invite"' not in html
    assert 'data-testid="export-responses"' in html


def test_results_without_answers_say_so(marketing, survey):
    page = marketing.get(reverse("surveys:survey-detail", args=[survey.pk]))
    html = _html(page)
    assert page.status_code == 200
    assert 'data-testid="no-answers"' in html and "No answers yet." in html
    assert 'data-testid="distribution"' not in html
    assert "No comments yet." in html


def test_comments_are_newest_first_escaped_and_link_the_customer_and_case(marketing, survey):
    happy = answer(survey, 10, comment="Fast delivery", first_name="Līga", last_name="Ozola")
    angry = answer(survey, 2, comment="<script>alert(1)</script> late again")
    Response.objects.filter(pk=happy.pk).update(submitted_at=timezone.now() - datetime.timedelta(1))
    answer(survey, 9)  # no comment: not listed
    html = _html(marketing.get(reverse("surveys:survey-detail", args=[survey.pk])))
    comments = html.split('data-testid="comment"')[1:]
    assert len(comments) == 2
    assert "late again" in comments[0] and "Fast delivery" in comments[1]
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    case = Case.objects.get()
    angry.refresh_from_db()
    assert angry.follow_up == case
    assert reverse("crm:case-detail", args=[case.number]) in comments[0]
    assert case.reference in comments[0]
    assert reverse("crm:customer-detail", args=[happy.customer_id]) in comments[1]
    assert "Līga Ozola" in comments[1]


def test_comments_filter_by_category_and_dates(marketing, survey):
    old = answer(survey, 10, comment="Loved it last month")
    answer(survey, 7, comment="Fine")
    answer(survey, 1, comment="Bad")
    month_ago = timezone.now() - datetime.timedelta(days=30)
    Response.objects.filter(pk=old.pk).update(submitted_at=month_ago)
    url = reverse("surveys:survey-detail", args=[survey.pk])

    def texts(query) -> list[str]:
        html = _html(marketing.get(url, query))
        return [
            part.split('data-testid="comment-text">')[1].split("<")[0]
            for part in html.split('data-testid="comment"')[1:]
        ]

    assert texts({}) == ["Bad", "Fine", "Loved it last month"]
    assert texts({"category": "detractor"}) == ["Bad"]
    assert texts({"category": "passive"}) == ["Fine"]
    today = timezone.localdate()
    assert texts({"submitted_from": today.isoformat()}) == ["Bad", "Fine"]
    day = timezone.localdate(month_ago).isoformat()
    assert texts({"submitted_from": day, "submitted_to": day}) == ["Loved it last month"]
    assert "No comment matches these filters." in _html(
        marketing.get(url, {"category": "promoter", "submitted_from": today.isoformat()})
    )
    # A filter that is not valid is named and left out; the others still apply.
    bad = marketing.get(url, {"category": "angry", "submitted_to": "0001-01-01"})
    assert bad.status_code == 200 and 'data-testid="filter-errors"' in _html(bad)
    assert _html(bad).count('data-testid="comment"') == 3


def test_comments_are_paginated(marketing, survey):
    for n in range(27):
        answer(survey, 8, comment=f"Comment {n}")
    url = reverse("surveys:survey-detail", args=[survey.pk])
    first = _html(marketing.get(url))
    second = _html(marketing.get(url, {"page": 2}))
    assert first.count('data-testid="comment"') == 25
    assert second.count('data-testid="comment"') == 2
    assert "Comment 0<" in second and 'data-testid="pagination"' in first


def test_the_public_link_shows_when_the_survey_allows_it(marketing):
    draft = services.survey_from_template(template="nps", name="Open", allow_anonymous=True)
    url = reverse("surveys:survey-detail", args=[draft.pk])
    assert "The public link appears when the survey is activated." in _html(marketing.get(url))
    response = marketing.post(
        reverse("surveys:survey-status", args=[draft.pk]), {"status": "active"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "active" and draft.public_token
    html = _html(marketing.get(url))
    assert f"/s/{draft.public_token}/" in html and 'data-testid="close-survey"' in html


def test_marketing_activates_and_closes_a_survey(marketing):
    survey = services.survey_from_template(template="ces", name="Effort")
    url = reverse("surveys:survey-status", args=[survey.pk])
    assert 'data-testid="activate-survey"' in _html(
        marketing.get(reverse("surveys:survey-detail", args=[survey.pk]))
    )
    marketing.post(url, {"status": "active"})
    survey.refresh_from_db()
    assert survey.status == "active"
    page = marketing.post(url, {"status": "closed"}, follow=True)
    survey.refresh_from_db()
    assert survey.status == "closed"
    assert "The survey is closed" in _html(page)
    marketing.post(url, {"status": "draft"})  # not offered: a survey never returns to draft
    survey.refresh_from_db()
    assert survey.status == "closed"


# --- Inviting a segment --------------------------------------------------------------------


def test_inviting_a_segment_counts_who_was_skipped_and_why(
    marketing, survey, django_capture_on_commit_callbacks
):
    for n in range(2):
        consenting_customer(first_name=f"Līga{n}", country="LV")
    factories.customer(first_name="No consent", country="LV")
    asked = consenting_customer(first_name="Asked lately", country="LV")
    services.invitation_create(survey=nps_survey(), customer=asked)
    consenting_customer(first_name="Jonas", country="LT")  # not in the segment
    segment = crm_services.segment_create(name="Latvians", rule=LATVIANS)
    url = reverse("surveys:survey-invite", args=[survey.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = marketing.post(url, {"segment": segment.pk}, follow=True)
    assert "2 invited; skipped: 1 without email consent, 1 asked too recently." in _html(page)
    assert Invitation.objects.filter(survey=survey).count() == 2
    assert len(mail.outbox) == 2
    again = marketing.post(url, {"segment": segment.pk}, follow=True)
    # The two invited now are "invited already", whatever the frequency rule says.
    assert (
        "0 invited; skipped: 2 invited already, 1 without email consent, 1 asked too recently."
        in _html(again)
    )


def test_inviting_to_a_closed_survey_invites_nobody(marketing, survey):
    consenting_customer(country="LV")
    segment = crm_services.segment_create(name="Latvians", rule=LATVIANS)
    services.survey_status_set(survey=survey, status="closed")
    page = marketing.post(
        reverse("surveys:survey-invite", args=[survey.pk]), {"segment": segment.pk}, follow=True
    )
    assert "0 invited; skipped: 1 because the survey is not active." in _html(page)
    assert not Invitation.objects.filter(survey=survey).exists()


def test_inviting_without_a_segment_shows_the_error(marketing, survey):
    response = marketing.post(reverse("surveys:survey-invite", args=[survey.pk]), {"segment": ""})
    assert response.status_code == 400
    assert 'data-testid="invite-errors"' in _html(response)
    response = marketing.post(
        reverse("surveys:survey-invite", args=[survey.pk]), {"segment": "999999"}
    )
    assert response.status_code == 400 and "Choose one of the segments." in _html(response)


# --- Export --------------------------------------------------------------------------------


def test_the_responses_export_as_csv_with_formulas_defused(support, survey):
    customer = consenting_customer(first_name="Līga", last_name="Ozola")
    answer(survey, 2, comment='=HYPERLINK("http://evil")', customer=customer)
    answer(survey, 10, comment="@SUM(A1) great")
    anonymous = services.survey_from_template(template="nps", name="Public", allow_anonymous=True)
    services.survey_status_set(survey=anonymous, status="active")
    response = support.get(reverse("surveys:response-export", args=[survey.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"survey-{survey.pk}-" in response["Content-Disposition"]
    rows = _csv(response)
    assert [row["score"] for row in rows] == ["10", "2"]  # newest first
    detractor = rows[1]
    case = Case.objects.get()
    assert detractor["customer_id"] == str(customer.pk)
    assert detractor["customer_name"] == "Līga Ozola"
    assert (detractor["language"], detractor["score_kind"], detractor["category"]) == (
        "en",
        "nps",
        "detractor",
    )
    assert detractor["comment"] == '\'=HYPERLINK("http://evil")'
    assert detractor["follow_up_case"] == case.reference
    assert detractor["bonus_points"] == "0"
    assert rows[0]["comment"] == "'@SUM(A1) great" and rows[0]["follow_up_case"] == ""
    only = _csv(
        support.get(reverse("surveys:response-export", args=[survey.pk]), {"category": "promoter"})
    )
    assert [row["score"] for row in only] == ["10"]
    refused = support.get(reverse("surveys:response-export", args=[survey.pk]), {"category": "x"})
    assert refused.status_code == 400


# --- Roles ---------------------------------------------------------------------------------


def test_the_pages_follow_the_role_matrix(client, role_users, survey):
    segment = crm_services.segment_create(name="Latvians", rule=LATVIANS)
    pages = {
        "list": ("get", reverse("surveys:survey-list"), {}),
        "detail": ("get", reverse("surveys:survey-detail", args=[survey.pk]), {}),
        "export": ("get", reverse("surveys:response-export", args=[survey.pk]), {}),
        "create": ("get", reverse("surveys:survey-create"), {}),
        "status": (
            "post",
            reverse("surveys:survey-status", args=[survey.pk]),
            {"status": "closed"},
        ),
        "invite": (
            "post",
            reverse("surveys:survey-invite", args=[survey.pk]),
            {"segment": segment.pk},
        ),
    }
    readers = {"list": 200, "detail": 200, "export": 200}
    expected = {
        "support": {**readers, "create": 403, "status": 403, "invite": 403},
        "marketing": {**readers, "create": 200, "status": 302, "invite": 302},
        "admin": {**readers, "create": 200, "status": 302, "invite": 302},
        "none": {name: 403 for name in pages},
    }
    for role, user in role_users.items():
        client.force_login(user)
        html = _html(client.get(reverse("crm:customer-list")))
        assert ('data-testid="nav-surveys"' in html) is (role != "none"), role
        for name, (method, url, data) in pages.items():
            if name == "status":
                services.survey_status_set(survey=survey, status="active")
            got = getattr(client, method)(url, data).status_code
            assert got == expected[role][name], (role, name, got)
    client.logout()
    assert client.get(reverse("surveys:survey-list")).status_code == 302  # to log in


def test_the_nav_item_is_active_on_survey_pages(marketing, survey):
    html = _html(marketing.get(reverse("surveys:survey-detail", args=[survey.pk])))
    item = html.split('data-testid="nav-surveys"')[0].rsplit("<li", 1)[1]
    assert "active" in item


def test_the_detail_query_count_stays_the_same_as_answers_grow(
    marketing, survey, django_assert_num_queries
):
    answer(survey, 3, comment="Slow")
    url = reverse("surveys:survey-detail", args=[survey.pk])
    marketing.get(url)
    # session, user, permissions (user, group), survey with counts, segments, scores,
    # comment count, comments with customer and case
    queries = 9
    with django_assert_num_queries(queries):
        marketing.get(url)
    for score in (10, 0, 6, 9):
        answer(survey, score, comment=f"Score {score}")
    with django_assert_num_queries(queries):
        page = marketing.get(url)
    assert _html(page).count('data-testid="comment"') == 5


def test_a_big_segment_is_invited_by_a_worker(
    marketing, survey, monkeypatch, django_capture_on_commit_callbacks
):
    from surveys.views import staff

    monkeypatch.setattr(staff, "INVITE_INLINE_MAX", 1)
    for n in range(3):
        consenting_customer(first_name=f"Ilze{n}", country="LV")
    segment = crm_services.segment_create(name="Latvians", rule=LATVIANS)
    url = reverse("surveys:survey-invite", args=[survey.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = marketing.post(url, {"segment": segment.pk}, follow=True)
    assert "3 members in the background" in _html(page)
    assert Invitation.objects.filter(survey=survey).count() == 3


def test_inviting_listed_customers_by_email_or_external_id(
    marketing, survey, django_capture_on_commit_callbacks
):
    anna = consenting_customer(email="Anna@Example.com")
    jonas = consenting_customer(external_id="SHOP-77")
    url = reverse("surveys:survey-invite", args=[survey.pk])
    unknown = marketing.post(url, {"customers": "anna@example.com\nnobody@example.com"})
    assert unknown.status_code == 400 and "nobody@example.com" in _html(unknown)
    empty = marketing.post(url, {})
    assert empty.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        page = marketing.post(url, {"customers": "anna@example.com\n\nSHOP-77\n"}, follow=True)
    assert "2 invited" in _html(page)
    assert set(Invitation.objects.values_list("customer", flat=True)) == {anna.pk, jonas.pk}
    assert len(mail.outbox) == 2
