"""Stored figures: one snapshot row per metric, period and dimension, the monthly cohort
table, and the record of each recompute (its progress, and the lock that keeps two from
running at once). docs/metrics.md defines every figure."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from analytics.predictive import CONCENTRATION_CAP

PERIOD_TYPES = ["day", "week", "month", "quarter", "year", "trailing30", "trailing90"]


class Snapshot(models.Model):
    class PeriodType(models.TextChoices):
        DAY = "day", _("Day")
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")
        TRAILING30 = "trailing30", _("Last 30 days")
        TRAILING90 = "trailing90", _("Last 90 days")

    metric = models.CharField(_("metric"), max_length=50)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))
    # The last day counted: the period's end, or the as-of day while it runs.
    period_end = models.DateField(_("period end"))
    # "all", or "<kind>:<value>": "segment:12", "tier:3", "nps:promoter", "channel:web".
    dimension = models.CharField(_("dimension"), max_length=60, default="all")
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True)
    components = models.JSONField(_("components"), default=dict)
    as_of = models.DateField(_("as of"))
    definition_version = models.PositiveSmallIntegerField(_("definition version"), default=1)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["metric", "period_type", "period_start", "dimension"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period_type", "period_start", "dimension"],
                name="analytics_snapshot_key",
            ),
            models.CheckConstraint(
                condition=Q(period_type__in=PERIOD_TYPES), name="analytics_period_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="analytics_period_end_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["metric", "dimension", "period_type", "period_start"],
                name="analytics_snapshot_series_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period_type} {self.period_start} {self.dimension}"


class CohortCell(models.Model):
    """One cell of the acquisition-cohort table: of the customers acquired in
    `cohort` (a month), how many had an order day in month cohort + offset."""

    cohort = models.DateField(_("cohort month"))
    offset = models.PositiveSmallIntegerField(_("months after"))
    size = models.PositiveIntegerField(_("customers in the cohort"))
    active = models.PositiveIntegerField(_("customers with an order day"))
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["cohort", "offset"]
        verbose_name = _("cohort cell")
        verbose_name_plural = _("cohort cells")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "offset"], name="analytics_cohort_key"),
            models.CheckConstraint(
                condition=Q(active__lte=models.F("size")), name="analytics_cohort_active_le_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort:%Y-%m}+{self.offset}"


class RecomputeRun(models.Model):
    """A recompute: who asked, for which days, how far it got. At most one runs at a
    time (a unique key on the running state); a run whose worker died is taken over
    after `STALE_AFTER`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("as of"))
    metrics = models.JSONField(_("metrics"), default=list, blank=True)
    period_types = models.JSONField(_("period types"), default=list, blank=True)
    trigger = models.CharField(_("started by"), max_length=20, default="schedule")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    steps_total = models.PositiveIntegerField(_("steps"), default=0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recompute")
        verbose_name_plural = _("recomputes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="analytics_run_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="analytics_run_days_ordered",
            ),
            models.CheckConstraint(
                condition=Q(steps_done__lte=models.F("steps_total")),
                name="analytics_run_progress_range",
            ),
            # The lock: one run at a time, whatever starts it (beat, a button, a command).
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="analytics_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_day}..{self.last_day} {self.status}"

    @property
    def percent(self) -> int:
        if not self.steps_total:
            return 0
        return int(100 * self.steps_done / self.steps_total)


class ModelFit(models.Model):
    """One fit of the predictive models (docs/metrics.md "Predictive retention"): the
    nightly fit on all order history, or a holdout check fitted on all but the last
    weeks. A fit that fails keeps its status and message; the scores then come from the
    last good nightly fit (`scored_with`)."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly fit")
        HOLDOUT = "holdout", _("Holdout check")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Good fit")
        TOO_LITTLE_DATA = "too_little_data", _("Too little data")
        NOT_CONVERGED = "not_converged", _("Did not converge")
        IMPLAUSIBLE = "implausible", _("Implausible parameters")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    as_of = models.DateField(_("as of"))
    # The last day the fit sees: as_of for the nightly fit, as_of - holdout for a check.
    calibration_end = models.DateField(_("calibration end"))
    customers = models.PositiveIntegerField(_("customers"), default=0)
    repeaters = models.PositiveIntegerField(_("repeat buyers"), default=0)
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    bgnbd_log_likelihood = models.FloatField(_("BG/NBD log-likelihood"), null=True, blank=True)
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    spend_log_likelihood = models.FloatField(_("Gamma-Gamma log-likelihood"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # Holdout checks: [{"frequency": "0", "customers": n, "predicted": e, "actual": a}, ...]
    checks = models.JSONField(_("holdout groups"), default=list, blank=True)
    scored = models.PositiveIntegerField(_("customers scored"), default=0)
    scored_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    heartbeat_at = models.DateTimeField(_("last progress"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        verbose_name = _("model fit")
        verbose_name_plural = _("model fits")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["nightly", "holdout"]), name="analytics_fit_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "running",
                        "ok",
                        "too_little_data",
                        "not_converged",
                        "implausible",
                        "failed",
                    ]
                ),
                name="analytics_fit_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(calibration_end__lte=models.F("as_of")),
                name="analytics_fit_calibration_in_range",
            ),
            # A good fit has every parameter, each positive.
            models.CheckConstraint(
                condition=~Q(status="ok")
                | Q(r__gt=0, alpha__gt=0, a__gt=0, b__gt=0, p__gt=0, q__gt=1, gamma__gt=0),
                name="analytics_fit_ok_has_parameters",
            ),
            # The lock: one fit of each kind at a time.
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status="running"), name="analytics_one_fit_running"
            ),
        ]
        indexes = [models.Index(fields=["kind", "status", "-as_of"], name="analytics_fit_good_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.as_of} {self.status}"

    @property
    def dropout_uniform(self) -> bool:
        """Whether a + b reached the cap: one dropout probability for every customer."""
        return (
            self.a is not None
            and self.b is not None
            and self.a + self.b >= CONCENTRATION_CAP * 0.999
        )


class CustomerScore(models.Model):
    """A customer's predictive figures as of the last nightly fit: the order-day summary
    the models read (x, t_x, T in weeks) and what they say about the next 12 months."""

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    customer = models.OneToOneField(
        "crm.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    # Protected by Django, not by a database constraint: every row of a night names the
    # same fit, and a million identical checks would cost the nightly load seconds.
    fit = models.ForeignKey(
        ModelFit, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    as_of = models.DateField(_("as of"))
    order_days = models.PositiveIntegerField(_("order days"))
    first_order_on = models.DateField(_("first order day"))
    last_order_on = models.DateField(_("last order day"))
    mean_spend = models.DecimalField(
        _("mean spend per repeat order day"), max_digits=14, decimal_places=2, null=True
    )
    p_alive = models.DecimalField(_("P(alive)"), max_digits=5, decimal_places=4)
    risk = models.CharField(_("churn risk"), max_length=6, choices=Risk.choices)
    expected_orders = models.DecimalField(
        _("expected order days, next 12 months"), max_digits=12, decimal_places=4
    )
    expected_spend = models.DecimalField(
        _("expected spend per order day"), max_digits=14, decimal_places=2
    )
    clv = models.DecimalField(_("predictive 12-month CLV"), max_digits=16, decimal_places=2)
    # Completed orders' totals up to as_of: the at-risk list ranks by it without a join.
    revenue = models.DecimalField(_("lifetime revenue"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["-clv", "customer_id"]
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(p_alive__gte=0, p_alive__lte=1), name="analytics_score_p_alive_range"
            ),
            models.CheckConstraint(
                condition=Q(risk__in=["low", "medium", "high"]), name="analytics_score_risk_valid"
            ),
            models.CheckConstraint(
                condition=Q(expected_orders__gte=0, expected_spend__gte=0, clv__gte=0),
                name="analytics_score_figures_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(order_days__gte=1, last_order_on__gte=models.F("first_order_on")),
                name="analytics_score_history_valid",
            ),
        ]
        # No secondary index: the nightly load replaces every row, and each index would
        # cost it seconds per million (make bench); the list and the segment conditions
        # scan the table, a fraction of a second at a million rows.

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.p_alive} {self.risk}"

    @property
    def frequency(self) -> int:
        return self.order_days - 1

    @property
    def p_alive_percent(self) -> int:
        """Whole percent, rounded down, so the shown figure agrees with the band: 0.5979 is
        59%, medium risk below 60%, not "60%, medium"."""
        return int(self.p_alive * 100)


class OrderChange(models.Model):
    """An order of crm that was inserted, updated or deleted: its customer and moment,
    written by database triggers on crm_order (migration 0004), so that every write is
    seen, the ORM's, a bulk import's and raw SQL alike. The nightly recompute reads and
    removes them to bring its kept per-customer figures (`FactsState`) up to date."""

    customer_id = models.BigIntegerField(_("customer id"))
    placed_at = models.DateTimeField(_("placed at"))

    class Meta:
        verbose_name = _("order change")
        verbose_name_plural = _("order changes")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.placed_at:%Y-%m-%d %H:%M}"


class FactsState(models.Model):
    """What the per-customer figures kept between nightly runs hold (one row): each
    customer's completed orders before the current month, summed up to each of `days`
    (analytics.engine.state). `signature` names everything else they depend on; a run
    that needs other figures builds them again."""

    signature = models.TextField(_("signature"))
    cut = models.DateField(_("first day not kept"))
    days = models.JSONField(_("boundary days"), default=list)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    built_at = models.DateTimeField(_("built"))
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)

    class Meta:
        verbose_name = _("kept order figures")
        verbose_name_plural = _("kept order figures")

    def __str__(self) -> str:
        return f"{self.cut} ({self.customers} customers)"
