"""Active and new customers, CRR, cohort retention, churn and reactivation
(docs/metrics.md "Retention over a period"). All from the customers source's S, E, N,
K, L and R, which every retention snapshot keeps."""

from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_register, share

SENKLR = ("S", "E", "N", "K", "L", "R")


def register() -> None:
    for metric in (
        Metric(
            key="active_customers",
            label=gettext_lazy("Active customers"),
            unit="count",
            anchor="active-lapsed-closed",
            source="customers",
            value=lambda c: c["E"],
            components=SENKLR,
            headline=True,
            help=gettext_lazy("Customers active at the end of the period."),
        ),
        Metric(
            key="new_customers",
            label=gettext_lazy("New customers"),
            unit="count",
            anchor="retention-over-a-period",
            source="customers",
            value=lambda c: c["N"],
            components=SENKLR,
            headline=True,
            help=gettext_lazy("Customers acquired in the period (N)."),
        ),
        Metric(
            key="crr",
            label=gettext_lazy("Customer retention rate (CRR)"),
            unit="percent",
            anchor="retention-over-a-period",
            source="customers",
            value=lambda c: share(c["E"] - c["N"], c["S"]),
            components=SENKLR,
            headline=True,
            help=gettext_lazy("(E - N) / S: the classic formula."),
        ),
        Metric(
            key="cohort_retention",
            label=gettext_lazy("Cohort retention"),
            unit="percent",
            anchor="retention-over-a-period",
            source="customers",
            value=lambda c: share(c["K"], c["S"]),
            components=SENKLR,
            headline=True,
            help=gettext_lazy(
                "K / S: the share of the customers active at the start who still are."
            ),
        ),
        Metric(
            key="churn_rate",
            label=gettext_lazy("Churn rate"),
            unit="percent",
            anchor="retention-over-a-period",
            source="customers",
            value=lambda c: share(c["L"], c["S"]),
            components=SENKLR,
            higher_is_better=False,
            headline=True,
            help=gettext_lazy(
                "L / S: the share of the customers active at the start who were lost."
            ),
        ),
        Metric(
            key="reactivated",
            label=gettext_lazy("Reactivated customers"),
            unit="count",
            anchor="retention-over-a-period",
            source="customers",
            value=lambda c: c["R"],
            components=SENKLR,
            help=gettext_lazy("Active at the end, not at the start, and not new (R)."),
        ),
    ):
        metric_register(metric)
