"""manage.py predict_retention [--as-of DATE] [--skip-holdout] [--holdout-weeks N]"""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.management.commands.recompute_metrics import _day
from analytics.models import ModelFit
from analytics.predictive import services
from config.exceptions import ApplicationError


def _weeks(value: str) -> int:
    try:
        weeks = int(value)
    except ValueError:
        raise CommandError(f"not a whole number of weeks: {value!r}") from None
    if not 4 <= weeks <= 156:
        raise CommandError("--holdout-weeks must be 4 to 156")
    return weeks


class Command(BaseCommand):
    help = (
        "Fit BG/NBD and Gamma-Gamma on the order history up to a day (default: yesterday), "
        "score every customer, and run the holdout check."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_day, help="the last day the fit sees (YYYY-MM-DD)")
        parser.add_argument("--skip-holdout", action="store_true", help="fit and score only")
        parser.add_argument(
            "--holdout-weeks", type=_weeks, help=f"default {settings.PREDICTIVE_HOLDOUT_WEEKS}"
        )

    def handle(self, *args, as_of=None, skip_holdout=False, holdout_weeks=None, **options):
        today = timezone.localdate()
        as_of = as_of or today - datetime.timedelta(days=1)
        if as_of > today:
            raise CommandError(f"--as-of {as_of} is in the future")
        try:
            started = time.monotonic()
            fit = services.scores_recompute(as_of=as_of)
            self._report(fit, time.monotonic() - started)
            if not skip_holdout:
                started = time.monotonic()
                check = services.holdout_check(as_of=as_of, weeks=holdout_weeks)
                self._report(check, time.monotonic() - started)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _report(self, fit: ModelFit, seconds: float) -> None:
        line = (
            f"{fit.get_kind_display()} as of {fit.as_of}: {fit.get_status_display()}, "
            f"{fit.customers} customers, {fit.scored} scored, {seconds:.1f} s"
        )
        if fit.status == ModelFit.Status.OK:
            line += (
                f"; r={fit.r:.3f} alpha={fit.alpha:.3f} a={fit.a:.3f} b={fit.b:.3f} "
                f"p={fit.p:.2f} q={fit.q:.2f} gamma={fit.gamma:.2f}"
            )
        if fit.message:
            line += f" ({fit.message})"
        self.stdout.write(line)
