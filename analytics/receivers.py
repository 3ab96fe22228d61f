"""analytics listens to crm's demo signal: it computes the snapshots of the demo data so
a new install shows full dashboards right after `make run`; and to Django's
post_migrate, to put its triggers on crm_order back after a schema change."""

import datetime
import time

from django.utils import timezone

# Weeks, months, quarters and years over 13 months behind every chart; days and the
# trailing survey windows over the last month.
DEMO_MONTHS_DAYS = 400
DEMO_DAYS = 31
DEMO_FIT_MONTHS = 6  # month ends with a predictive fit behind the average CLV chart


def on_demo_data_loaded(sender, **kwargs) -> str:
    from analytics.services import snapshot_recompute

    started = time.monotonic()
    today = timezone.localdate()
    long = snapshot_recompute(
        as_of=today,
        first_day=today - datetime.timedelta(days=DEMO_MONTHS_DAYS),
        period_types=("week", "month", "quarter", "year"),
        trigger="demo",
    )
    short = snapshot_recompute(
        as_of=today, first_day=today - datetime.timedelta(days=DEMO_DAYS - 1), trigger="demo"
    )
    fit = _demo_predictions(today)
    return (
        f"Analytics: {long.rows + short.rows} snapshot rows from {long.first_day} to "
        f"{long.last_day}, {fit.scored} customers scored ({fit.get_status_display()}) in "
        f"{time.monotonic() - started:.1f} s."
    )


def _demo_predictions(today: datetime.date):
    """The predictive fit as of the end of each of the last DEMO_FIT_MONTHS months (the
    average predictive CLV's series), then as of today (the scores staff see), and the
    holdout check."""
    from analytics.predictive.services import holdout_check, scores_recompute

    month = today.replace(day=1)
    ends = []
    for _ in range(DEMO_FIT_MONTHS):
        month_end = month - datetime.timedelta(days=1)
        ends.append(month_end)
        month = month_end.replace(day=1)
    for day in sorted(ends):
        scores_recompute(as_of=day)
    fit = scores_recompute(as_of=today)
    holdout_check(as_of=today)
    return fit


def on_post_migrate(sender, using="default", **kwargs) -> None:
    """Install the order triggers again when a migration dropped them (one that rebuilds
    crm_order, as SQLite does to alter a table) and forget the kept figures, which may
    have missed writes meanwhile (engine/state.py). Triggers that stayed in place saw
    every write: the kept figures stay (a change to crm_order's columns builds them
    again through their signature)."""
    from django.db import connections

    from analytics.engine import triggers
    from analytics.models import FactsState

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {"crm_order", "analytics_orderchange", "analytics_factsstate"} <= tables:
        return  # migrated back past analytics 0004
    if triggers.installed(connection):
        return
    triggers.install(connection)
    FactsState.objects.using(using).all().delete()
