"""Stored figures: one snapshot row per metric, period and dimension, the monthly cohort
table, and the record of each recompute (its progress, and the lock that keeps two from
running at once). docs/metrics.md defines every figure."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
