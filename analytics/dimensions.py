"""Dimensions: the groups of customers every figure is also computed for.

"all" is every customer. Each kind below is one column of the per-customer facts table
(`analytics.engine.facts`), read from one small set-based query of (customer, value);
each tracked segment (crm's `Segment.tracked`) is one more group, its members as of the
step's day. A dimension describes the customer as of the day computed: the NPS category
of the latest answer on or before it and the channel of the first order by it (none
before the first order); the loyalty tier
and a segment's conditions on points are read as they stand when the step runs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy

ALL = "all"


@dataclass(frozen=True)
class Dimension:
    kind: str  # the key's prefix: "tier" in "tier:3"
    label: str
    labels: Callable[[], dict[str, str]]  # value -> label, read when pages show it
    # SQL giving at most one row (customer_id, value) per customer; "{day_end}" stands
    # for the instant the step's day ends.
    table_sql: str = ""
    # Or: a column of crm_order whose value on the customer's first completed order (by
    # the step's day) is the dimension, with its possible values. The facts' one pass
    # over the orders reads it (the first moment per value), with no query of its own.
    first_order_column: str = ""
    first_order_values: Callable[[], list[str]] | None = None


_dimensions: dict[str, Dimension] = {}


def dimension_register(dimension: Dimension) -> None:
    if dimension.kind in _dimensions or dimension.kind in (ALL, "segment"):
        raise ValueError(f"dimension {dimension.kind!r} is already registered")
    _dimensions[dimension.kind] = dimension


def dimensions() -> list[Dimension]:
    return list(_dimensions.values())


def _tier_labels() -> dict[str, str]:
    from loyalty.models import Tier

    return {str(pk): name for pk, name in Tier.objects.values_list("pk", "name")}


def _nps_labels() -> dict[str, str]:
    return {
        "promoter": str(gettext_lazy("Promoters")),
        "passive": str(gettext_lazy("Passives")),
        "detractor": str(gettext_lazy("Detractors")),
    }


def _channel_values() -> list[str]:
    from crm.models import Order

    return list(Order.Channel.values)


def _channel_labels() -> dict[str, str]:
    from crm.models import Order

    return {value: str(label) for value, label in Order.Channel.choices}


def _latest_nps_sql() -> str:
    """Each customer's latest NPS answer's category (docs/metrics.md: promoters 9-10,
    passives 7-8, detractors 0-6)."""
    category = (
        "CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive' ELSE 'detractor' END"
    )
    answers = (
        "FROM surveys_response WHERE customer_id IS NOT NULL AND score_kind = 'nps' "
        "AND score IS NOT NULL AND submitted_at < {day_end}"
    )
    if connection.vendor == "postgresql":
        # The first row per customer of the index in its order (migration 0005): 0.4 s
        # for a million answers, against 1.1 s numbering them.
        return (
            f"SELECT DISTINCT ON (customer_id) customer_id, {category} AS value {answers} "
            "ORDER BY customer_id, submitted_at DESC, id DESC"
        )
    return (
        f"SELECT customer_id, {category} AS value FROM (SELECT customer_id, score, "
        "ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY submitted_at DESC, id DESC) "
        f"AS latest {answers}) r WHERE latest = 1"
    )


def register() -> None:
    dimension_register(
        Dimension(
            kind="tier",
            label=gettext_lazy("Loyalty tier"),
            table_sql=(
                "SELECT customer_id, tier_id AS value FROM loyalty_account "
                "WHERE customer_id IS NOT NULL AND tier_id IS NOT NULL"
            ),
            labels=_tier_labels,
        )
    )
    dimension_register(
        Dimension(
            kind="nps",
            label=gettext_lazy("Latest NPS answer"),
            # docs/metrics.md: promoters 9-10, passives 7-8, detractors 0-6.
            table_sql=_latest_nps_sql(),
            labels=_nps_labels,
        )
    )
    dimension_register(
        Dimension(
            kind="channel",
            label=gettext_lazy("First order's channel"),
            first_order_column="channel",
            first_order_values=_channel_values,
            labels=_channel_labels,
        )
    )
