"""The charts analytics.js draws, as plain data: a spec per chart (labels, datasets, the
unit's format) with the same numbers as a table, the overview's cards with their trends,
and the cohort heatmap."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from analytics.metrics import Metric
from analytics.models import Snapshot
from analytics.presenters.formatting import (
    change_text,
    chart_format,
    decimal_text,
    plot_value,
    row_label,
    value_text,
)

MAX_COHORTS = 24
MAX_OFFSETS = 24


@dataclass(frozen=True)
class Period:
    start: datetime.date
    label: str  # on the axis
    long_label: str  # in the table


def periods_of(*row_lists: list[Snapshot]) -> list[Period]:
    """The periods of the rows, oldest first, each labelled once."""
    found: dict[datetime.date, Snapshot] = {}
    for rows in row_lists:
        for row in rows:
            found.setdefault(row.period_start, row)
    return [
        Period(start, row_label(row, short=True), row_label(row))
        for start, row in sorted(found.items())
    ]


@dataclass
class Line:
    """One dataset: a value per period start. `kind` is "line", "bar", "goal" (a dashed
    constant, left out of the table), "low"/"high" (an interval band, drawn filled
    between them and left out of the legend and the table)."""

    label: str
    values: dict[datetime.date, object]
    color: str = "blue"
    kind: str = "line"
    unit: str = ""  # the chart's when empty
    notes: dict[datetime.date, str] = field(default_factory=dict)  # added to the tooltip


@dataclass
class Chart:
    key: str  # unique on the page: the canvas's data-chart and the table's id
    title: str
    spec: dict
    columns: list[str]
    rows: list[list[str]]
    csv: list[tuple[str, str]] = field(default_factory=list)  # (label, address)
    definition_url: str = ""
    help: str = ""
    height: int = 280
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def has_values(self) -> bool:
        """Whether anything is drawn: every value may be undefined (n = 0, S = 0)."""
        return any(
            value is not None
            for dataset in self.spec.get("datasets", [])
            if dataset["kind"] in ("line", "bar")
            for value in dataset["data"]
        )

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.key}"


def export_url(metric_key: str, period_type: str, dimension: str) -> str:
    query = urlencode({"metric": metric_key, "period": period_type, "dimension": dimension})
    return f"{reverse('analytics:export')}?{query}"


def csv_links(metric_list: list[Metric], period_type: str, dimension: str) -> list:
    return [(m.label, export_url(m.key, period_type, dimension)) for m in metric_list]


def time_chart(
    *,
    key: str,
    title: str,
    unit: str,
    periods: list[Period],
    lines: list[Line],
    extra_columns: list[tuple[str, dict[datetime.date, str]]] = (),
    chart_type: str = "line",
    stacked: bool = False,
    begin_at_zero: bool = False,
    suggested_max: int | None = None,
    **options,
) -> Chart:
    """A chart over time and its table: one row per period, one column per line (goal and
    band lines left out) and per extra column."""
    datasets = []
    for line in lines:
        line_unit = line.unit or unit
        datasets.append(
            {
                "label": line.label,
                "kind": line.kind,
                "color": line.color,
                "data": [plot_value(line.values.get(p.start), line_unit) for p in periods],
                "notes": [line.notes.get(p.start, "") for p in periods] if line.notes else None,
            }
        )
    shown = [line for line in lines if line.kind in ("line", "bar")]
    columns = [_("Period")] + [line.label for line in shown] + [name for name, _v in extra_columns]
    rows = []
    for period in periods:
        cells = [period.long_label]
        cells += [value_text(line.values.get(period.start), line.unit or unit) for line in shown]
        cells += [values.get(period.start, "") for _name, values in extra_columns]
        rows.append(cells)
    spec = {
        "type": chart_type,
        "format": chart_format(unit),
        "labels": [p.label for p in periods],
        "datasets": datasets,
        "stacked": stacked,
        "beginAtZero": begin_at_zero,
    }
    if suggested_max is not None:
        spec["suggestedMax"] = suggested_max  # a value above it still shows
        spec["stepSize"] = suggested_max // 5
    return Chart(key=key, title=title, spec=spec, columns=columns, rows=rows, **options)


def values_of(rows: list[Snapshot], read=None) -> dict[datetime.date, object]:
    """{period start: value}, or what `read(row)` gives."""
    return {row.period_start: (read(row) if read else row.value) for row in rows}


def goal_line(periods: list[Period], goal) -> Line:
    return Line(
        _("Goal (%(goal)s)") % {"goal": value_text(goal, "percent")},
        {p.start: goal for p in periods},
        color="red",
        kind="goal",
    )


def sparkline(metric: Metric, rows: list[Snapshot]) -> dict:
    """The small trend chart of an overview card (no axes, no legend)."""
    return {
        "type": "line",
        "spark": True,
        "format": chart_format(metric.unit),
        "labels": [row_label(row, short=True) for row in rows],
        "datasets": [
            {
                "label": str(metric.label),
                "kind": "line",
                "color": "primary",
                "data": [plot_value(row.value, metric.unit) for row in rows],
                "notes": None,
            }
        ],
    }


@dataclass
class Card:
    metric: Metric
    value: str
    period: str
    change: str
    direction: str  # up, down, flat, "" (nothing to compare)
    improved: bool | None
    trend_id: str
    trend: dict | None
    trend_table: list[tuple[str, str]]  # newest first
    csv_url: str


def headline_card(headline, period_type: str, dimension: str) -> Card:
    """An overview card from a selectors.Headline."""
    metric, current = headline.metric, headline.current
    change = headline.change
    direction = "" if change is None else "up" if change > 0 else "down" if change < 0 else "flat"
    values = [row for row in headline.trend if row.value is not None]
    return Card(
        metric=metric,
        value=value_text(current.value if current else None, metric.unit),
        period=row_label(current) if current else "",
        change=change_text(change, metric.unit) if change is not None else "",
        direction=direction,
        improved=headline.improved,
        trend_id=f"trend-{metric.key}",
        trend=sparkline(metric, headline.trend) if len(values) > 1 else None,
        trend_table=[
            (row_label(row), value_text(row.value, metric.unit)) for row in reversed(headline.trend)
        ],
        csv_url=export_url(metric.key, period_type, dimension),
    )


def cohort_heatmap(table: dict) -> dict:
    """selectors.cohort_table() cut to the last MAX_COHORTS cohorts and MAX_OFFSETS
    offsets, each cell with its shade (the share as the brand colour's opacity)."""
    rows = table["rows"][-MAX_COHORTS:]
    offsets = min(table["offsets"], MAX_OFFSETS)
    drawn = []
    for row in rows:
        by_offset = {cell["offset"]: cell for cell in row["cells"]}
        cells = []
        for offset in range(offsets):
            cell = by_offset.get(offset)
            if cell is None or cell["share"] is None:
                cells.append(None)
                continue
            share = cell["share"]
            alpha = Decimal("0.06") + share / 100 * Decimal("0.84")
            cells.append(
                {
                    "offset": offset,
                    "active": cell["active"],
                    "text": decimal_text(share, 0) + "%",
                    "style": (
                        f"background-color: rgba(var(--tblr-primary-rgb), {alpha:.2f});"
                        + (" color: #fff;" if share >= 50 else "")
                    ),
                }
            )
        drawn.append({"cohort": row["cohort"], "size": row["size"], "cells": cells})
    return {"rows": drawn, "offsets": list(range(offsets)), "as_of": table["as_of"]}
