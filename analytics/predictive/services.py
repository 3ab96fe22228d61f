"""Writes of predictive retention: the nightly fit and scores, and the holdout check
(docs/metrics.md "Predictive retention").

`scores_recompute(as_of=)` reads every customer's order-day summary in one SQL pass,
fits BG/NBD and Gamma-Gamma (analytics.predictive.fitting), and replaces every
customer's score in one transaction, so a reader sees last night's scores or tonight's,
never a mix. A fit that fails (too little data, no convergence, implausible parameters
or scores) is stored with its status and message, and the scores come from the last
good fit instead; with no good fit ever, there are no scores. One fit of each kind runs
at a time (a unique key on the running state), and a fit whose worker died is taken
over after STALE_AFTER.

`holdout_check(as_of=, weeks=)` fits on the history up to `weeks` before `as_of` and
compares the predicted repeat order days in those weeks with the actual ones, per
number of repeat order days in the calibration period.
"""

import datetime
import itertools
import logging
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.metrics.predictive import KEY as CLV_METRIC_KEY
from analytics.models import CustomerScore, ModelFit, Snapshot
from analytics.predictive import fitting
from analytics.predictive.fitting import BgNbd, FitError, GammaGamma
from analytics.predictive.histories import Histories, histories_read
from config.exceptions import ApplicationError

logger = logging.getLogger(__name__)

MIN_CUSTOMERS = 50  # customers with an order, for a fit
MIN_REPEATERS = 20  # of them with a repeat order day (the spend model needs them)
PARAMETER_RANGE = (1e-5, 1e5)  # outside it a parameter ran off towards a bound: implausible
HORIZON_MONTHS = 12
HOLDOUT_GROUPS = 7  # 0, 1, ..., 6 and "7+" repeat order days in the calibration period
STALE_AFTER = datetime.timedelta(minutes=15)


def models_fit(histories: Histories) -> tuple[BgNbd, GammaGamma]:
    """Both models, or FitError with the status and a message people can act on."""
    customers = len(histories)
    repeat = (histories.x > 0) & (histories.mean_spend > 0)
    if customers < MIN_CUSTOMERS or repeat.sum() < MIN_REPEATERS:
        raise FitError(
            "too_little_data",
            _(
                "%(customers)s customers with orders, %(repeaters)s of them with a repeat "
                "order day; a fit needs at least %(min_customers)s and %(min_repeaters)s."
            )
            % {
                "customers": customers,
                "repeaters": int(repeat.sum()),
                "min_customers": MIN_CUSTOMERS,
                "min_repeaters": MIN_REPEATERS,
            },
        )
    try:
        with np.errstate(all="ignore"):
            bgnbd = fitting.bgnbd_fit(histories.x, histories.t_x, histories.T)
            spend = fitting.gamma_gamma_fit(histories.x[repeat], histories.mean_spend[repeat])
    except (ValueError, FloatingPointError, ArithmeticError) as exc:
        raise FitError("failed", str(exc)[:400]) from exc
    _check_plausible(bgnbd, spend)
    return bgnbd, spend


def _check_plausible(bgnbd: BgNbd, spend: GammaGamma) -> None:
    low, high = PARAMETER_RANGE
    named = {
        "r": bgnbd.r,
        "alpha": bgnbd.alpha,
        "a": bgnbd.a,
        "b": bgnbd.b,
        "p": spend.p,
        "q": spend.q,
        "gamma": spend.gamma,
    }
    wild = [name for name, value in named.items() if not low < value < high]
    if wild:
        raise FitError(
            "implausible",
            _("The parameters %(names)s ran off to a bound; the history does not fit the model.")
            % {"names": ", ".join(wild)},
        )
    if spend.q <= 1:
        raise FitError(
            "implausible", _("q <= 1 means an infinite mean spend; the spend model does not fit.")
        )


@dataclass
class Figures:
    p_alive: np.ndarray
    expected_orders: np.ndarray
    expected_spend: np.ndarray
    clv: np.ndarray
    risk: np.ndarray  # "low", "medium", "high"


def figures_compute(bgnbd: BgNbd, spend: GammaGamma, histories: Histories) -> Figures:
    """Every customer's P(alive), expected order days and spend, and 12-month CLV."""
    h = histories
    with np.errstate(all="ignore"):
        alive = fitting.p_alive(bgnbd, h.x, h.t_x, h.T)
        per_day = fitting.expected_spend(spend, h.x, h.mean_spend)
        orders, value = fitting.clv(
            bgnbd,
            per_day,
            h.x,
            h.t_x,
            h.T,
            months=HORIZON_MONTHS,
            margin=float(settings.CLV_MARGIN) / 100,
            annual_discount=float(settings.CLV_DISCOUNT_RATE) / 100,
            alive=alive,
        )
    for values in (alive, orders, per_day, value):
        if len(values) and not (np.isfinite(values).all() and (values >= -1e-9).all()):
            raise FitError("implausible", _("The fit gives scores that are not finite numbers."))
    alive = np.clip(alive, 0, 1)
    return Figures(
        p_alive=alive,
        expected_orders=np.maximum(orders, 0),
        expected_spend=np.maximum(per_day, 0),
        clv=np.maximum(value, 0),
        risk=risk_bands(alive),
    )


def risk_bands(p_alive: np.ndarray) -> np.ndarray:
    high = float(settings.CHURN_RISK_HIGH_BELOW) / 100
    medium = float(settings.CHURN_RISK_MEDIUM_BELOW) / 100
    rounded = np.round(p_alive, 4)
    return np.where(rounded < high, "high", np.where(rounded < medium, "medium", "low"))


def _fit_start(*, kind: str, as_of: datetime.date, calibration_end: datetime.date) -> ModelFit:
    """The running fit of `kind`: the lock. A fit quiet for STALE_AFTER is failed first."""
    now = timezone.now()
    ModelFit.objects.filter(
        kind=kind, status=ModelFit.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(status=ModelFit.Status.FAILED, finished_at=now, message="stopped without finishing")
    try:
        with transaction.atomic():
            return ModelFit.objects.create(
                kind=kind,
                status=ModelFit.Status.RUNNING,
                as_of=as_of,
                calibration_end=calibration_end,
                started_at=now,
                heartbeat_at=now,
            )
    except IntegrityError:
        raise ApplicationError(
            "fit_running",
            _("A fit is running already; try again when it has finished."),
            status_code=409,
        ) from None


def _keep_parameters(fit: ModelFit, bgnbd: BgNbd, spend: GammaGamma) -> None:
    fit.r, fit.alpha, fit.a, fit.b = bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b
    fit.bgnbd_log_likelihood = bgnbd.log_likelihood
    fit.p, fit.q, fit.gamma = spend.p, spend.q, spend.gamma
    fit.spend_log_likelihood = spend.log_likelihood


def fit_models(fit: ModelFit) -> tuple[BgNbd, GammaGamma]:
    """The stored parameters of a good fit as the models."""
    return (
        BgNbd(fit.r, fit.alpha, fit.a, fit.b, fit.bgnbd_log_likelihood or 0.0),
        GammaGamma(fit.p, fit.q, fit.gamma, fit.spend_log_likelihood or 0.0),
    )


def _finish(fit: ModelFit, status: str, message: str = "") -> None:
    fit.status = status
    fit.message = message[:500]
    fit.finished_at = fit.heartbeat_at = timezone.now()
    fit.save()


def scores_recompute(*, as_of: datetime.date) -> ModelFit:
    """Fit both models on every customer's history up to the end of `as_of` and replace
    every customer's score. Returns tonight's fit (its status says how it went and
    `scored_with` which fit the scores came from). Raises ApplicationError
    `fit_running` when another nightly fit holds the lock."""
    fit = _fit_start(kind=ModelFit.Kind.NIGHTLY, as_of=as_of, calibration_end=as_of)
    try:
        histories = histories_read(as_of=as_of)
        fit.customers = len(histories)
        fit.repeaters = int((histories.x > 0).sum())
        status, message, used = ModelFit.Status.OK, "", fit
        try:
            bgnbd, spend = models_fit(histories)
            _keep_parameters(fit, bgnbd, spend)
            figures = figures_compute(bgnbd, spend, histories)
        except FitError as exc:
            status, message = exc.code, exc.message
            used, figures = _score_with_last_good(histories, before=fit)
        with transaction.atomic():
            if figures is not None:
                _scores_write(fit=used, as_of=as_of, histories=histories, figures=figures)
                _clv_snapshot(as_of=as_of, fit=used, histories=histories, figures=figures)
                fit.scored, fit.scored_with = len(histories), used
            _finish(fit, status, message)
    except Exception as exc:
        logger.exception("predictive fit as of %s failed", as_of)
        _finish(fit, ModelFit.Status.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    return fit


def _score_with_last_good(histories: Histories, *, before: ModelFit):
    """(the last good nightly fit, its figures for today's histories), or (None, None)."""
    good = (
        ModelFit.objects.filter(kind=ModelFit.Kind.NIGHTLY, status=ModelFit.Status.OK)
        .exclude(pk=before.pk)
        .order_by("-as_of", "-id")
        .first()
    )
    if good is None:
        return None, None
    try:
        return good, figures_compute(*fit_models(good), histories)
    except FitError:
        return None, None


SCORE_COLUMNS = [
    "customer_id",
    "order_days",
    "first_order_on",
    "last_order_on",
    "mean_spend",
    "p_alive",
    "risk",
    "expected_orders",
    "expected_spend",
    "clv",
    "revenue",
    "fit_id",
    "as_of",
]
WRITE_ROWS = 50_000


def _score_rows(*, fit: ModelFit, as_of: datetime.date, histories: Histories, figures: Figures):
    """The score rows as text tuples, WRITE_ROWS at a time (flat memory)."""
    epoch = datetime.date(1970, 1, 1)
    h, bands, day = histories, figures.risk, as_of.isoformat()
    for lo in range(0, len(h), WRITE_ROWS):
        part = slice(lo, lo + WRITE_ROWS)
        yield list(
            zip(
                h.customer_id[part].tolist(),
                (h.x[part] + 1).astype(np.int64).tolist(),
                [
                    (epoch + datetime.timedelta(days=d)).isoformat()
                    for d in h.first_day[part].tolist()
                ],
                [
                    (epoch + datetime.timedelta(days=d)).isoformat()
                    for d in h.last_day[part].tolist()
                ],
                [
                    f"{v:.2f}" if x > 0 else None
                    for v, x in zip(h.mean_spend[part].tolist(), h.x[part].tolist(), strict=True)
                ],
                [f"{v:.4f}" for v in figures.p_alive[part].tolist()],
                bands[part].tolist(),
                [f"{v:.4f}" for v in figures.expected_orders[part].tolist()],
                [f"{v:.2f}" for v in figures.expected_spend[part].tolist()],
                [f"{v:.2f}" for v in figures.clv[part].tolist()],
                [f"{v:.2f}" for v in h.revenue[part].tolist()],
                itertools.repeat(fit.pk),
                itertools.repeat(day),
                strict=False,
            )
        )


def _scores_write(
    *, fit: ModelFit, as_of: datetime.date, histories: Histories, figures: Figures
) -> None:
    """Replace every score, inside the caller's transaction: COPY on PostgreSQL."""
    table = CustomerScore._meta.db_table
    columns = ", ".join(SCORE_COLUMNS)
    batches = _score_rows(fit=fit, as_of=as_of, histories=histories, figures=figures)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for rows in batches:
                    copy.write(
                        "".join(
                            "\t".join("\\N" if v is None else str(v) for v in row) + "\n"
                            for row in rows
                        )
                    )
        else:
            marks = ", ".join(["%s"] * len(SCORE_COLUMNS))
            for rows in batches:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _clv_snapshot(
    *, as_of: datetime.date, fit: ModelFit, histories: Histories, figures: Figures
) -> None:
    """The day's average predictive CLV as a snapshot row (metric `predictive_clv`)."""
    n = len(histories)
    bands = figures.risk
    total = Decimal(f"{figures.clv.sum():.2f}")
    Snapshot.objects.update_or_create(
        metric=CLV_METRIC_KEY,
        period_type=Snapshot.PeriodType.DAY,
        period_start=as_of,
        dimension="all",
        defaults={
            "period_end": as_of,
            "value": (total / n).quantize(Decimal("0.0001")) if n else None,
            "components": {
                "customers": n,
                "clv_total": str(total),
                "expected_orders": round(float(figures.expected_orders.sum()), 2),
                "mean_p_alive": round(float(figures.p_alive.mean()), 4) if n else None,
                "high_risk": int((bands == "high").sum()),
                "medium_risk": int((bands == "medium").sum()),
                "low_risk": int((bands == "low").sum()),
                # Customers per tenth of P(alive): [0, 0.1), ..., [0.9, 1].
                "p_alive_histogram": np.histogram(figures.p_alive, bins=10, range=(0, 1))[0]
                .astype(int)
                .tolist(),
                "fit": fit.pk,
            },
            "as_of": as_of,
            "definition_version": 1,
            "computed_at": timezone.now(),
        },
    )


def holdout_check(*, as_of: datetime.date, weeks: int | None = None) -> ModelFit:
    """Fit on the history up to `weeks` (PREDICTIVE_HOLDOUT_WEEKS) before `as_of`, then
    compare, per number of repeat order days in that calibration period (0..6, 7+), the
    mean predicted and actual order days in the holdout weeks. Stored as a holdout fit."""
    weeks = weeks or settings.PREDICTIVE_HOLDOUT_WEEKS
    calibration_end = as_of - datetime.timedelta(weeks=weeks)
    fit = _fit_start(kind=ModelFit.Kind.HOLDOUT, as_of=as_of, calibration_end=calibration_end)
    try:
        histories = histories_read(as_of=as_of, calibration_end=calibration_end)
        fit.customers = len(histories)
        fit.repeaters = int((histories.x > 0).sum())
        try:
            bgnbd, spend = models_fit(histories)
            _keep_parameters(fit, bgnbd, spend)
            with np.errstate(all="ignore"):
                predicted = fitting.expected_orders(
                    bgnbd, weeks, histories.x, histories.t_x, histories.T
                )
            if not np.isfinite(predicted).all():
                raise FitError("implausible", _("The fit predicts no finite order counts."))
        except FitError as exc:
            _finish(fit, exc.code, exc.message)
            return fit
        fit.checks = _holdout_groups(histories, predicted)
        _finish(fit, ModelFit.Status.OK)
    except Exception as exc:
        logger.exception("holdout check as of %s failed", as_of)
        _finish(fit, ModelFit.Status.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    return fit


def _holdout_groups(histories: Histories, predicted: np.ndarray) -> list[dict]:
    group = np.minimum(histories.x, HOLDOUT_GROUPS).astype(int)
    rows = []
    for g in range(HOLDOUT_GROUPS + 1):
        chosen = group == g
        n = int(chosen.sum())
        if not n:
            continue
        rows.append(
            {
                "frequency": f"{g}+" if g == HOLDOUT_GROUPS else str(g),
                "customers": n,
                "predicted": round(float(predicted[chosen].mean()), 4),
                "actual": round(float(histories.later_days[chosen].mean()), 4),
            }
        )
    return rows
