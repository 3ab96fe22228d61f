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
