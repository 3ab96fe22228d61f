"""Writes of the analytics app: recomputing the snapshots and the cohort table.

`snapshot_recompute` is the one entry point (the nightly task, the dashboard's button
and `manage.py recompute_metrics` all call it). It promises:

- **Idempotent.** Each step upserts its rows on the snapshot key (metric, period type,
  period start, dimension) and removes the rows of the same periods whose dimension
  no longer has data, so the same data always leaves the same rows.
- **Crash-safe.** A step is one transaction (REPEATABLE READ on PostgreSQL, so every
  query of the step sees the same data); a crash leaves whole steps or nothing of one,
  and a rerun completes the job.
- **One at a time.** A run holds the "running" row of `RecomputeRun`, unique in the
  database, so two beat instances or two buttons cannot run it twice; a run whose
  worker died (no progress for `STALE_AFTER`) is marked failed and taken over.
"""

import datetime
import logging
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import selectors
from analytics.engine import facts, sources, state
from analytics.engine.facts import Step
from analytics.engine.groups import groups
from analytics.engine.sql import db_day, fetch_dicts
from analytics.metrics import Metric, metric_get, metrics
from analytics.models import CohortCell, RecomputeRun, Snapshot
from analytics.periods import ALL_TYPES, month_add, periods_ending_in
from config.exceptions import ApplicationError

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
STEP_DAYS = 31  # days of periods per step of a backfill (one pass over the orders each)
STALE_AFTER = datetime.timedelta(minutes=15)
COHORT_MONTHS = 36
COHORTS = "cohorts"  # --metric cohorts: the cohort table alone


def recompute_plan(
    *, first_day: datetime.date, as_of: datetime.date, period_types=ALL_TYPES
) -> list[Step]:
    """The steps of a run: chunks of STEP_DAYS days, each with every period of
    `period_types` that ends (or, running, reaches `as_of`) in it."""
    steps = []
    day = first_day
    while day <= as_of:
        last = min(day + datetime.timedelta(days=STEP_DAYS - 1), as_of)
        periods = [p for p in periods_ending_in(day, last, as_of=as_of) if p.type in period_types]
        if periods:
            steps.append(Step(as_of=last, periods=periods))
        day = last + ONE_DAY
    return steps


def _selected(metric_keys: list[str] | None) -> list[Metric]:
    """The metrics this engine computes; those of another source (predictive_clv, written
    by the nightly fit) are left to their writer."""
    if not metric_keys:
        return [metric for metric in metrics() if metric.source in sources.SOURCES]
    return [metric_get(key) for key in metric_keys if key != COHORTS]


def metric_keys_clean(keys: list[str] | None) -> list[str]:
    """The keys, checked: unknown ones (and those another job writes, such as the nightly
    fit's predictive_clv) are refused with the list of the ones a recompute computes."""
    keys = [key.strip() for key in keys or [] if key.strip()]
    known = [metric.key for metric in metrics() if metric.source in sources.SOURCES] + [COHORTS]
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ApplicationError(
            "unknown_metric",
            _("Unknown metric: %(keys)s. Known metrics: %(known)s.")
            % {"keys": ", ".join(unknown), "known": ", ".join(known)},
            fields={"metrics": [_("Unknown metric: %(keys)s.") % {"keys": ", ".join(unknown)}]},
        )
    return keys


def step_rows(
    *,
    step: Step,
    selected: list[Metric],
    months: list[datetime.date] | None = None,
    keep: bool = False,
) -> list[Snapshot]:
    """Compute the snapshot rows of one step (unsaved). Runs inside the step's
    transaction: builds the facts table (with the cohort months' mask when `months` are
    given; the caller then reads it before the table is dropped), runs each needed
    source once. With `keep` (a run of one day: the nightly), the figures from the
    orders before the month are kept between runs (engine/state.py) and only the
    month's orders are read."""
    now = timezone.now()
    groups_ = groups(as_of=step.as_of)
    kept = state.prepare(step, months=cohort_months(step.as_of)) if keep else None
    facts.build(step, months=months, groups_=groups_, kept=kept)
    computed: dict[str, dict] = {}
    rows = []
    for metric in selected:
        source = sources.SOURCES[metric.source]
        if metric.source not in computed:
            computed[metric.source] = source.compute(step, groups_)
        found = computed[metric.source]
        types = metric.period_types or source.period_types
        for index, period in enumerate(step.periods):
            if period.type not in types:
                continue
            if (index, "all") not in found:
                found[(index, "all")] = dict(source.zero)
            for (row_index, dimension), components in found.items():
                if row_index != index:
                    continue
                value, kept = metric.row(components)
                rows.append(
                    Snapshot(
                        metric=metric.key,
                        period_type=period.type,
                        period_start=period.start,
                        period_end=period.end,
                        dimension=dimension,
                        value=value,
                        components=kept,
                        as_of=step.as_of,
                        definition_version=metric.definition_version,
                        computed_at=now,
                    )
                )
    if not months:
        facts.drop()
    return rows


def _write(*, step: Step, rows: list[Snapshot], selected: list[Metric]) -> None:
    """Upsert the rows on their key, then drop rows of the same periods that this
    computation no longer produced (a dimension with no data left)."""
    Snapshot.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["metric", "period_type", "period_start", "dimension"],
        update_fields=[
            "period_end",
            "value",
            "components",
            "as_of",
            "definition_version",
            "computed_at",
        ],
    )
    keep = {(row.metric, row.period_type, row.period_start, row.dimension) for row in rows}
    keys = {(row.metric, row.period_type, row.period_start) for row in rows}
    if not keys:
        return
    stored = Snapshot.objects.filter(
        metric__in={key[0] for key in keys}, period_start__in={key[2] for key in keys}
    ).values_list("pk", "metric", "period_type", "period_start", "dimension")
    stale = [
        pk
        for pk, metric, period_type, start, dimension in stored
        if (metric, period_type, start) in keys
        and (metric, period_type, start, dimension) not in keep
    ]
    for first in range(0, len(stale), 500):
        Snapshot.objects.filter(pk__in=stale[first : first + 500]).delete()


def _consistent_view() -> None:
    # Every query of the step reads the same snapshot of the data.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # The per-customer aggregates fit in memory instead of spilling to disk; the
            # queries are few and big, so JIT compiling them costs more than it saves.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")


def cohort_months(as_of: datetime.date) -> list[datetime.date]:
    """The month starts of the cohort table as of `as_of`: the last COHORT_MONTHS."""
    first_month = month_add(as_of.replace(day=1), -(COHORT_MONTHS - 1))
    return [month_add(first_month, i) for i in range(COHORT_MONTHS)]


def cohorts_recompute(*, as_of: datetime.date, facts_built: bool = False) -> int:
    """The acquisition-cohort table as of `as_of`: for each of the last COHORT_MONTHS
    cohort months and each later month up to as_of's, the customers with an order day
    in it (docs/metrics.md "Acquisition cohorts"). Replaces the table; returns its size.

    Reads the facts table's month mask (bit i + 1: an order day in month i), built here
    unless the step that computes as_of's periods built it (`facts_built`): the orders
    are read once for both."""
    months = cohort_months(as_of)
    if not facts_built:
        facts.build(Step(as_of=as_of, periods=[]), months=months)
    since_month, since_params = connection.ops.date_trunc_sql("month", "f.since", ())
    bits = ", ".join(f"SUM((f.mask >> {i + 1}) & 1) AS m{i}" for i in range(len(months)))
    rows = fetch_dicts(
        f"SELECT {since_month} AS cohort, COUNT(*) AS n, {bits} FROM {facts.FACTS} f "
        "WHERE f.since >= %s AND f.since <= %s GROUP BY 1",
        [*since_params, db_day(months[0]), db_day(as_of)],
    )
    if not facts_built:
        facts.drop()
    now = timezone.now()
    cells = []
    for row in sorted(rows, key=lambda row: _as_month(row["cohort"])):
        cohort, size = _as_month(row["cohort"]), int(row["n"])
        first = months.index(cohort)
        for offset in range(len(months) - first):
            active = size if offset == 0 else int(row[f"m{first + offset}"] or 0)
            cells.append(
                CohortCell(
                    cohort=cohort,
                    offset=offset,
                    size=size,
                    active=active,
                    as_of=as_of,
                    computed_at=now,
                )
            )
    CohortCell.objects.all().delete()
    CohortCell.objects.bulk_create(cells, batch_size=1000)
    return len(cells)


def _as_month(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date().replace(day=1)
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    return datetime.date.fromisoformat(str(value)[:10]).replace(day=1)


def run_request(
    *,
    as_of: datetime.date,
    first_day: datetime.date | None = None,
    metric_keys: list[str] | None = None,
    period_types: list[str] | None = None,
    trigger: str = "button",
    user=None,
) -> RecomputeRun:
    """Queue a run (the dashboard's button, the API): refused while one is queued or
    running, so a double click or a second person asks once."""
    metric_keys = metric_keys_clean(metric_keys)
    first_day = first_day or as_of
    with transaction.atomic():
        if selectors.runs_active().select_for_update().exists():
            raise ApplicationError(
                "recompute_running",
                _("A recompute is already running; its progress is shown on the dashboard."),
                status_code=409,
            )
        return RecomputeRun.objects.create(
            status=RecomputeRun.Status.QUEUED,
            first_day=first_day,
            last_day=as_of,
            metrics=metric_keys,
            period_types=list(period_types or []),
            trigger=trigger,
            requested_by=user,
        )


def _take_lock(run: RecomputeRun) -> bool:
    """Mark `run` running; False when another run holds the lock. A running run whose
    worker stopped sending progress for STALE_AFTER is failed first (another run) or
    taken over (this run, delivered again after its worker died)."""
    now = timezone.now()
    stale = Q(status=RecomputeRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    RecomputeRun.objects.filter(stale).exclude(pk=run.pk).update(
        status=RecomputeRun.Status.FAILED, finished_at=now, error="stopped without finishing"
    )
    try:
        with transaction.atomic():
            updated = (
                RecomputeRun.objects.filter(pk=run.pk)
                .filter(Q(status=RecomputeRun.Status.QUEUED) | stale)
                .update(status=RecomputeRun.Status.RUNNING, started_at=now, heartbeat_at=now)
            )
    except IntegrityError:
        return False
    return bool(updated)


def snapshot_recompute(
    *,
    as_of: datetime.date,
    first_day: datetime.date | None = None,
    metric_keys: list[str] | None = None,
    run: RecomputeRun | None = None,
    trigger: str = "command",
    progress: Callable[[int, int], None] | None = None,
    period_types=ALL_TYPES,
) -> RecomputeRun:
    """Recompute every selected metric for the periods ending from `first_day` to
    `as_of` (the nightly run: `first_day == as_of`), then the cohort table as of
    `as_of`; `period_types` narrows the periods. Returns the run; raises
    ApplicationError("recompute_running") when another run holds the lock."""
    metric_keys = metric_keys_clean(metric_keys)
    first_day = first_day or as_of
    if first_day > as_of:
        raise ApplicationError("invalid_range", _("The first day is after the as-of day."))
    if run is None:
        run = RecomputeRun.objects.create(
            status=RecomputeRun.Status.QUEUED,
            first_day=first_day,
            last_day=as_of,
            metrics=metric_keys,
            trigger=trigger,
        )
    if not _take_lock(run):
        RecomputeRun.objects.filter(pk=run.pk).update(
            status=RecomputeRun.Status.FAILED,
            finished_at=timezone.now(),
            error="another recompute was running",
        )
        raise ApplicationError(
            "recompute_running", _("A recompute is already running."), status_code=409
        )
    selected = _selected(metric_keys)
    steps = (
        recompute_plan(first_day=first_day, as_of=as_of, period_types=period_types)
        if selected
        else []
    )
    with_cohorts = not metric_keys or COHORTS in metric_keys
    total = len(steps) + (1 if with_cohorts else 0)
    RecomputeRun.objects.filter(pk=run.pk).update(steps_total=total)
    written = 0
    # Outside any transaction (a worker, a command) each step is its own REPEATABLE READ
    # transaction; inside one (a test) the steps are savepoints of it.
    outermost = not connection.in_atomic_block
    try:
        for done, step in enumerate(steps, start=1):
            # The step of as_of's own periods also reads the orders' months for the
            # cohort table, in the same pass and transaction.
            cohorts_here = with_cohorts and step.as_of == as_of
            with transaction.atomic():
                if outermost:
                    _consistent_view()
                months = cohort_months(as_of) if cohorts_here else None
                # A run of one day (the nightly, the button) keeps the figures of the
                # orders before the month for the next night; a backfill reads them all.
                keep = first_day == as_of
                rows = step_rows(step=step, selected=selected, months=months, keep=keep)
                _write(step=step, rows=rows, selected=selected)
                written += len(rows)
                if cohorts_here:
                    written += cohorts_recompute(as_of=as_of, facts_built=True)
                    facts.drop()
                    with_cohorts = False
                    done = total
                RecomputeRun.objects.filter(pk=run.pk).update(
                    steps_done=done, rows=written, heartbeat_at=timezone.now()
                )
            if progress:
                progress(done, total)
        if with_cohorts:
            with transaction.atomic():
                if outermost:
                    _consistent_view()
                written += cohorts_recompute(as_of=as_of)
                RecomputeRun.objects.filter(pk=run.pk).update(
                    steps_done=total, rows=written, heartbeat_at=timezone.now()
                )
            if progress:
                progress(total, total)
    except Exception as exc:
        RecomputeRun.objects.filter(pk=run.pk).update(
            status=RecomputeRun.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:500]
        )
        raise
    RecomputeRun.objects.filter(pk=run.pk).update(
        status=RecomputeRun.Status.DONE, finished_at=timezone.now(), rows=written
    )
    run.refresh_from_db()
    logger.info("analytics recompute %s..%s: %s rows", first_day, as_of, written)
    return run
