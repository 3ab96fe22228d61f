"""The case pages: the queue and "My cases", a case, opening one from a profile,
comments and status changes."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Case, Interaction
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, support_user):
    client.force_login(support_user)
    return client


def _overdue_case(**kw) -> Case:
    return factories.case(opened_at=timezone.now() - datetime.timedelta(days=5), **kw)


def test_the_queue_shows_active_cases_overdue_first_and_highlighted(logged_in):
    customer = factories.customer(first_name="Līga", last_name="Ozola")
    fresh = factories.case(customer, subject="Fresh question")
    _overdue_case(subject="Late parcel")
    done = factories.case(subject="Already done")
    services.case_status_set(case=done, status="resolved")
    html = logged_in.get(reverse("crm:case-list")).content.decode()
    assert html.index("Late parcel") < html.index("Fresh question")
    assert "Already done" not in html
    assert html.count('data-overdue="true"') == 1
    assert html.count('data-testid="overdue-badge"') == 1
    assert fresh.reference in html and "Līga Ozola" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "all"}, {"A", "B", "C"}),
        ({"status": "resolved"}, {"C"}),
        ({"priority": "urgent"}, {"B"}),
        ({"assignee": "me"}, {"A"}),
        ({"assignee": "none"}, {"B"}),
        ({"overdue": "true"}, {"B"}),
        ({"q": "parcel"}, {"A"}),
        ({"q": "C-1002"}, {"B"}),
    ],
)
def test_the_queue_filters(logged_in, support_user, query, expected):
    a = factories.case(subject="A parcel", assignee=support_user)
    b = _overdue_case(subject="B zip", priority="urgent")
    c = factories.case(subject="C size", assignee=support_user)
    services.case_status_set(case=c, status="resolved")
    assert (a.number, b.number) == (1001, 1002)
    html = logged_in.get(reverse("crm:case-list"), query).content.decode()
    shown = {s for s in "ABC" if f"</span>{s} " in html}
    assert shown == expected


def test_the_queue_filters_by_customer_and_names_them(logged_in):
    liga = factories.customer(first_name="Līga", last_name="Ozola")
    factories.case(liga, subject="Hers")
    factories.case(subject="Someone else's")
    html = logged_in.get(reverse("crm:case-list"), {"customer": liga.pk}).content.decode()
    assert "Hers" in html and "Someone else" not in html
    assert "Cases of Līga Ozola" in html


def test_my_cases_shows_only_the_users_cases(logged_in, support_user, admin_user):
    factories.case(subject="Mine", assignee=support_user)
    factories.case(subject="Ada's", assignee=admin_user)
    html = logged_in.get(reverse("crm:case-mine")).content.decode()
    assert "Mine" in html and "Ada&#x27;s" not in html


def test_a_bad_filter_is_named_and_the_others_still_apply(logged_in):
    factories.case(subject="Urgent one", priority="urgent")
    factories.case(subject="Normal one")
    response = logged_in.get(reverse("crm:case-list"), {"priority": "urgent", "status": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in html
    assert "Urgent one" in html and "Normal one" not in html


def test_the_queue_query_count_does_not_grow(logged_in, support_user, django_assert_num_queries):
    factories.case()
    # session, user, user permissions, group permissions, teams and assignees for the
    # filters (2), count, page
    with django_assert_num_queries(8):
        logged_in.get(reverse("crm:case-list"))
    for _ in range(20):
        factories.case(assignee=support_user, opened_by=support_user)
    with django_assert_num_queries(8):
        logged_in.get(reverse("crm:case-list"))


def test_a_case_is_opened_from_the_profile(logged_in, support_user):
    customer = factories.customer(first_name="Līga", last_name="Ozola")
    profile = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    open_url = f"{reverse('crm:case-create')}?customer={customer.pk}"
    assert open_url in profile.replace("&amp;", "&")
    response = logged_in.post(
        open_url,
        {"subject": "Parcel never arrived", "priority": "high", "source": "phone"},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:case-detail", args=[case.number])
    assert (case.customer, case.priority, case.source, case.opened_by) == (
        customer,
        "high",
        "phone",
        support_user,
    )


def test_opening_a_case_without_a_subject_shows_the_error_and_saves_nothing(logged_in):
    customer = factories.customer()
    response = logged_in.post(
        f"{reverse('crm:case-create')}?customer={customer.pk}",
        {"subject": " ", "priority": "normal", "source": "manual"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Case.objects.exists()


def test_a_due_time_in_the_past_is_a_field_error(logged_in):
    customer = factories.customer()
    response = logged_in.post(
        f"{reverse('crm:case-create')}?customer={customer.pk}",
        {"subject": "Help", "priority": "normal", "source": "manual", "due_at": "2001-01-01T10:00"},
    )
    assert response.status_code == 400
    assert "The case cannot be due before it was opened." in response.content.decode()
    assert not Case.objects.exists()


def test_replying_and_resolving_from_the_case_page(logged_in, support_user):
    case = factories.case()
    url = reverse("crm:case-comment", args=[case.number])
    logged_in.post(url, {"kind": "reply", "channel": "email", "body": "On its way", "then": ""})
    case.refresh_from_db()
    assert case.status == "open" and case.first_response_at is not None
    response = logged_in.post(
        reverse("crm:case-status", args=[case.number]), {"status": "resolved"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at is not None
    page = logged_in.get(reverse("crm:case-detail", args=[case.number])).content.decode()
    assert "On its way" in page
    assert 'data-testid="case-change"' in page  # the status changes, from the history
    assert 'data-testid="reopen-case"' in page


def test_an_empty_comment_is_a_field_error(logged_in):
    case = factories.case()
    response = logged_in.post(
        reverse("crm:case-comment", args=[case.number]),
        {"kind": "note", "channel": "email", "body": "   "},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Interaction.objects.exists()


def test_a_refused_status_change_is_explained(logged_in):
    case = factories.case()
    services.case_status_set(case=case, status="closed")
    response = logged_in.post(reverse("crm:case-status", args=[case.number]), {"status": "pending"})
    assert response.status_code == 409
    assert "The case is closed; it cannot become pending customer." in response.content.decode()


def test_a_customer_answer_long_after_the_end_opens_a_new_case(logged_in):
    case = factories.case(opened_at=timezone.now() - datetime.timedelta(days=40))
    services.case_status_set(
        case=case, status="resolved", at=timezone.now() - datetime.timedelta(days=30)
    )
    response = logged_in.post(
        reverse("crm:case-comment", args=[case.number]),
        {"kind": "customer", "channel": "email", "body": "Broken again"},
        follow=True,
    )
    new = Case.objects.exclude(pk=case.pk).get()
    assert response.redirect_chain[-1][0] == reverse("crm:case-detail", args=[new.number])
    assert "ended too long ago to reopen" in response.content.decode()


def test_editing_a_case_changes_only_what_changed(logged_in, support_user):
    case = factories.case(subject="Old subject")
    response = logged_in.post(
        reverse("crm:case-edit", args=[case.number]),
        {"subject": "New subject", "priority": "urgent", "assignee": support_user.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.subject, case.priority, case.assignee) == ("New subject", "urgent", support_user)


def test_an_unknown_case_is_a_404(logged_in):
    assert logged_in.get(reverse("crm:case-detail", args=[999999])).status_code == 404


def test_cases_and_their_comments_are_on_the_customer_timeline(logged_in, support_user):
    customer = factories.customer()
    case = factories.case(customer, subject="Parcel never arrived")
    services.case_comment_add(case=case, author=support_user, kind="reply", body="Found it")
    html = logged_in.get(reverse("crm:customer-detail", args=[customer.pk])).content.decode()
    assert "Case C-1001 opened: Parcel never arrived" in html
    assert 'data-testid="comment-case"' in html and "Found it" in html
    only_cases = logged_in.get(
        reverse("crm:customer-detail", args=[customer.pk]), {"kind": "case"}
    ).content.decode()
    assert "Case C-1001 opened" in only_cases and "Found it" not in only_cases


def test_saving_the_edit_form_unchanged_changes_nothing(logged_in, support_user):
    due = timezone.now().replace(microsecond=345000) + datetime.timedelta(days=2, seconds=7)
    case = factories.case(subject="Zip broken", due_at=due, assignee=support_user)
    shown = timezone.localtime(due).strftime("%Y-%m-%dT%H:%M")  # minutes, as the page shows
    page = logged_in.get(reverse("crm:case-edit", args=[case.number])).content.decode()
    assert f'value="{shown}"' in page
    response = logged_in.post(
        reverse("crm:case-edit", args=[case.number]),
        {
            "subject": "Zip broken",
            "priority": "normal",
            "due_at": shown,
            "assignee": support_user.pk,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_at == due
    assert LogEntry.objects.get_for_object(case).count() == 1  # the opening only


def test_a_due_time_in_the_repeated_autumn_hour_does_not_block_other_edits(logged_in):
    # 00:30 UTC on 25 October 2026 is 03:30 in Riga, an hour that happens twice.
    due = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)
    case = factories.case(opened_at=due - datetime.timedelta(hours=2), due_at=due)
    response = logged_in.post(
        reverse("crm:case-edit", args=[case.number]),
        {"subject": "Renamed", "priority": "normal", "due_at": "2026-10-25T03:30"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.subject, case.due_at) == ("Renamed", due)


def test_an_assignee_who_left_stays_assigned_when_something_else_changes(logged_in, admin_user):
    case = factories.case(assignee=admin_user)
    admin_user.is_active = False
    admin_user.save()
    response = logged_in.post(
        reverse("crm:case-edit", args=[case.number]),
        {"subject": "Renamed", "priority": "normal", "assignee": admin_user.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.subject, case.assignee) == ("Renamed", admin_user)


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "1.5"])
def test_odd_customer_numbers_never_break_the_pages(logged_in, value):
    assert logged_in.get(reverse("crm:case-list"), {"customer": value}).status_code == 200
    assert logged_in.get(reverse("crm:case-create"), {"customer": value}).status_code == 302
    assert logged_in.get(reverse("crm:quick-search"), {"q": f"C-{value}"}).status_code == 200
    assert logged_in.get(reverse("crm:customer-list"), {"page_size": value}).status_code == 200


def test_a_note_needs_no_channel_and_a_bad_kind_is_shown(logged_in):
    case = factories.case()
    url = reverse("crm:case-comment", args=[case.number])
    assert logged_in.post(url, {"kind": "note", "body": "Checked"}).status_code == 302
    response = logged_in.post(url, {"kind": "bogus", "body": "x"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_a_case_ended_long_ago_offers_a_new_case_not_a_reopen(logged_in):
    case = factories.case(opened_at=timezone.now() - datetime.timedelta(days=40))
    services.case_status_set(
        case=case, status="closed", at=timezone.now() - datetime.timedelta(days=30)
    )
    html = logged_in.get(reverse("crm:case-detail", args=[case.number])).content.decode()
    assert 'data-testid="reopen-case"' not in html
    assert "ended too long ago to reopen" in html


def test_setting_the_status_a_case_has_says_so(logged_in):
    case = factories.case()
    response = logged_in.post(
        reverse("crm:case-status", args=[case.number]), {"status": "new"}, follow=True
    )
    assert "C-1001 is new already." in response.content.decode()
