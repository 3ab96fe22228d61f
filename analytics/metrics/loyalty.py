"""The loyalty programme: active members, points earned, redeemed and expired, the
redemption rate and the liability (docs/metrics.md "Support and loyalty")."""

from decimal import Decimal

from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_register, share

FLOWS = ("earned", "redeemed", "expired")


def register() -> None:
    for metric in (
        Metric(
            key="loyalty_active_members",
            label=gettext_lazy("Active loyalty members"),
            unit="count",
            anchor="support-and-loyalty",
            source="loyalty_members",
            value=lambda c: c["active_members"],
            components=("members", "active_members"),
            help=gettext_lazy("Members who earned or redeemed points in the last W days."),
        ),
        Metric(
            key="points_earned",
            label=gettext_lazy("Points earned"),
            unit="points",
            anchor="support-and-loyalty",
            source="loyalty_flows",
            components=FLOWS,
            value=lambda c: c["earned"],
        ),
        Metric(
            key="points_redeemed",
            label=gettext_lazy("Points redeemed"),
            unit="points",
            anchor="support-and-loyalty",
            source="loyalty_flows",
            components=FLOWS,
            value=lambda c: c["redeemed"],
            help=gettext_lazy("Net of cancelled vouchers."),
        ),
        Metric(
            key="points_expired",
            label=gettext_lazy("Points expired"),
            unit="points",
            anchor="support-and-loyalty",
            source="loyalty_flows",
            components=FLOWS,
            value=lambda c: c["expired"],
            higher_is_better=False,
        ),
        Metric(
            key="redemption_rate",
            label=gettext_lazy("Redemption rate"),
            unit="percent",
            anchor="support-and-loyalty",
            source="loyalty_flows",
            components=FLOWS,
            value=lambda c: share(c["redeemed"], c["earned"]),
            help=gettext_lazy("Points redeemed / points earned in the period."),
        ),
        Metric(
            key="liability",
            label=gettext_lazy("Points outstanding"),
            unit="points",
            anchor="support-and-loyalty",
            source="loyalty_members",
            value=lambda c: c["outstanding"],
            components=("outstanding", "members", "point_value"),
            extra=lambda c: {
                "liability": str(Decimal(c["outstanding"]) * Decimal(c["point_value"]))
            },
            higher_is_better=False,
            help=gettext_lazy("Unspent points at the period's end: the programme's liability."),
        ),
    ):
        metric_register(metric)
