"""Support case writes: open, change, move through the statuses, comment, reopen.

Every rule of a case lives here; pages, the API and tasks call these functions.

Statuses and the changes allowed between them (anything else is refused):

    new      -> open, pending, resolved, closed
    open     -> pending, resolved, closed
    pending  -> open, resolved, closed
    resolved -> open (a reopen), closed
    closed   -> open (a reopen)

A reopen is allowed within CASE_REOPEN_DAYS of the resolution (or of the closing,
for a case closed unresolved); later, the conversation starts a new case. The first
reply to the customer stamps `first_response_at`; resolving stamps `resolved_at`;
closing stamps `closed_at`; a reopen clears both and counts in `reopened_count`.

`at` parameters say when something happened, for history brought from another
tool; they default to now, and are checked to lie between the case's last stamp
and now.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from config.validation import is_blank
from crm import signals
from crm.models import Case, CaseCounter, Customer, Interaction, Team
from crm.services.interactions import INTERACTION_BODY_MAX_LENGTH
from crm.services.rules import _check_moment, _locked_customer

S = Case.Status

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.OPEN, S.PENDING, S.RESOLVED, S.CLOSED},
    S.OPEN: {S.PENDING, S.RESOLVED, S.CLOSED},
    S.PENDING: {S.OPEN, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.OPEN, S.CLOSED},
    S.CLOSED: {S.OPEN},
}
# How long the team has to act on a case of each priority, from opening or reopening.
DUE_AFTER = {
    Case.Priority.URGENT: datetime.timedelta(hours=4),
    Case.Priority.HIGH: datetime.timedelta(days=1),
    Case.Priority.NORMAL: datetime.timedelta(days=3),
    Case.Priority.LOW: datetime.timedelta(days=7),
}
# A due time further out than this is a typing mistake.
LONGEST_DUE = datetime.timedelta(days=366)
FIRST_NUMBER = 1001
SUBJECT_MAX_LENGTH = 200

# Comment kinds: what the comment is, and how it is recorded as an interaction.
NOTE, REPLY, CUSTOMER = "note", "reply", "customer"
COMMENT_KINDS = (NOTE, REPLY, CUSTOMER)
# The channel of a reply or an answer: the interaction kind it is recorded as.
CHANNELS = (Interaction.Kind.EMAIL, Interaction.Kind.CALL, Interaction.Kind.CHAT)
_CHANNEL_SOURCE = {
    Interaction.Kind.EMAIL: Case.Source.EMAIL,
    Interaction.Kind.CALL: Case.Source.PHONE,
    Interaction.Kind.CHAT: Case.Source.CHAT,
}
CASE_FIELDS = {"subject", "description", "priority", "assignee", "team", "due_at"}


def _refuse(field: str, message: str):
    raise ValidationError({field: message})


def _check_text(subject: str, description: str) -> tuple[str, str]:
    subject, description = (subject or "").strip(), (description or "").strip()
    if is_blank(subject):
        _refuse("subject", _("Give the case a subject."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        _refuse("subject", _("Keep the subject under %(n)s characters.") % {"n": 200})
    if any(char in subject for char in "\r\n\x00"):
        # The subject heads the reply emails: one line, as email headers are.
        _refuse("subject", _("Write the subject on one line."))
    if "\x00" in description:
        _refuse("description", _("The text cannot contain the NUL character."))
    if len(description) > INTERACTION_BODY_MAX_LENGTH:
        _refuse(
            "description",
            _("Keep the text under %(n)s characters.") % {"n": f"{INTERACTION_BODY_MAX_LENGTH:,}"},
        )
    return subject, description


def _check_choice(field: str, value: str, choices) -> None:
    if value not in choices.values:
        _refuse(field, _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)})


def _check_assignee(user) -> None:
    """Only active staff who work cases can be assigned one."""
    if user is None:
        return
    if not user.is_active or not user.has_perm("crm.change_case"):
        _refuse("assignee", _("%(user)s does not work cases.") % {"user": user.get_username()})


def _check_due(due_at: datetime.datetime | None, opened_at: datetime.datetime) -> None:
    if due_at is None:
        return
    if not isinstance(due_at, datetime.datetime) or timezone.is_naive(due_at):
        _refuse("due_at", _("Give the time with its time zone."))
    if due_at < opened_at:
        _refuse("due_at", _("The case cannot be due before it was opened."))
    if due_at > max(opened_at, timezone.now()) + LONGEST_DUE:
        _refuse("due_at", _("Choose a due time within a year."))


def _check_at(case: Case, at: datetime.datetime | None) -> datetime.datetime:
    """When a change happened: now, or a given past time after the case's last stamp."""
    if at is None:
        return timezone.now()
    _check_moment("at", at)
    last = max(t for t in (case.opened_at, case.resolved_at, case.closed_at) if t)
    if at < last:
        _refuse(
            "at",
            _("Give a time after %(time)s, the case's last change.")
            % {"time": formats.date_format(timezone.localtime(last), "DATETIME_FORMAT")},
        )
    return at


def _locked_case(pk: int) -> Case:
    try:
        return Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist:
        raise ApplicationError(
            "not_found", _("This case no longer exists."), status_code=404
        ) from None


def _next_number() -> int:
    """The next case number, from the counter row locked for this transaction: two
    openings at once wait for each other, and a number is never given twice."""
    counter = CaseCounter.objects.select_for_update().filter(pk=1).first()
    if counter is None:  # the first case of an installation (or of a flushed test database)
        highest = Case.objects.aggregate(n=Max("number"))["n"] or FIRST_NUMBER - 1
        try:
            with transaction.atomic():
                CaseCounter.objects.create(pk=1, last=highest)
        except IntegrityError:
            pass  # another opening created it first
        counter = CaseCounter.objects.select_for_update().get(pk=1)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _on_commit(signal, case: Case) -> None:
    case_id, customer_id = case.pk, case.customer_id
    transaction.on_commit(
        lambda: signal.send(sender=Case, case_id=case_id, customer_id=customer_id)
    )


@transaction.atomic
def case_open(
    *,
    customer: Customer,
    subject: str,
    description: str = "",
    priority: str = Case.Priority.NORMAL,
    source: str = Case.Source.MANUAL,
    team: Team | None = None,
    assignee=None,
    due_at: datetime.datetime | None = None,
    opened_by=None,
    opened_at: datetime.datetime | None = None,
) -> Case:
    """Open a case for a customer; it gets the next number (C-1001, C-1002, ...).

    Without `due_at` the case is due after its priority's time (DUE_AFTER). The
    assignee must be active staff who work cases. Sends `case_opened` after commit.
    """
    subject, description = _check_text(subject, description)
    _check_choice("priority", priority, Case.Priority)
    _check_choice("source", source, Case.Source)
    _check_moment("opened_at", opened_at)
    opened_at = opened_at or timezone.now()
    _check_due(due_at, opened_at)
    _check_assignee(assignee)
    customer = _locked_customer(customer.pk)
    case = Case(
        customer=customer,
        subject=subject,
        description=description,
        priority=priority,
        source=source,
        team=team,
        assignee=assignee,
        due_at=due_at or opened_at + DUE_AFTER[priority],
        opened_at=opened_at,
        opened_by=opened_by,
    )
    case.number = _next_number()
    case.save()
    _on_commit(signals.case_opened, case)
    return case


@transaction.atomic
def case_update(*, case: Case, data: dict[str, Any]) -> Case:
    """Change a case's subject, description, priority, assignee, team or due time.

    Only the fields in `data` change (keys: CASE_FIELDS); the status has its own
    service. The row is locked so two edits cannot interleave.
    """
    unknown = set(data) - CASE_FIELDS
    if unknown:
        raise ApplicationError(
            "unknown_fields", _("Unknown fields."), {f: [_("Unknown field.")] for f in unknown}
        )
    case = _locked_case(case.pk)
    subject, description = _check_text(
        data.get("subject", case.subject), data.get("description", case.description)
    )
    if "priority" in data:
        _check_choice("priority", data["priority"], Case.Priority)
    if "due_at" in data:
        _check_due(data["due_at"], case.opened_at)
    if "assignee" in data and data["assignee"] != case.assignee:
        _check_assignee(data["assignee"])
    values = {**data, "subject": subject, "description": description}
    changed = [field for field in CASE_FIELDS & set(data) if getattr(case, field) != values[field]]
    for field in changed:
        setattr(case, field, values[field])
    if changed:
        case.save(update_fields=sorted(changed) + ["updated_at"])
    return case


def case_reopen_deadline(case: Case) -> datetime.datetime | None:
    """Until when a resolved or closed case may be reopened (None: it is active)."""
    ended = case.resolved_at or case.closed_at
    return ended + datetime.timedelta(days=settings.CASE_REOPEN_DAYS) if ended else None


def _transition(case: Case, status: str, at: datetime.datetime) -> list[str]:
    """Move a locked case to `status` at `at`, stamping what the rules say; the changed
    fields. Raises when the change is not allowed."""
    _check_choice("status", status, Case.Status)
    if status not in ALLOWED_TRANSITIONS[case.status]:
        raise ApplicationError(
            "invalid_status_change",
            _("The case is %(old)s; it cannot become %(new)s.")
            % {"old": S(case.status).label.lower(), "new": S(status).label.lower()},
            {"status": [_("This status change is not allowed.")]},
            status_code=409,
        )
    changed = ["status"]
    if status == S.OPEN and case.status in (S.RESOLVED, S.CLOSED):
        if at > case_reopen_deadline(case):
            raise ApplicationError(
                "reopen_window_passed",
                _(
                    "This case ended more than %(days)s days ago and cannot be reopened; "
                    "open a new case."
                )
                % {"days": settings.CASE_REOPEN_DAYS},
                {"status": [_("Too late to reopen.")]},
                status_code=409,
            )
        case.reopened_count += 1
        case.resolved_at = case.closed_at = None
        case.due_at = at + DUE_AFTER[case.priority]
        changed += ["reopened_count", "resolved_at", "closed_at", "due_at"]
        _on_commit(signals.case_reopened, case)
    elif status == S.RESOLVED:
        case.resolved_at = at
        changed.append("resolved_at")
        _on_commit(signals.case_resolved, case)
    elif status == S.CLOSED:
        case.closed_at = at
        changed.append("closed_at")
    case.status = status
    return changed


@transaction.atomic
def case_status_set(*, case: Case, status: str, at: datetime.datetime | None = None) -> Case:
    """Move a case to another status (see the module's table); the same status is a
    no-op. Resolving sends `case_resolved`, reopening `case_reopened`, after commit."""
    case = _locked_case(case.pk)
    if status == case.status:
        return case
    at = _check_at(case, at)
    changed = _transition(case, status, at)
    case.save(update_fields=changed + ["updated_at"])
    return case


def _check_comment(kind: str, channel: str | None, body: str, case: Case) -> tuple[str, str]:
    if kind not in COMMENT_KINDS:
        _refuse("kind", _("Choose one of: %(values)s.") % {"values": ", ".join(COMMENT_KINDS)})
    body = (body or "").strip()
    if is_blank(body):
        _refuse("body", _("Write the comment."))
    if "\x00" in body:
        _refuse("body", _("The text cannot contain the NUL character."))
    if len(body) > INTERACTION_BODY_MAX_LENGTH:
        _refuse(
            "body",
            _("Keep the text under %(n)s characters.") % {"n": f"{INTERACTION_BODY_MAX_LENGTH:,}"},
        )
    if kind == NOTE:
        return body, Interaction.Kind.NOTE
    channel = channel or Interaction.Kind.EMAIL
    if channel not in CHANNELS:
        _refuse("channel", _("Choose one of: %(values)s.") % {"values": ", ".join(CHANNELS)})
    if (
        kind == REPLY
        and channel == Interaction.Kind.EMAIL
        and settings.CASE_REPLY_EMAIL
        and not case.customer.email
    ):
        _refuse(
            "channel",
            _("This customer has no email address; record the reply as a call or a chat."),
        )
    return body, channel


@transaction.atomic
def case_comment_add(
    *,
    case: Case,
    author,
    kind: str,
    body: str,
    channel: str | None = None,
    status: str | None = None,
    at: datetime.datetime | None = None,
) -> Interaction:
    """Add a comment to a case; it is an interaction on the customer's timeline.

    `kind` is "note" (internal), "reply" (to the customer, outbound) or "customer"
    (the customer's answer, inbound); replies and answers go by `channel` (email,
    call or chat; default email). The first reply stamps `first_response_at` and
    makes a new case open. A customer's answer makes a pending case open and reopens
    a resolved or closed one within CASE_REOPEN_DAYS; later, it opens a new case
    (the comment then belongs to that one). `status` then moves the case on (for
    example "reply and resolve"). A reply by email is sent after commit when
    CASE_REPLY_EMAIL is on.
    """
    case = _locked_case(case.pk)
    body, interaction_kind = _check_comment(kind, channel, body, case)
    at = _check_at(case, at)
    changed: list[str] = []
    if kind == CUSTOMER and case.status in (S.RESOLVED, S.CLOSED):
        if at > case_reopen_deadline(case):
            case = case_open(
                customer=case.customer,
                subject=case.subject,
                description=body,
                priority=case.priority,
                source=_CHANNEL_SOURCE[interaction_kind],
                team=case.team,
                assignee=case.assignee if case.assignee and case.assignee.is_active else None,
                opened_at=at,
            )
            case = _locked_case(case.pk)
        else:
            changed += _transition(case, S.OPEN, at)
    elif kind == CUSTOMER and case.status == S.PENDING:
        changed += _transition(case, S.OPEN, at)
    elif kind == REPLY:
        if case.first_response_at is None:
            case.first_response_at = at
            changed.append("first_response_at")
        if case.status == S.NEW and status is None:
            changed += _transition(case, S.OPEN, at)
    direction = {
        NOTE: Interaction.Direction.INTERNAL,
        REPLY: Interaction.Direction.OUTBOUND,
        CUSTOMER: Interaction.Direction.INBOUND,
    }[kind]
    comment = Interaction(
        customer_id=case.customer_id,
        case=case,
        author=author,
        kind=interaction_kind,
        direction=direction,
        body=body,
        occurred_at=at,
    )
    comment.full_clean()
    comment.save()
    if status is not None and status != case.status:
        changed += _transition(case, status, at)
    if changed:
        case.save(update_fields=sorted(set(changed)) + ["updated_at"])
    if kind == REPLY and interaction_kind == Interaction.Kind.EMAIL and settings.CASE_REPLY_EMAIL:
        from crm.tasks import case_reply_email

        comment_id = comment.pk
        transaction.on_commit(lambda: case_reply_email.delay(comment_id))
    return comment


@transaction.atomic
def case_reply_send(*, comment_id: int) -> bool:
    """Email a reply to the customer, in the customer's language, once.

    Returns False when there is nothing to send (already sent, not a reply by email,
    or the customer has no address any more). A failure to send raises, so the task
    retries; the row lock keeps two workers from sending the same reply twice.
    """
    comment = (
        Interaction.objects.select_for_update(of=("self",))
        .select_related("case", "customer", "author")
        .filter(pk=comment_id, case__isnull=False)
        .first()
    )
    if (
        comment is None
        or comment.emailed_at is not None
        or comment.direction != Interaction.Direction.OUTBOUND
        or comment.kind != Interaction.Kind.EMAIL
        or not comment.customer.email
    ):
        return False
    case = comment.case
    with translation.override(comment.customer.language):
        subject = " ".join(f"[{case.reference}] {case.subject}".split())
        footer = _("Reply to this email to answer; please keep %(ref)s in the subject.") % {
            "ref": case.reference
        }
        message = EmailMessage(
            subject=subject,
            body=f"{comment.body}\n\n--\n{footer}\n",
            to=[comment.customer.email],
        )
        message.send()
    comment.emailed_at = timezone.now()
    comment.save(update_fields=["emailed_at"])
    return True


# The nightly close works in bounded batches (STYLE.md rule 4).
CLOSE_BATCH = 500


def cases_close_resolved(*, now: datetime.datetime | None = None) -> int:
    """Close the cases resolved more than CASE_REOPEN_DAYS ago; how many were closed.

    Idempotent; each case is closed through case_status_set, so the change is in
    its history like any other.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.CASE_REOPEN_DAYS)
    closed = 0
    while True:
        ids = list(
            Case.objects.filter(status=S.RESOLVED, resolved_at__lt=cutoff)
            .order_by("resolved_at", "pk")
            .values_list("pk", flat=True)[:CLOSE_BATCH]
        )
        for pk in ids:
            case = Case(pk=pk)
            if case_status_set(case=case, status=S.CLOSED).status == S.CLOSED:
                closed += 1
        if len(ids) < CLOSE_BATCH:
            return closed
