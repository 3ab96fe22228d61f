"""Each dashboard's charts, built from the rows its view read (analytics.views): retention
against the goal, retention by group, the survey metrics with their margins, the NPS
answers' distribution, the loyalty programme and the support times."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_get
from analytics.models import Snapshot
from analytics.presenters.charts import (
    Chart,
    Line,
    csv_links,
    export_url,
    goal_line,
    periods_of,
    time_chart,
    values_of,
)
from analytics.presenters.formatting import (
    TRAILING_DAYS,
    chart_format,
    decimal_text,
    hours,
    plot_value,
    row_label,
    value_text,
)
from analytics.presenters.surveys import survey_margin

RETENTION_KEYS = ["crr", "cohort_retention", "churn_rate"]
RETENTION_COLOURS = {"crr": "blue", "cohort_retention": "green", "churn_rate": "orange"}
LOYALTY_KEYS = [
    "loyalty_active_members",
    "points_earned",
    "points_redeemed",
    "points_expired",
    "redemption_rate",
    "liability",
]
SUPPORT_KEYS = ["first_response_time", "resolution_time"]
VOICE_COLOURS = {"nps": "blue", "csat": "green", "ces": "purple"}


def retention_chart(series: dict[str, list[Snapshot]], period: str, dimension: str) -> Chart:
    """CRR, cohort retention and churn over time, with the goal (settings.RETENTION_GOAL)."""
    periods = periods_of(*series.values())
    lines = [
        Line(str(metric_get(key).label), values_of(rows), color=RETENTION_COLOURS[key])
        for key, rows in series.items()
    ]
    lines.append(goal_line(periods, settings.RETENTION_GOAL))
    return time_chart(
        key="retention",
        title=_("Retention against the goal"),
        unit="percent",
        periods=periods,
        lines=lines,
        csv=csv_links([metric_get(key) for key in series], period, dimension),
        definition_url=metric_get("crr").definition_url,
        help=_("CRR counts reactivated customers as kept; cohort retention does not."),
        height=300,
        suggested_max=100,
    )


BREAKDOWN_TITLES = {
    "tier": gettext_lazy("By loyalty tier"),
    "nps": gettext_lazy("By latest NPS answer"),
    "segment": gettext_lazy("By tracked segment"),
    "channel": gettext_lazy("By first order's channel"),
}


def breakdown_chart(
    kind: str,
    found: dict[str, dict[str, Snapshot]],
    labels: dict[str, str],
    period: str,
) -> Chart:
    """The latest finished period's retention for each group of one kind (the result of
    selectors.by_dimension): grouped bars, and S per group in the table."""
    order = {key: index for index, key in enumerate(labels)}  # tiers by threshold, …
    groups = sorted(found, key=lambda key: (order.get(key, len(order)), key))
    names = [labels.get(key, key).split(": ", 1)[-1] for key in groups]
    datasets = []
    for key in RETENTION_KEYS:
        datasets.append(
            {
                "label": str(metric_get(key).label),
                "kind": "bar",
                "color": RETENTION_COLOURS[key],
                "data": [_value_plot(found[group].get(key)) for group in groups],
                "notes": None,
            }
        )
    rows = []
    for group, name in zip(groups, names, strict=True):
        cells = [name]
        for key in RETENTION_KEYS:
            row = found[group].get(key)
            cells.append(value_text(row.value if row else None, "percent"))
        crr = found[group].get("crr")
        cells.append(value_text(crr.components.get("S") if crr else None, "count"))
        rows.append(cells)
    spec = {
        "type": "bar",
        "format": chart_format("percent"),
        "labels": names,
        "datasets": datasets,
        "stacked": False,
        "beginAtZero": True,
        "suggestedMax": 100,
        "stepSize": 20,
    }
    note = ""
    if found:
        sample = next(iter(next(iter(found.values())).values()))
        note = _("Period: %(period)s.") % {"period": row_label(sample)}
    return Chart(
        key=f"by-{kind}",
        title=str(BREAKDOWN_TITLES[kind]),
        spec=spec,
        columns=[
            _("Group"),
            *[str(metric_get(key).label) for key in RETENTION_KEYS],
            _("Active at the start (S)"),
        ],
        rows=rows,
        # Each group's CRR series: its rows keep S, E, N, K, L and R, behind all three rates.
        csv=[
            (name, export_url("crr", period, group))
            for group, name in zip(groups, names, strict=True)
        ],
        definition_url=metric_get("crr").definition_url,
        note=note,
        height=260,
    )


def _value_plot(row: Snapshot | None) -> float | None:
    return plot_value(row.value if row else None, "percent")


def survey_chart(metric: Metric, rows: list[Snapshot], period: str, dimension: str) -> Chart:
    """A survey metric over time with n, and its 95% margin drawn as a band around it."""
    margins = {row.period_start: survey_margin(metric.key, row) for row in rows}
    answers = {row.period_start: row.components.get("n") or 0 for row in rows}
    notes = {}
    for start, margin in margins.items():
        words = {"n": value_text(answers[start], "count")}
        if margin is None:
            notes[start] = _("n = %(n)s") % words
        else:
            notes[start] = _("± %(margin)s, n = %(n)s") % {
                **words,
                "margin": decimal_text(margin, 1),
            }
    colour = VOICE_COLOURS.get(metric.key, "blue")
    lines = [Line(str(metric.label), values_of(rows), color=colour, notes=notes)]
    banded = [row for row in rows if margins[row.period_start] is not None]
    if banded:
        low = {r.period_start: r.value - Decimal(str(margins[r.period_start])) for r in banded}
        high = {r.period_start: r.value + Decimal(str(margins[r.period_start])) for r in banded}
        lines += [
            Line(_("Lower bound (95%)"), low, color=colour, kind="low"),
            Line(_("95% margin of error"), high, color=colour, kind="high"),
        ]
    written_margins = {
        start: decimal_text(margin, 1) if margin is not None else "—"
        for start, margin in margins.items()
    }
    help_text = metric.help
    return time_chart(
        key=metric.key,
        title=str(metric.label),
        unit=metric.unit,
        periods=periods_of(rows),
        lines=lines,
        extra_columns=[
            (_("± margin (95%)"), written_margins),
            (_("Answers (n)"), {start: value_text(n, "count") for start, n in answers.items()}),
        ],
        csv=csv_links([metric], period, dimension),
        definition_url=metric.definition_url,
        help=help_text,
    )


def nps_distribution(row: Snapshot | None, period: str, dimension: str) -> Chart | None:
    """The promoters, passives and detractors of one NPS period: one stacked bar."""
    if row is None:
        return None
    n = row.components.get("n") or 0
    parts = [
        ("detractors", _("Detractors (0-6)"), "red"),
        ("passives", _("Passives (7-8)"), "yellow"),
        ("promoters", _("Promoters (9-10)"), "green"),
    ]
    datasets, rows = [], []
    for name, label, colour in parts:
        count = row.components.get(name) or 0
        share = Decimal(count) * 100 / n if n else None
        datasets.append(
            {
                "label": label,
                "kind": "bar",
                "color": colour,
                "data": [plot_value(share, "percent")],
                "notes": [_("n = %(n)s") % {"n": value_text(count, "count")}],
            }
        )
        rows.append([label, value_text(count, "count"), value_text(share, "percent")])
    spec = {
        "type": "bar",
        "format": chart_format("percent"),
        "labels": [row_label(row, short=True)],
        "datasets": datasets,
        "stacked": True,
        "horizontal": True,
        "max": 100,
    }
    nps = metric_get("nps")
    return Chart(
        key="nps-distribution",
        title=_("NPS answers, %(period)s") % {"period": row_label(row)},
        spec=spec,
        columns=[_("Answer"), _("Answers (n)"), _("Share")],
        rows=rows,
        csv=csv_links([nps], period, dimension),
        definition_url=nps.definition_url,
        height=120,
    )


def loyalty_charts(series: dict[str, list[Snapshot]], period: str, dimension: str) -> list:
    """Members, the points' flows, the redemption rate and the liability in money."""
    metric = {key: metric_get(key) for key in LOYALTY_KEYS}
    members, liability = series["loyalty_active_members"], series["liability"]
    flow_keys = ["points_earned", "points_redeemed", "points_expired"]
    flows = [series[key] for key in flow_keys]
    common = {"begin_at_zero": True}
    return [
        time_chart(
            key="members",
            title=_("Loyalty members"),
            unit="count",
            periods=periods_of(members),
            lines=[
                Line(_("Members"), values_of(members, _component("members")), "secondary"),
                Line(str(metric["loyalty_active_members"].label), values_of(members), "blue"),
            ],
            csv=csv_links([metric["loyalty_active_members"]], period, dimension),
            definition_url=metric["loyalty_active_members"].definition_url,
            help=metric["loyalty_active_members"].help,
            **common,
        ),
        time_chart(
            key="points",
            title=_("Points earned, redeemed and expired"),
            unit="points",
            chart_type="bar",
            periods=periods_of(*flows),
            lines=[
                Line(str(metric[key].label), values_of(rows), colour, kind="bar")
                for key, rows, colour in zip(
                    flow_keys, flows, ["green", "blue", "orange"], strict=True
                )
            ],
            csv=csv_links([metric[key] for key in flow_keys], period, dimension),
            definition_url=metric["points_earned"].definition_url,
            **common,
        ),
        time_chart(
            key="redemption-rate",
            title=str(metric["redemption_rate"].label),
            unit="percent",
            periods=periods_of(series["redemption_rate"]),
            lines=[
                Line(
                    str(metric["redemption_rate"].label),
                    values_of(series["redemption_rate"]),
                    "purple",
                )
            ],
            csv=csv_links([metric["redemption_rate"]], period, dimension),
            definition_url=metric["redemption_rate"].definition_url,
            help=metric["redemption_rate"].help,
            **common,
        ),
        time_chart(
            key="liability",
            title=_("Liability"),
            unit="money",
            periods=periods_of(liability),
            lines=[Line(_("Liability"), values_of(liability, _component("liability")), "red")],
            extra_columns=[
                (
                    str(metric["liability"].label),
                    {row.period_start: value_text(row.value, "points") for row in liability},
                )
            ],
            csv=csv_links([metric["liability"]], period, dimension),
            definition_url=metric["liability"].definition_url,
            help=metric["liability"].help,
            **common,
        ),
    ]


def support_charts(series: dict[str, list[Snapshot]], period: str, dimension: str) -> list:
    """Time to first response and to resolution: median and 90th percentile in hours."""
    charts = []
    for key in SUPPORT_KEYS:
        metric, rows = metric_get(key), series[key]
        cases = {
            row.period_start: value_text(row.components.get("n") or 0, "count") for row in rows
        }
        charts.append(
            time_chart(
                key=key.replace("_", "-"),
                title=str(metric.label),
                unit="hours",
                periods=periods_of(rows),
                lines=[
                    Line(_("Median"), values_of(rows, _hours("median_seconds")), "blue"),
                    Line(_("90th percentile"), values_of(rows, _hours("p90_seconds")), "orange"),
                ],
                extra_columns=[(_("Cases (n)"), cases)],
                csv=csv_links([metric], period, dimension),
                definition_url=metric.definition_url,
                help=metric.help,
                begin_at_zero=True,
            )
        )
    return charts


def _component(name: str):
    return lambda row: row.components.get(name)


def _hours(name: str):
    return lambda row: hours(row.components.get(name))


def trailing_points(period: str) -> int | None:
    """How many rows a survey series reads: a trailing window is kept for every day, so
    two windows' worth of days, to compare the latest window with the one before it."""
    days = TRAILING_DAYS.get(period)
    return days * 2 + 1 if days else None
