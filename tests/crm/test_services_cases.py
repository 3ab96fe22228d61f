"""Support cases: numbers, the allowed status changes, the stamps, comments and reopening."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from config.exceptions import ApplicationError
from crm import services, signals
from crm.models import Case, Interaction
from crm.services.cases import ALLOWED_TRANSITIONS, DUE_AFTER
from tests import factories

pytestmark = pytest.mark.django_db
S = Case.Status
ALL = [s.value for s in S]


def _case_in(status: str, **kw) -> Case:
    """A case brought to `status` through the services."""
    case = factories.case(**kw)
    path = {
        S.NEW: [],
        S.OPEN: [S.OPEN],
        S.PENDING: [S.PENDING],
        S.RESOLVED: [S.RESOLVED],
        S.CLOSED: [S.CLOSED],
    }[status]
    for step in path:
        case = services.case_status_set(case=case, status=step)
    return case


def test_cases_are_numbered_from_c_1001_in_order():
    first, second = factories.case(), factories.case()
    assert (first.number, second.number) == (1001, 1002)
    assert first.reference == "C-1001"
    assert first.status == S.NEW
    assert first.first_response_at is first.resolved_at is first.closed_at is None


def test_a_new_case_is_due_after_its_prioritys_time():
    case = factories.case(priority="urgent")
    assert case.due_at - case.opened_at == DUE_AFTER["urgent"] == datetime.timedelta(hours=4)
    low = factories.case(priority="low")
    assert low.due_at - low.opened_at == datetime.timedelta(days=7)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "  ", "Give the case a subject."),
        ("subject", "x" * 201, "Keep the subject under 200 characters."),
        ("priority", "asap", "Choose one of: low, normal, high, urgent."),
        ("source", "fax", "Choose one of"),
    ],
)
def test_opening_refuses_bad_fields_by_name(field, value, message):
    customer = factories.customer()
    with pytest.raises(ValidationError) as error:
        services.case_open(customer=customer, **{"subject": "Help", field: value})
    assert message in error.value.message_dict[field][0]
    assert not Case.objects.exists()


def test_a_due_time_before_opening_or_years_ahead_is_refused():
    customer = factories.customer()
    for due, message in [
        (timezone.now() - datetime.timedelta(days=1), "before it was opened"),
        (timezone.now() + datetime.timedelta(days=400), "within a year"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.case_open(customer=customer, subject="Help", due_at=due)
        assert message in error.value.message_dict["due_at"][0]


def test_only_staff_who_work_cases_can_be_assigned(support_user, marketing_user):
    with pytest.raises(ValidationError) as error:
        factories.case(assignee=marketing_user)
    assert error.value.message_dict["assignee"] == ["mia.marketing does not work cases."]
    support_user.is_active = False
    support_user.save()
    with pytest.raises(ValidationError):
        factories.case(assignee=support_user)


@pytest.mark.parametrize("old", ALL)
@pytest.mark.parametrize("new", ALL)
def test_every_status_change_is_allowed_or_refused_by_the_table(old, new):
    case = _case_in(old)
    if new == old:
        assert services.case_status_set(case=case, status=new).status == old
        return
    if new in ALLOWED_TRANSITIONS[old]:
        case = services.case_status_set(case=case, status=new)
        case.refresh_from_db()
        assert case.status == new
    else:
        with pytest.raises(ApplicationError) as error:
            services.case_status_set(case=case, status=new)
        assert error.value.code == "invalid_status_change"
        case.refresh_from_db()
        assert case.status == old


def test_nothing_goes_back_to_new_and_closed_only_reopens():
    assert all(S.NEW not in targets for targets in ALLOWED_TRANSITIONS.values())
    assert ALLOWED_TRANSITIONS[S.CLOSED] == {S.OPEN}


def test_resolving_and_closing_stamp_their_times_and_a_reopen_clears_them():
    case = _case_in(S.OPEN)
    resolved = services.case_status_set(case=case, status=S.RESOLVED)
    assert resolved.resolved_at is not None and resolved.closed_at is None
    closed = services.case_status_set(case=case, status=S.CLOSED)
    assert closed.closed_at >= closed.resolved_at
    reopened = services.case_status_set(case=case, status=S.OPEN)
    assert (reopened.resolved_at, reopened.closed_at, reopened.reopened_count) == (None, None, 1)
    assert reopened.due_at > timezone.now()


@override_settings(CASE_REOPEN_DAYS=7)
def test_a_staff_reopen_after_the_window_is_refused():
    case = factories.case(opened_at=timezone.now() - datetime.timedelta(days=20))
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    case = services.case_status_set(case=case, status=S.RESOLVED, at=ten_days_ago)
    with pytest.raises(ApplicationError) as error:
        services.case_status_set(case=case, status=S.OPEN)
    assert error.value.code == "reopen_window_passed"
    assert "more than 7 days ago" in error.value.message
    case.refresh_from_db()
    assert (case.status, case.reopened_count) == (S.RESOLVED, 0)


def test_the_first_reply_stamps_first_response_and_opens_a_new_case(support_user):
    case = factories.case()
    reply = services.case_comment_add(case=case, author=support_user, kind="reply", body="On it")
    case.refresh_from_db()
    assert case.status == S.OPEN
    assert case.first_response_at == reply.occurred_at
    second = services.case_comment_add(case=case, author=support_user, kind="reply", body="Sent")
    case.refresh_from_db()
    assert case.first_response_at == reply.occurred_at < second.occurred_at


def test_a_note_is_internal_and_does_not_count_as_a_response(support_user):
    case = factories.case()
    note = services.case_comment_add(case=case, author=support_user, kind="note", body="Check DHL")
    case.refresh_from_db()
    assert (case.status, case.first_response_at) == (S.NEW, None)
    assert (note.kind, note.direction, note.customer_id) == ("note", "internal", case.customer_id)


def test_a_reply_is_an_outbound_interaction_emailed_to_the_customer(
    support_user, django_capture_on_commit_callbacks
):
    customer = factories.customer(email="liga@example.com", language="lv")
    case = factories.case(customer, subject="Paka nav pienākusi")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.case_comment_add(
            case=case, author=support_user, kind="reply", body="Nosūtām jaunu paku."
        )
    assert (reply.kind, reply.direction, reply.case_id) == ("email", "outbound", case.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liga@example.com"]
    assert message.subject == f"[{case.reference}] Paka nav pienākusi"
    assert "Nosūtām jaunu paku." in message.body
    reply.refresh_from_db()
    assert reply.emailed_at is not None
    # Sending again (a retried task) sends nothing twice.
    assert services.case_reply_send(comment_id=reply.pk) is False
    assert len(mail.outbox) == 1


@override_settings(CASE_REPLY_EMAIL=False)
def test_with_email_replies_off_a_reply_is_only_recorded(
    support_user, django_capture_on_commit_callbacks
):
    case = factories.case()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_comment_add(case=case, author=support_user, kind="reply", body="Done")
    assert mail.outbox == []


def test_a_reply_by_email_to_a_customer_without_email_asks_for_another_channel(support_user):
    customer = factories.customer(email="", company="Amber Foods")
    case = factories.case(customer)
    with pytest.raises(ValidationError) as error:
        services.case_comment_add(case=case, author=support_user, kind="reply", body="Hi")
    assert "no email address" in error.value.message_dict["channel"][0]
    call = services.case_comment_add(
        case=case, author=support_user, kind="reply", body="Hi", channel="call"
    )
    assert call.kind == "call"
    assert not Interaction.objects.filter(body="Hi", kind="email").exists()


def test_a_customer_answer_reopens_a_pending_case(support_user):
    case = _case_in(S.PENDING)
    services.case_comment_add(case=case, author=support_user, kind="customer", body="Still no")
    case.refresh_from_db()
    assert (case.status, case.reopened_count) == (S.OPEN, 0)


def test_a_customer_answer_within_the_window_reopens_a_resolved_case(support_user):
    case = _case_in(S.RESOLVED)
    answer = services.case_comment_add(
        case=case, author=support_user, kind="customer", body="It broke again"
    )
    case.refresh_from_db()
    assert (case.status, case.reopened_count, case.resolved_at) == (S.OPEN, 1, None)
    assert answer.case_id == case.pk
    assert answer.direction == "inbound"
    assert Case.objects.count() == 1


@override_settings(CASE_REOPEN_DAYS=7)
def test_a_customer_answer_after_the_window_opens_a_new_case(support_user):
    old = factories.case(opened_at=timezone.now() - datetime.timedelta(days=30), priority="high")
    old = services.case_status_set(
        case=old, status=S.RESOLVED, at=timezone.now() - datetime.timedelta(days=8)
    )
    answer = services.case_comment_add(
        case=old, author=support_user, kind="customer", body="Broken again", channel="call"
    )
    old.refresh_from_db()
    assert (old.status, old.reopened_count) == (S.RESOLVED, 0)
    new = answer.case
    assert new.pk != old.pk
    assert (new.subject, new.priority, new.source, new.status) == (
        old.subject,
        "high",
        "phone",
        S.NEW,
    )
    assert new.description == "Broken again"


def test_reply_and_resolve_in_one_step(support_user):
    case = factories.case()
    services.case_comment_add(
        case=case, author=support_user, kind="reply", body="Refunded", status=S.RESOLVED
    )
    case.refresh_from_db()
    assert case.status == S.RESOLVED
    assert case.first_response_at == case.resolved_at


def test_a_change_dated_before_the_last_stamp_is_refused(support_user):
    case = factories.case(opened_at=timezone.now() - datetime.timedelta(days=2))
    with pytest.raises(ValidationError) as error:
        services.case_status_set(
            case=case, status=S.RESOLVED, at=timezone.now() - datetime.timedelta(days=3)
        )
    assert "the case's last change" in error.value.message_dict["at"][0]


def test_resolving_and_reopening_send_their_signals_after_commit(
    django_capture_on_commit_callbacks,
):
    received = []

    def listen(signal_name):
        def receiver(sender, case_id, customer_id, **kw):
            received.append((signal_name, case_id, customer_id))

        return receiver

    on_resolved, on_reopened = listen("resolved"), listen("reopened")
    signals.case_resolved.connect(on_resolved)
    signals.case_reopened.connect(on_reopened)
    try:
        case = factories.case()
        with django_capture_on_commit_callbacks(execute=True):
            services.case_status_set(case=case, status=S.RESOLVED)
        with django_capture_on_commit_callbacks(execute=True):
            services.case_status_set(case=case, status=S.OPEN)
    finally:
        signals.case_resolved.disconnect(on_resolved)
        signals.case_reopened.disconnect(on_reopened)
    assert received == [
        ("resolved", case.pk, case.customer_id),
        ("reopened", case.pk, case.customer_id),
    ]


def test_update_changes_only_the_given_fields_and_refuses_others(support_user):
    case = factories.case()
    updated = services.case_update(case=case, data={"priority": "high", "assignee": support_user})
    assert (updated.priority, updated.assignee, updated.subject) == (
        "high",
        support_user,
        "Parcel never arrived",
    )
    with pytest.raises(ApplicationError) as error:
        services.case_update(case=case, data={"status": "closed"})
    assert error.value.fields == {"status": ["Unknown field."]}


@override_settings(CASE_REOPEN_DAYS=7)
def test_the_nightly_job_closes_cases_resolved_longer_than_the_window_ago():
    old = factories.case(opened_at=timezone.now() - datetime.timedelta(days=20))
    services.case_status_set(
        case=old, status=S.RESOLVED, at=timezone.now() - datetime.timedelta(days=8)
    )
    recent = _case_in(S.RESOLVED)
    assert services.cases_close_resolved() == 1
    assert services.cases_close_resolved() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (S.CLOSED, S.RESOLVED)


def test_the_database_refuses_a_resolved_case_without_its_time():
    case = factories.case()
    with pytest.raises(IntegrityError):
        Case.objects.filter(pk=case.pk).update(status=S.RESOLVED)


def test_merging_customers_moves_their_cases(admin_user):
    survivor, duplicate = factories.customer(), factories.customer()
    case = factories.case(duplicate)
    services.customer_merge(survivor=survivor, duplicate=duplicate, author=admin_user)
    case.refresh_from_db()
    assert case.customer_id == survivor.pk
    note = survivor.interactions.get(subject="Merged a duplicate customer")
    assert "1 cases" in note.body


def test_case_numbers_never_come_back_after_a_deletion(admin_user):
    first = factories.case()
    newest = factories.case()
    services.customer_delete(customer=newest.customer)
    assert factories.case().number == first.number + 2


def test_an_old_subject_with_a_line_break_still_emails_on_one_line(
    support_user, django_capture_on_commit_callbacks
):
    case = factories.case()
    Case.objects.filter(pk=case.pk).update(subject="Two\nlines")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_comment_add(case=case, author=support_user, kind="reply", body="Hi")
    assert mail.outbox[0].subject == f"[{case.reference}] Two lines"
