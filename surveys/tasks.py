"""surveys' Celery tasks: sending invitations and the nightly triggers and reminders."""

import smtplib

from celery import shared_task

from surveys import services


@shared_task(
    name="surveys.invitation_send",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=8,
    ignore_result=True,
)
def invitation_send_task(invitation_id: int) -> bool:
    """Email one invitation; retried with backoff while the mail server fails."""
    return services.invitation_send(invitation_id=invitation_id)


@shared_task(name="surveys.reminders_send", ignore_result=True)
def reminders_send_task() -> int:
    """Nightly: remind who has not answered."""
    return services.reminders_send()


@shared_task(name="surveys.first_order_invitations", ignore_result=True)
def first_order_invitations_task() -> int:
    """Nightly: invite customers N days after their first order."""
    return services.first_order_invitations()


@shared_task(
    name="surveys.invite_segment", ignore_result=True, soft_time_limit=55 * 60, time_limit=60 * 60
)
def invite_segment_task(survey_id: int, segment_id: int, user_id: int) -> dict:
    """Invite a big segment's members (each after the survey's rules). Run again, it
    invites nobody twice: one invitation per survey and customer."""
    from django.contrib.auth import get_user_model

    from crm import selectors
    from crm.models import Segment
    from surveys.models import Survey

    survey = Survey.objects.get(pk=survey_id)
    segment = Segment.objects.get(pk=segment_id)
    user = get_user_model().objects.get(pk=user_id)
    members = selectors.segment_members(segment=segment, user=user).order_by("pk")
    return services.invitations_send(survey=survey, customers=members.iterator())
