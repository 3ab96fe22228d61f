"""/api/v1/cases/ and /api/v1/cases/{id}/comments/."""

import datetime

import pytest
from django.utils import timezone

from crm import services
from crm.models import Case, Interaction
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(support_user):
    return api_as(support_user)


def test_it_opens_a_case_and_answers_with_its_number(api, support_user):
    customer = factories.customer()
    response = api.post(
        "/api/v1/cases/",
        {
            "customer": customer.pk,
            "subject": "Refund",
            "priority": "high",
            "assignee": "sam.support",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["status"], body["priority"], body["assignee"]) == (
        "C-1001",
        "new",
        "high",
        "sam.support",
    )
    assert body["opened_by"] == "sam.support"
    assert body["is_overdue"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "Hi", "priority": "asap"}, "priority"),
        ({"subject": "Hi", "due_at": "2001-01-01T00:00:00+00:00"}, "due_at"),
        ({"subject": "Hi", "due_at": "2030-01-01T00:00:00"}, "due_at"),
        ({"subject": "Hi", "assignee": "mia.marketing"}, "assignee"),
        ({"subject": "Hi", "status": "open"}, "status"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, marketing_user, payload, field):
    customer = factories.customer()
    response = api.post("/api/v1/cases/", {"customer": customer.pk, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Case.objects.exists()


def test_it_lists_active_cases_with_filters(api, support_user):
    mine = factories.case(subject="Mine", assignee=support_user)
    late = factories.case(subject="Late", opened_at=timezone.now() - datetime.timedelta(days=5))
    done = factories.case(subject="Done")
    services.case_status_set(case=done, status="closed")
    listed = api.get("/api/v1/cases/").json()
    assert [c["subject"] for c in listed["results"]] == ["Late", "Mine"]
    assert listed["results"][0]["is_overdue"] is True
    assert [c["id"] for c in api.get("/api/v1/cases/?assignee=me").json()["results"]] == [mine.pk]
    assert [c["id"] for c in api.get("/api/v1/cases/?overdue=true").json()["results"]] == [late.pk]
    assert api.get("/api/v1/cases/?status=all").json()["count"] == 3
    assert api.get("/api/v1/cases/?q=C-1003&status=all").json()["results"][0]["id"] == done.pk


def test_unknown_filters_and_values_are_400s(api):
    assert api.get("/api/v1/cases/?stat=open").status_code == 400
    response = api.get("/api/v1/cases/?status=sleeping")
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_patch_changes_the_status_and_fields_together(api, support_user):
    case = factories.case()
    response = api.patch(
        f"/api/v1/cases/{case.pk}/",
        {"status": "resolved", "priority": "low", "assignee": "sam.support"},
        format="json",
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.status, case.priority, case.assignee) == ("resolved", "low", support_user)
    assert case.resolved_at is not None


def test_a_refused_transition_changes_nothing_else(api):
    case = factories.case()
    services.case_status_set(case=case, status="closed")
    response = api.patch(
        f"/api/v1/cases/{case.pk}/", {"status": "pending", "priority": "urgent"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_status_change"
    case.refresh_from_db()
    assert (case.status, case.priority) == ("closed", "normal")


def test_an_empty_patch_is_refused(api):
    case = factories.case()
    response = api.patch(f"/api/v1/cases/{case.pk}/", {}, format="json")
    assert response.status_code == 400


def test_comments_are_added_and_listed_oldest_first(api, support_user):
    case = factories.case()
    first = api.post(
        f"/api/v1/cases/{case.pk}/comments/",
        {"kind": "note", "body": "Checking with the courier"},
        format="json",
    )
    assert first.status_code == 201, first.content
    second = api.post(
        f"/api/v1/cases/{case.pk}/comments/",
        {"kind": "reply", "body": "Found it", "channel": "chat", "status": "pending"},
        format="json",
    )
    assert second.json()["kind"] == "reply" and second.json()["channel"] == "chat"
    listed = api.get(f"/api/v1/cases/{case.pk}/comments/").json()
    assert [c["body"] for c in listed["results"]] == ["Checking with the courier", "Found it"]
    assert [c["kind"] for c in listed["results"]] == ["note", "reply"]
    case.refresh_from_db()
    assert case.status == "pending" and case.first_response_at is not None


def test_a_comment_with_unknown_fields_or_no_body_is_refused(api):
    case = factories.case()
    url = f"/api/v1/cases/{case.pk}/comments/"
    assert (
        api.post(url, {"kind": "note", "body": "x", "mood": "bad"}, format="json").status_code
        == 400
    )
    assert api.post(url, {"kind": "note", "body": " "}, format="json").status_code == 400
    assert api.post(url, {"kind": "shout", "body": "x"}, format="json").status_code == 400
    assert not Interaction.objects.exists()


def test_the_list_query_count_does_not_grow(support_user, django_assert_num_queries):
    def fresh_client():  # a user object without the permission cache of an earlier call
        return api_as(type(support_user).objects.get(pk=support_user.pk))

    factories.case()
    client = fresh_client()
    # user permissions, group permissions (the role check), count, page
    with django_assert_num_queries(4):
        assert client.get("/api/v1/cases/").json()["count"] == 1
    for _ in range(20):
        factories.case(opened_by=support_user, assignee=support_user)
    client = fresh_client()
    with django_assert_num_queries(4):
        assert client.get("/api/v1/cases/").json()["count"] == 21


def test_a_closed_case_is_still_found_by_its_id(api):
    case = factories.case()
    services.case_status_set(case=case, status="closed")
    response = api.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "abc", "99999999999999999999"])
def test_a_customer_filter_that_is_no_row_id_is_a_400(api, value):
    response = api.get(f"/api/v1/cases/?customer={value}")
    assert response.status_code == 400
    assert "customer" in response.json()["fields"]


@pytest.mark.parametrize("text", ["C-²", "²³", "C-99999999999"])
def test_a_search_with_digits_int_cannot_read_is_text(api, text):
    response = api.get("/api/v1/cases/", {"q": text, "status": "all"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_subject_on_two_lines_is_refused_and_old_ones_still_email(api):
    customer = factories.customer()
    response = api.post(
        "/api/v1/cases/",
        {"customer": customer.pk, "subject": "Hi\nBcc: evil@example.com"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["subject"] == ["Write the subject on one line."]


def test_comment_listing_refuses_unknown_query_parameters(api):
    case = factories.case()
    assert api.get(f"/api/v1/cases/{case.pk}/comments/?foo=1").status_code == 400
    assert api.get(f"/api/v1/cases/{case.pk}/comments/?page_size=5").status_code == 200


def test_overdue_takes_true_or_false_only(api):
    assert api.get("/api/v1/cases/?overdue=maybe").status_code == 400
    assert api.get("/api/v1/cases/?overdue=false").status_code == 200


def test_cases_of_someone_who_left_can_still_be_filtered(api, support_user, admin_user):
    case = factories.case(assignee=admin_user)
    admin_user.is_active = False
    admin_user.save()
    listed = api.get("/api/v1/cases/?assignee=ada.admin").json()
    assert [c["id"] for c in listed["results"]] == [case.pk]
