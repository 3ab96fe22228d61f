"""Repeat purchase rate, average order value, purchase frequency, revenue and historical
lifetime value (docs/metrics.md "Purchases"). Amounts arrive in whole cents."""

from decimal import Decimal

from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_register, ratio, share


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def register() -> None:
    for metric in (
        Metric(
            key="revenue",
            label=gettext_lazy("Revenue"),
            unit="money",
            anchor="purchases-per-period-and-lifetime-to-date",
            source="customers",
            value=lambda c: _money(c["revenue_cents"]),
            components=("orders", "buyers"),
            extra=lambda c: {"revenue": str(_money(c["revenue_cents"]))},
            headline=True,
            help=gettext_lazy("Completed orders' totals in the period."),
        ),
        Metric(
            key="aov",
            label=gettext_lazy("Average order value"),
            unit="money",
            anchor="purchases-per-period-and-lifetime-to-date",
            source="customers",
            value=lambda c: ratio(_money(c["revenue_cents"]), c["orders"]),
            components=("orders",),
            extra=lambda c: {"revenue": str(_money(c["revenue_cents"]))},
            headline=True,
            help=gettext_lazy("Revenue / orders in the period."),
        ),
        Metric(
            key="purchase_frequency",
            label=gettext_lazy("Purchase frequency"),
            unit="ratio",
            anchor="purchases-per-period-and-lifetime-to-date",
            source="customers",
            value=lambda c: ratio(c["orders"], c["buyers"]),
            components=("orders", "buyers"),
            help=gettext_lazy("Orders / purchasing customers in the period."),
        ),
        Metric(
            key="repeat_purchase_rate",
            label=gettext_lazy("Repeat purchase rate"),
            unit="percent",
            anchor="purchases-per-period-and-lifetime-to-date",
            source="customers",
            value=lambda c: share(c["repeaters"], c["buyers"]),
            components=("buyers", "repeaters"),
            headline=True,
            help=gettext_lazy(
                "Customers with two or more order days / customers with one or more, in the period."
            ),
        ),
        Metric(
            key="repeat_purchase_rate_lifetime",
            label=gettext_lazy("Repeat purchase rate, lifetime"),
            unit="percent",
            anchor="purchases-per-period-and-lifetime-to-date",
            source="customers",
            value=lambda c: share(c["repeaters_to_date"], c["buyers_to_date"]),
            components=("buyers_to_date", "repeaters_to_date"),
            help=gettext_lazy("The same, over every order up to the period's end."),
        ),
        Metric(
            key="historical_clv",
            label=gettext_lazy("Historical lifetime value"),
            unit="money",
            anchor="purchases-per-period-and-lifetime-to-date",
            source="customers",
            value=lambda c: ratio(_money(c["revenue_to_date_cents"]), c["customers_to_date"]),
            components=("customers_to_date", "orders_to_date"),
            extra=lambda c: {"revenue_to_date": str(_money(c["revenue_to_date_cents"]))},
            headline=True,
            help=gettext_lazy("Revenue up to the period's end / customers acquired by then."),
        ),
    ):
        metric_register(metric)
