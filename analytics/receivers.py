"""analytics listens to crm's demo signal only: it computes the snapshots of the demo
data so a new install shows full dashboards right after `make run`."""

import datetime
import time

from django.utils import timezone

# Weeks, months, quarters and years over 13 months behind every chart; days and the
# trailing survey windows over the last month.
DEMO_MONTHS_DAYS = 400
DEMO_DAYS = 31


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
    return (
        f"Analytics: {long.rows + short.rows} snapshot rows from {long.first_day} to "
        f"{long.last_day} in {time.monotonic() - started:.1f} s."
    )
