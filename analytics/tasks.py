"""analytics' Celery tasks: they take ids and days, call `snapshot_recompute`, and own
only retries and time limits. Acks are late: a task whose worker died is delivered
again, and the run it left behind is taken over once it has been quiet for
services.STALE_AFTER (every step is one transaction, so nothing partial remains)."""

import datetime
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from analytics import services
from analytics.models import RecomputeRun
from analytics.periods import ALL_TYPES
from config.exceptions import ApplicationError

logger = logging.getLogger(__name__)
RETRIES = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 60,
    "max_retries": 3,
    "ignore_result": True,
    "soft_time_limit": 3 * 60 * 60,
    "time_limit": 3 * 60 * 60 + 300,
}


@shared_task(name="analytics.recompute_nightly", **RETRIES)
def recompute_nightly() -> None:
    """Nightly (ANALYTICS_RECOMPUTE_HOUR, business time): every metric as of yesterday,
    the last whole day, and the cohort table."""
    as_of = timezone.localdate() - datetime.timedelta(days=1)
    try:
        services.snapshot_recompute(as_of=as_of, trigger="schedule")
    except ApplicationError as exc:
        if exc.code != "recompute_running":
            raise
        logger.warning("nightly recompute skipped: another recompute is running")
    # After the snapshots: the predictive fit, scores and holdout check, as a task of
    # their own (their own retries and time limit).
    predict_nightly.delay(as_of.isoformat())


@shared_task(name="analytics.predict_nightly", **RETRIES)
def predict_nightly(as_of: str) -> None:
    """Fit BG/NBD and Gamma-Gamma as of `as_of`, score every customer, then the holdout
    check. A failed fit is stored with its status (the scores come from the last good
    fit); only database errors are retried."""
    # Imported here: numpy and scipy load in the worker that fits, not in every process
    # that imports the tasks (the web, to queue a recompute).
    from analytics.predictive import services as predictive

    day = datetime.date.fromisoformat(as_of)
    try:
        predictive.scores_recompute(as_of=day)
        predictive.holdout_check(as_of=day)
    except ApplicationError as exc:
        if exc.code != "fit_running":
            raise
        logger.warning("predictive fit as of %s skipped: another fit is running", as_of)


@shared_task(name="analytics.recompute_run", **RETRIES)
def recompute_run(run_id: int) -> None:
    """A run queued by the dashboard's button or the API."""
    run = RecomputeRun.objects.filter(pk=run_id).first()
    if run is None or run.status == RecomputeRun.Status.DONE:
        return
    # A retry after a database error starts the run again (finished steps are rewritten
    # with the same rows).
    RecomputeRun.objects.filter(pk=run.pk, status=RecomputeRun.Status.FAILED).update(
        status=RecomputeRun.Status.QUEUED, error="", finished_at=None
    )
    try:
        services.snapshot_recompute(
            as_of=run.last_day,
            first_day=run.first_day,
            metric_keys=run.metrics,
            period_types=tuple(run.period_types or ALL_TYPES),
            run=run,
        )
    except ApplicationError as exc:
        if exc.code != "recompute_running":
            raise
        logger.warning("recompute %s not run: another recompute is running", run_id)
