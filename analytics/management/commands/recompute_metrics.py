"""manage.py recompute_metrics [--as-of DATE] [--backfill FROM] [--metric KEY ...]"""

import datetime
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import services
from analytics.periods import ALL_TYPES
from config.exceptions import ApplicationError


def _day(value: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None
    if not datetime.date(1900, 1, 1) <= day <= datetime.date(2199, 12, 31):
        raise CommandError(f"out of range: {value!r}")
    return day


class Command(BaseCommand):
    help = (
        "Recompute the metric snapshots as of a day (default: yesterday), or every day "
        "from --backfill to it, and the cohort table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_day, help="the last day computed (YYYY-MM-DD)")
        parser.add_argument("--backfill", type=_day, metavar="FROM", help="first day computed")
        parser.add_argument(
            "--metric",
            action="append",
            dest="metrics",
            metavar="KEY",
            help='only this metric (repeatable); "cohorts" for the cohort table alone',
        )
        parser.add_argument(
            "--period",
            action="append",
            dest="periods",
            choices=ALL_TYPES,
            help="only this period type (repeatable)",
        )

    def handle(
        self, *args, as_of=None, backfill=None, metrics=None, periods=None, verbosity=1, **options
    ):
        today = timezone.localdate()
        as_of = as_of or today - datetime.timedelta(days=1)
        if as_of > today:
            raise CommandError(f"--as-of {as_of} is in the future")
        if backfill and backfill > as_of:
            raise CommandError(f"--backfill {backfill} is after --as-of {as_of}")
        started = time.monotonic()
        show = verbosity > 0

        def progress(done: int, total: int) -> None:
            if not show:
                return
            width = 30
            filled = width * done // max(total, 1)
            elapsed = time.monotonic() - started
            line = (
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} steps, {elapsed:.0f} s"
            )
            sys.stderr.write(line + ("\n" if done == total else ""))
            sys.stderr.flush()

        try:
            run = services.snapshot_recompute(
                as_of=as_of,
                first_day=backfill,
                metric_keys=metrics,
                progress=progress,
                period_types=tuple(periods or ALL_TYPES),
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if verbosity > 0:
            self.stdout.write(
                f"Recomputed {run.first_day}..{run.last_day}: {run.rows} rows in "
                f"{time.monotonic() - started:.1f} s."
            )
