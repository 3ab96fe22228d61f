"""crm's Celery tasks: each takes ids, calls one service, and owns only retries."""

import smtplib

from celery import shared_task

from crm import services


@shared_task(
    name="crm.case_reply_email",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=8,
    ignore_result=True,
)
def case_reply_email(comment_id: int) -> None:
    """Email one reply to its customer; retried with backoff while the mail server fails."""
    services.case_reply_send(comment_id=comment_id)


@shared_task(name="crm.cases_close_resolved", ignore_result=True)
def cases_close_resolved() -> int:
    """Nightly: close the cases resolved more than CASE_REOPEN_DAYS ago."""
    return services.cases_close_resolved()


@shared_task(name="crm.import_check", ignore_result=True)
def import_check(job_id: int) -> None:
    """Check every row of an uploaded file."""
    services.import_job_check(job_id=job_id)


# Redelivered after a crash (acks late): the import resumes, since rows already written
# are matched by external id and change nothing.
@shared_task(name="crm.import_run", ignore_result=True, soft_time_limit=55 * 60, time_limit=60 * 60)
def import_run(job_id: int) -> None:
    """Import a checked file in batches."""
    services.import_job_run(job_id=job_id)
