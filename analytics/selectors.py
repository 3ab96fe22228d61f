"""Reads of the analytics app: series of snapshots, the overview's headline figures, the
cohort table, dimensions with their labels, and the state of the latest recompute.
Every function reads stored rows only (a handful of queries), never the orders."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.dimensions import ALL, dimensions
from analytics.metrics import Metric, metrics
from analytics.models import CohortCell, RecomputeRun, Snapshot
from analytics.periods import period_last_day
from crm.models import Segment
from crm.templatetags.retain import number

SERIES_POINTS = {"day": 31, "week": 26, "month": 13, "quarter": 8, "year": 5}


def snapshot_list(
    *,
    metric: str | None = None,
    period_type: str | None = None,
    dimension: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[Snapshot]:
    """Stored rows, filtered; `start`/`end` bound the period's first day."""
    rows = Snapshot.objects.all()
    if metric:
        rows = rows.filter(metric=metric)
    if period_type:
        rows = rows.filter(period_type=period_type)
    if dimension:
        rows = rows.filter(dimension=dimension)
    if start:
        rows = rows.filter(period_start__gte=start)
    if end:
        rows = rows.filter(period_start__lte=end)
    return rows.order_by("metric", "dimension", "period_type", "period_start")


def series(
    *, metric_keys: list[str], period_type: str, dimension: str = ALL, points: int | None = None
) -> dict[str, list[Snapshot]]:
    """{metric key: its last `points` rows, oldest first}, in one query."""
    points = points or SERIES_POINTS.get(period_type, 13)
    latest = (
        Snapshot.objects.filter(
            metric__in=metric_keys, period_type=period_type, dimension=dimension
        )
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()[:points]
    )
    starts = sorted(set(latest))
    found: dict[str, list[Snapshot]] = {key: [] for key in metric_keys}
    if not starts:
        return found
    for row in Snapshot.objects.filter(
        metric__in=metric_keys,
        period_type=period_type,
        dimension=dimension,
        period_start__gte=starts[0],
    ).order_by("period_start"):
        found[row.metric].append(row)
    return found


def is_finished(row: Snapshot) -> bool:
    """Whether the row's period had ended when it was computed."""
    if row.period_type.startswith("trailing"):
        return True
    return row.period_end >= period_last_day(row.period_type, row.period_start)


@dataclass
class Headline:
    metric: Metric
    current: Snapshot | None
    previous: Snapshot | None
    trend: list[Snapshot] = field(default_factory=list)

    @property
    def change(self) -> Decimal | None:
        if self.current is None or self.previous is None:
            return None
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    @property
    def improved(self) -> bool | None:
        change = self.change
        if not change:
            return None
        return (change > 0) == self.metric.higher_is_better


def overview(*, period_type: str = "month", dimension: str = ALL) -> list[Headline]:
    """Each headline metric: the latest period's row (to date), the period before, and
    the trend over the last SERIES_POINTS periods."""
    headline = [metric for metric in metrics() if metric.headline]
    rows = series(
        metric_keys=[metric.key for metric in headline],
        period_type=period_type,
        dimension=dimension,
    )
    result = []
    for metric in headline:
        trend = rows[metric.key]
        current = trend[-1] if trend else None
        previous = trend[-2] if len(trend) > 1 else None
        result.append(Headline(metric, current, previous, trend))
    return result


def retention_note(row: Snapshot | None) -> str:
    """A plain-language note when CRR and cohort retention differ (docs/metrics.md), naming
    the cause with the numbers; "" when they agree or S = 0."""
    if row is None or not row.components.get("S"):
        return ""
    c = row.components
    s, e, n, k, r = c["S"], c["E"], c["N"], c["K"], c["R"]
    crr = Decimal(e - n) * 100 / s
    cohort = Decimal(k) * 100 / s
    if abs(crr - cohort) < Decimal("0.05"):
        return ""
    new_in_end = e - k - r
    lapsed_new = n - new_in_end
    causes = []
    if r:
        causes.append(
            ngettext(
                "CRR counts %(n)s reactivated customer as retained",
                "CRR counts %(n)s reactivated customers as retained",
                r,
            )
            % {"n": number(r)}
        )
    if lapsed_new:
        causes.append(
            ngettext(
                "it leaves out %(n)s new customer who lapsed within the period",
                "it leaves out %(n)s new customers who lapsed within the period",
                lapsed_new,
            )
            % {"n": number(lapsed_new)}
        )
    text = _(
        "CRR reads %(crr)s%% but %(cohort)s%% of the %(s)s customers active at the start "
        "are still active."
    ) % {"crr": f"{crr:.1f}", "cohort": f"{cohort:.1f}", "s": number(s)}
    if causes:
        text += " " + _("The difference: %(causes)s.") % {"causes": "; ".join(causes)}
    return text


def dimension_labels() -> dict[str, str]:
    """{dimension key: label}, e.g. "tier:3": "Loyalty tier: Gold" (a few queries)."""
    found = {ALL: _("All customers")}
    for dimension in dimensions():
        for value, label in dimension.labels().items():
            found[f"{dimension.kind}:{value}"] = f"{dimension.label}: {label}"
    for pk, name in Segment.objects.values_list("pk", "name"):
        found[f"segment:{pk}"] = _("Segment: %(name)s") % {"name": name}
    return found


def dimension_choices(*, kinds: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """The dimensions that have stored rows, labelled, "all" first."""
    labels = dimension_labels()
    stored = Snapshot.objects.order_by().values_list("dimension", flat=True).distinct()
    keys = sorted(
        {key for key in stored if kinds is None or key.split(":")[0] in kinds} - {ALL},
        key=lambda key: labels.get(key, key),
    )
    return [(ALL, labels[ALL])] + [(key, labels.get(key, key)) for key in keys]


def by_dimension(
    *, metric_keys: list[str], kind: str, period_type: str = "month"
) -> tuple[datetime.date | None, dict[str, dict[str, Snapshot]]]:
    """The latest finished period's rows of `metric_keys` for every dimension of `kind`
    ("tier", "nps", "channel", "segment"), as {dimension: {metric: row}}."""
    candidates = Snapshot.objects.filter(
        metric__in=metric_keys, period_type=period_type, dimension__startswith=f"{kind}:"
    ).order_by("-period_start")
    start = None
    for row in candidates[:200]:
        if is_finished(row):
            start = row.period_start
            break
    if start is None:
        return None, {}
    found: dict[str, dict[str, Snapshot]] = {}
    for row in candidates.filter(period_start=start):
        found.setdefault(row.dimension, {})[row.metric] = row
    return start, found


def cohort_table() -> dict:
    """{"months": [cohort months, oldest first], "offsets": int, "rows": [{cohort, size,
    cells: [{offset, active, share}]}], "as_of": date or None}."""
    cells = list(CohortCell.objects.order_by("cohort", "offset"))
    rows: dict[datetime.date, dict] = {}
    for cell in cells:
        row = rows.setdefault(cell.cohort, {"cohort": cell.cohort, "size": cell.size, "cells": []})
        share = Decimal(cell.active) * 100 / cell.size if cell.size else None
        row["cells"].append({"offset": cell.offset, "active": cell.active, "share": share})
    offsets = max((cell.offset for cell in cells), default=-1) + 1
    return {
        "rows": list(rows.values()),
        "offsets": offsets,
        "as_of": cells[0].as_of if cells else None,
    }


# A queued or running run asked for longer ago than this blocks nothing (its worker is
# gone; services take its lock over) and the pages stop following it.
RUN_FOLLOW_FOR = datetime.timedelta(hours=1)


def runs_active() -> QuerySet[RecomputeRun]:
    """Queued or running runs recent enough to be real."""
    return RecomputeRun.objects.filter(
        status__in=[RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING],
        created_at__gte=timezone.now() - RUN_FOLLOW_FOR,
    )


def run_is_active(run: RecomputeRun | None) -> bool:
    if run is None or run.status not in (RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING):
        return False
    return run.created_at >= timezone.now() - RUN_FOLLOW_FOR


def run_latest() -> RecomputeRun | None:
    return RecomputeRun.objects.select_related("requested_by").first()


def run_last_done() -> RecomputeRun | None:
    return (
        RecomputeRun.objects.filter(status=RecomputeRun.Status.DONE)
        .order_by("-finished_at")
        .first()
    )


def last_computed_at() -> datetime.datetime | None:
    """When the latest finished recompute ended."""
    run = run_last_done()
    return run.finished_at if run else None
