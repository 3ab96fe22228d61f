"""Invitations: personal links under the survey's rules, the links themselves, and
sending them (emails, triggers, reminders)."""

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Customer
from surveys.models import Invitation, Survey
from surveys.services.surveys import token_new

# --- Invitations ----------------------------------------------------------------------------


def _language_for(survey: Survey, customer: Customer | None) -> str:
    wanted = customer.language if customer else settings.LANGUAGE_CODE
    return wanted if wanted in survey.languages else survey.languages[0]


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    customer: Customer,
    channel: str = Invitation.Channel.EMAIL,
    trigger: str = Invitation.Trigger.MANUAL,
    trigger_key: str = "",
    now: datetime.datetime | None = None,
) -> Invitation:
    """A personal link for one customer, respecting the survey's rules:

    - `survey_inactive`: only an active survey invites;
    - `no_email_consent`: an email invitation needs the customer's email consent and
      address;
    - `too_soon`: no invitation within the survey's frequency of the customer's last one
      (of any survey);
    - `already_invited`: one invitation per survey and customer (and per trigger key).
    """
    now = now or timezone.now()
    if survey.status != Survey.Status.ACTIVE:
        raise ApplicationError(
            "survey_inactive", _("Only an active survey sends invitations."), status_code=409
        )
    if channel == Invitation.Channel.EMAIL and not (customer.email_consent and customer.email):
        raise ApplicationError(
            "no_email_consent",
            _("%(name)s has not agreed to emails.") % {"name": customer.display_name},
            status_code=409,
        )
    if Invitation.objects.filter(survey=survey, customer=customer).exists():
        raise ApplicationError(
            "already_invited",
            _("%(name)s is already invited to this survey.") % {"name": customer.display_name},
            status_code=409,
        )
    if survey.frequency_days:
        recent = Invitation.objects.filter(
            customer=customer,
            created_at__gt=now - datetime.timedelta(days=survey.frequency_days),
        )
        if recent.exists():
            raise ApplicationError(
                "too_soon",
                _("%(name)s was asked less than %(days)s days ago.")
                % {"name": customer.display_name, "days": survey.frequency_days},
                status_code=409,
            )
    invitation = Invitation(
        survey=survey,
        customer=customer,
        token=token_new(),
        channel=channel,
        language=_language_for(survey, customer),
        trigger=trigger,
        trigger_key=trigger_key,
        created_at=now,
        expires_at=now + datetime.timedelta(days=survey.response_days),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ApplicationError(
            "already_invited",
            _("%(name)s is already invited to this survey.") % {"name": customer.display_name},
            status_code=409,
        ) from None
    return invitation


class LinkError(ApplicationError):
    """A link that cannot be answered: unknown (404), expired or closed (410)."""


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation behind a personal link, or the survey's public link (a new
    anonymous invitation each time it is answered). Raises LinkError."""
    token = (token or "").strip()
    invitation = None
    if 20 <= len(token) <= 64:
        invitation = (
            Invitation.objects.select_related("survey", "customer").filter(token=token).first()
        )
        if invitation is None:
            survey = Survey.objects.filter(public_token=token, allow_anonymous=True).first()
            if survey is not None:
                now = timezone.now()
                invitation = Invitation(
                    survey=survey,
                    token=token,
                    channel=Invitation.Channel.LINK,
                    language=survey.languages[0],
                    created_at=now,
                    expires_at=now + datetime.timedelta(days=survey.response_days),
                )
    if invitation is None:
        raise LinkError("unknown_link", _("This survey link is not known."), status_code=404)
    if invitation.survey.status != Survey.Status.ACTIVE:
        raise LinkError("survey_closed", _("This survey is closed."), status_code=410)
    if invitation.pk and invitation.expires_at <= timezone.now():
        raise LinkError("link_expired", _("This survey link has expired."), status_code=410)
    return invitation


def invitation_opened(*, invitation: Invitation) -> None:
    """Stamp the first opening of a personal link."""
    if invitation.pk and invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )


# --- Sending, triggers and reminders ----------------------------------------------------------


def invitation_link(invitation: Invitation) -> str:
    return f"{settings.PUBLIC_BASE_URL}/s/{invitation.token}/"


def invitation_send(*, invitation_id: int, reminder: bool = False) -> bool:
    """Email an invitation (or a reminder) in its language through Django's email backend;
    False when there is nothing to send: already answered, expired, the survey closed,
    consent withdrawn, or (not a reminder) sent already. A failure to send raises, so
    the task retries; the row lock keeps two workers from sending twice."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("survey", "customer")
            .filter(pk=invitation_id)
            .first()
        )
        now = timezone.now()
        if (
            invitation is None
            or invitation.customer is None
            or invitation.responded_at is not None
            or invitation.expires_at <= now
            or invitation.survey.status != Survey.Status.ACTIVE
            or not (invitation.customer.email_consent and invitation.customer.email)
            or (invitation.sent_at is not None and not reminder)
        ):
            return False
        survey = invitation.survey
        with translation.override(invitation.language):
            context = {
                "survey": survey,
                "title": survey.title.get(invitation.language) or survey.name,
                "customer": invitation.customer,
                "link": invitation_link(invitation),
                "reminder": reminder,
                "expires_at": invitation.expires_at,
            }
            subject = render_to_string("surveys/email/invitation_subject.txt", context).strip()
            body = render_to_string("surveys/email/invitation.txt", context)
            EmailMessage(
                subject=" ".join(subject.split()), body=body, to=[invitation.customer.email]
            ).send()
        if reminder:
            invitation.reminders_sent += 1
            invitation.last_reminder_at = now
            invitation.save(update_fields=["reminders_sent", "last_reminder_at"])
        else:
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
    return True


def invitation_send_later(*, invitation: Invitation) -> None:
    """Queue the invitation's email after commit (email invitations only)."""
    if invitation.channel != Invitation.Channel.EMAIL:
        return
    from surveys.tasks import invitation_send_task

    invitation_id = invitation.pk
    transaction.on_commit(lambda: invitation_send_task.delay(invitation_id))


def invitations_for_trigger(*, trigger: str, customer_id: int, key: str) -> list[Invitation]:
    """Invite the customer to every active survey sent on this trigger, at most once per
    survey and trigger key; invitations the rules refuse (consent, frequency, invited
    already) are skipped. Emails go out after commit."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return []
    made = []
    for survey in Survey.objects.filter(status=Survey.Status.ACTIVE, trigger=trigger):
        try:
            with transaction.atomic():
                invitation = invitation_create(
                    survey=survey, customer=customer, trigger=trigger, trigger_key=key
                )
        except ApplicationError:
            continue
        invitation_send_later(invitation=invitation)
        made.append(invitation)
    return made


def invitations_send(*, survey: Survey, customers) -> dict[str, int]:
    """Invite a list of customers (or a segment's members) by email; returns how many
    were invited and how many each rule skipped."""
    counts: dict[str, int] = {"invited": 0}
    for customer in customers:
        try:
            with transaction.atomic():
                invitation = invitation_create(survey=survey, customer=customer)
        except ApplicationError as exc:
            counts[exc.code] = counts.get(exc.code, 0) + 1
            continue
        invitation_send_later(invitation=invitation)
        counts["invited"] += 1
    return counts


def first_order_invitations(*, today: datetime.date | None = None) -> int:
    """Nightly: invite the customers whose first completed order was `trigger_days` ago
    to each active "after the first order" survey; once per customer and survey."""
    today = today or timezone.localdate()
    made = 0
    for survey in Survey.objects.filter(
        status=Survey.Status.ACTIVE, trigger=Survey.Trigger.FIRST_ORDER
    ):
        day = today - datetime.timedelta(days=survey.trigger_days)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        end = start + datetime.timedelta(days=1)
        for customer_id in Customer.objects.filter(
            first_order_at__gte=start, first_order_at__lt=end
        ).values_list("pk", flat=True):
            made += len(
                invitations_for_trigger(
                    trigger=Survey.Trigger.FIRST_ORDER,
                    customer_id=customer_id,
                    key=f"first-order:{customer_id}",
                )
            )
    return made


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Nightly: remind who has not answered, `reminder_days` after the invitation or the
    last reminder, at most `reminder_max` times, while the link is valid."""
    now = now or timezone.now()
    sent = 0
    due = Invitation.objects.filter(
        survey__status=Survey.Status.ACTIVE,
        channel=Invitation.Channel.EMAIL,
        sent_at__isnull=False,
        responded_at__isnull=True,
        expires_at__gt=now,
        reminders_sent__lt=F("survey__reminder_max"),
    ).select_related("survey")
    for invitation in due.iterator():
        last = invitation.last_reminder_at or invitation.sent_at
        if now - last >= datetime.timedelta(days=invitation.survey.reminder_days):
            sent += invitation_send(invitation_id=invitation.pk, reminder=True)
    return sent
