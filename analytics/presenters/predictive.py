"""The predictive page's charts as plain data: the distribution of P(alive), the
average predictive CLV over time, and the holdout check's predicted and actual repeat
order days per frequency group."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from analytics.metrics import metric_get
from analytics.models import ModelFit, Snapshot
from analytics.presenters.charts import (
    Chart,
    Line,
    export_url,
    periods_of,
    time_chart,
    values_of,
)
from analytics.presenters.formatting import chart_format, decimal_text, value_text


def _definition() -> str:
    return f"{reverse('analytics:definitions')}#predictive-retention"


def p_alive_chart(row: Snapshot | None) -> Chart | None:
    """Customers per tenth of P(alive), from the latest night's snapshot."""
    counts = (row.components.get("p_alive_histogram") if row else None) or []
    if len(counts) != 10:
        return None
    labels = [f"{10 * i}–{10 * (i + 1)}%" for i in range(10)]
    colours = ["red"] * 3 + ["orange"] * 3 + ["green"] * 4
    spec = {
        "type": "bar",
        "format": chart_format("count"),
        "labels": labels,
        "datasets": [
            {
                "label": _("Customers"),
                "kind": "bar",
                "color": "primary",
                "colors": colours,
                "data": counts,
                "notes": None,
            }
        ],
        "stacked": False,
        "beginAtZero": True,
        "noLegend": True,
        "xTitle": _("P(alive)"),
    }
    total = sum(counts) or 1
    return Chart(
        key="p-alive",
        title=_("P(alive) across customers"),
        spec=spec,
        columns=[_("P(alive)"), _("Customers"), _("Share")],
        rows=[
            [label, value_text(n, "count"), value_text(100 * n / total, "percent")]
            for label, n in zip(labels, counts, strict=True)
        ],
        definition_url=_definition(),
        help=_("How likely each customer with an order is still buying, in tenths."),
    )


def clv_chart(rows: list[Snapshot]) -> Chart:
    """The average predictive 12-month CLV, one point per nightly fit."""
    metric = metric_get("predictive_clv")
    periods = periods_of(rows)
    p_alive = {
        row.period_start: value_text(100 * (row.components.get("mean_p_alive") or 0), "percent")
        for row in rows
    }
    high = {
        row.period_start: value_text(row.components.get("high_risk") or 0, "count") for row in rows
    }
    return time_chart(
        key="predictive-clv",
        title=str(metric.label),
        unit="money",
        periods=periods,
        lines=[Line(str(metric.label), values_of(rows), "green")],
        extra_columns=[(_("Mean P(alive)"), p_alive), (_("High risk"), high)],
        csv=[(str(metric.label), export_url(metric.key, "day", "all"))],
        definition_url=metric.definition_url,
        help=str(metric.help),
        begin_at_zero=True,
    )


def holdout_chart(fit: ModelFit | None) -> Chart | None:
    """Predicted against actual order days in the holdout weeks, per group of customers
    by repeat order days in the calibration period."""
    if fit is None or fit.status != ModelFit.Status.OK or not fit.checks:
        return None
    labels = [group["frequency"] for group in fit.checks]
    spec = {
        "type": "bar",
        "format": {**chart_format("ratio")},
        "labels": labels,
        "datasets": [
            {
                "label": _("Predicted"),
                "kind": "bar",
                "color": "azure",
                "data": [group["predicted"] for group in fit.checks],
                "notes": None,
            },
            {
                "label": _("Actual"),
                "kind": "bar",
                "color": "orange",
                "data": [group["actual"] for group in fit.checks],
                "notes": None,
            },
        ],
        "stacked": False,
        "beginAtZero": True,
        "xTitle": _("Repeat order days before the holdout"),
    }
    weeks = (fit.as_of - fit.calibration_end).days // 7
    customers = sum(group["customers"] for group in fit.checks)
    predicted = sum(group["predicted"] * group["customers"] for group in fit.checks)
    actual = sum(group["actual"] * group["customers"] for group in fit.checks)
    error = 100 * (predicted - actual) / actual if actual else None
    note = _(
        "Fitted on the orders up to %(end)s, then asked about the %(weeks)s weeks after: "
        "%(predicted)s repeat order days predicted for %(customers)s customers, "
        "%(actual)s happened (%(error)s)."
    ) % {
        "end": formats.date_format(fit.calibration_end, "SHORT_DATE_FORMAT"),
        "weeks": weeks,
        "predicted": decimal_text(predicted, 0),
        "customers": value_text(customers, "count"),
        "actual": decimal_text(actual, 0),
        "error": (_("%(n)s%% off") % {"n": decimal_text(error, 1)}) if error is not None else "n/a",
    }
    return Chart(
        key="holdout",
        title=_("Holdout check: predicted and actual order days"),
        spec=spec,
        columns=[_("Repeat order days"), _("Customers"), _("Predicted, mean"), _("Actual, mean")],
        rows=[
            [
                group["frequency"],
                value_text(group["customers"], "count"),
                decimal_text(group["predicted"], 2),
                decimal_text(group["actual"], 2),
            ]
            for group in fit.checks
        ],
        definition_url=_definition(),
        help=_(
            "Mean order days per customer in the holdout weeks, by how often they bought before."
        ),
        note=note,
    )
