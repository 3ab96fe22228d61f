"""The average predictive 12-month CLV (docs/metrics.md "Predictive retention"). The
snapshot engine does not compute it: the nightly fit (analytics.predictive.services)
writes one day row per night, so its series grows night by night."""

from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_register

SOURCE = "predictive"  # not an engine source: written by scores_recompute
KEY = "predictive_clv"


def register() -> None:
    metric_register(
        Metric(
            key=KEY,
            label=gettext_lazy("Average predictive CLV"),
            unit="money",
            anchor="predictive-retention",
            source=SOURCE,
            value=lambda c: None,
            components=("customers", "clv_total", "mean_p_alive", "high_risk"),
            period_types=("day",),
            help=gettext_lazy(
                "BG/NBD expected order days in the next 12 months times Gamma-Gamma "
                "expected spend, averaged over the customers with an order."
            ),
        )
    )
