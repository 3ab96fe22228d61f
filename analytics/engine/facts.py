"""The per-customer facts table of one step: one pass over the orders.

For each boundary day j (the day before each period and each period's last day):

- a{j}: active at the end of day j (docs/metrics.md "Active customer"), from the last
  completed order day on or before j, `customer_since` and `closed_on`;
- b{j}, r{j}: bought at least once, and on two or more days, by the end of day j;
- c{j}, v{j}: completed orders and revenue (in cents) by the end of day j.

For each calendar period k: o{k}, m{k} (orders and revenue in cents in the period) and
p{k} (bought on two or more days in it). Then one column per dimension kind.

The table is temporary: it lives in the step's transaction and connection only.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from analytics.dimensions import dimensions
from analytics.engine.sql import (
    after_day_sql,
    bucket_sql,
    day_marker_sql,
    day_start,
    db_day,
    db_moment,
    execute,
    later_day_sql,
)
from analytics.periods import CALENDAR_TYPES, Period

FACTS = "analytics_facts"
BUCKETS = "analytics_buckets"
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Step:
    """One unit of work: every metric for `periods`, as of `as_of`, in one transaction."""

    as_of: datetime.date
    periods: list[Period]
    boundaries: list[datetime.date] = field(init=False)

    def __post_init__(self):
        days = set()
        for period in self.calendar_periods:
            days.update((period.before, period.end))
        self.boundaries = sorted(days)

    @property
    def calendar_periods(self) -> list[Period]:
        return [period for period in self.periods if period.type in CALENDAR_TYPES]

    def boundary(self, day: datetime.date) -> int:
        return self.boundaries.index(day)


def _cents(sql: str) -> str:
    # Whole cents: exact on SQLite too, whose decimals are floating point.
    return f"CAST(ROUND(({sql}) * 100) AS BIGINT)"


def build(step: Step) -> None:
    """Create the facts table for `step` (dropping a leftover one first)."""
    execute(f"DROP TABLE IF EXISTS {FACTS}")
    params: list = []
    order_columns: list[str] = []
    for j in range(len(step.boundaries)):
        # b <= j: placed before the end of boundary day j.
        order_columns += [
            f"MAX(CASE WHEN b <= {j} THEN hi END) AS l{j}",
            f"SUM(CASE WHEN b <= {j} THEN n END) AS c{j}",
            f"SUM(CASE WHEN b <= {j} THEN v END) AS v{j}",
        ]
    for k, period in enumerate(step.calendar_periods):
        # The period runs from the end of its day before to the end of its last day.
        first, last = step.boundary(period.before) + 1, step.boundary(period.end)
        within = f"b >= {first} AND b <= {last}"
        order_columns += [
            f"SUM(CASE WHEN {within} THEN n END) AS o{k}",
            f"SUM(CASE WHEN {within} THEN v END) AS m{k}",
            f"MIN(CASE WHEN {within} THEN lo END) AS pmin{k}",
            f"MAX(CASE WHEN {within} THEN hi END) AS pmax{k}",
        ]
    if order_columns:
        _buckets(step)
    day_end = db_moment(day_start(step.as_of + ONE_DAY))

    # Inner select: one row per customer, its orders' figures and dimensions.
    inner_columns = [
        "c.id AS customer_id",
        "c.customer_since AS since",
        "c.closed_on AS closed_on",
    ]
    marker, marker_params = day_marker_sql("c.first_order_at")
    inner_columns.append(f"{marker} AS first_day")
    # Each dimension is a derived table of (customer_id, value), joined once: a few
    # set-based passes instead of a probe per customer.
    dimension_joins, dimension_params = [], []
    for dimension in dimensions():
        alias = f"dim_{dimension.kind}"
        inner_columns.append(f"{alias}.value AS {dimension.kind}")
        dimension_joins.append(
            f"LEFT JOIN ({dimension.table_sql.format(day_end='%s')}) {alias} "
            f"ON {alias}.customer_id = c.id"
        )
        dimension_params += [day_end] * dimension.table_sql.count("{day_end}")
    join = ""
    if order_columns:
        for j in range(len(step.boundaries)):
            inner_columns += [f"o.l{j} AS l{j}", f"o.c{j} AS c{j}", f"o.v{j} AS v{j}"]
        for k in range(len(step.calendar_periods)):
            inner_columns += [f"o.{name}{k} AS {name}{k}" for name in ("o", "m", "pmin", "pmax")]
        join = (
            "LEFT JOIN (SELECT customer_id, "
            + ", ".join(order_columns)
            + f" FROM {BUCKETS} GROUP BY customer_id) o ON o.customer_id = c.id"
        )

    # Outer select: the flags. Windows compare instants; a business day is worked out
    # only where a comparison of days needs it (later_day_sql), so a million customers
    # cost a handful of time-zone conversions each, not one per boundary and period.
    window = settings.ACTIVITY_WINDOW_DAYS
    outer = ["customer_id", "since"] + [dimension.kind for dimension in dimensions()]
    outer_params: list = []
    for j, day in enumerate(step.boundaries):
        reopened, reopened_params = later_day_sql(f"l{j}", "closed_on", earlier_is_date=True)
        active = [
            "since <= %s",
            f"(CASE WHEN closed_on IS NULL OR closed_on > %s THEN 1 "
            f"WHEN {reopened} THEN 1 ELSE 0 END) = 1",
        ]
        outer_params += [db_day(day), db_day(day), *reopened_params]
        if window is not None:
            first_day = day - datetime.timedelta(days=window - 1)
            active.append(f"(since >= %s OR l{j} >= %s)")
            outer_params += [db_day(first_day), db_moment(day_start(first_day))]
        repeat, repeat_params = after_day_sql(f"l{j}", "first_day")
        outer += [
            f"CASE WHEN {' AND '.join(active)} THEN 1 ELSE 0 END AS a{j}",
            f"CASE WHEN l{j} IS NOT NULL THEN 1 ELSE 0 END AS b{j}",
            f"CASE WHEN l{j} IS NOT NULL AND {repeat} THEN 1 ELSE 0 END AS r{j}",
            f"COALESCE(c{j}, 0) AS c{j}",
            f"COALESCE(v{j}, 0) AS v{j}",
        ]
        outer_params += repeat_params
    for k in range(len(step.calendar_periods)):
        repeat, repeat_params = later_day_sql(f"pmax{k}", f"pmin{k}")
        outer += [
            f"COALESCE(o{k}, 0) AS o{k}",
            f"COALESCE(m{k}, 0) AS m{k}",
            f"CASE WHEN pmin{k} IS NOT NULL AND {repeat} THEN 1 ELSE 0 END AS p{k}",
        ]
        outer_params += repeat_params
    sql = (
        f"CREATE TEMPORARY TABLE {FACTS} AS SELECT "
        + ", ".join(outer)
        + " FROM (SELECT "
        + ", ".join(inner_columns)
        + f" FROM crm_customer c {join} {' '.join(dimension_joins)} "
        "WHERE c.customer_since <= %s) x"
    )
    # Parameters in the order the placeholders appear: inner columns, the join, WHERE,
    # then the outer columns come first in the text, so they lead.
    all_params = outer_params + marker_params + params + dimension_params + [db_day(step.as_of)]
    execute(sql, all_params)
    execute(f"CREATE INDEX {FACTS}_customer ON {FACTS} (customer_id)")
    if connection.vendor == "postgresql":
        # Statistics for the joins only: the flag columns are many and never joined on.
        columns = ", ".join(["customer_id"] + [dimension.kind for dimension in dimensions()])
        execute(f"ANALYZE {FACTS} ({columns})")


def _buckets(step: Step) -> None:
    """The one pass over the orders: per customer and bucket, where bucket b holds the
    orders placed from the end of boundary day b - 1 to the end of boundary day b
    (PostgreSQL's width_bucket; a CASE on SQLite), their count, revenue in cents, first
    and last moment. Every per-boundary and per-period figure is then a sum over a few
    buckets per customer instead of hundreds of CASEs per order."""
    ends = [day_start(day + ONE_DAY) for day in step.boundaries]
    bucket, bucket_params = bucket_sql("placed_at", ends)
    execute(f"DROP TABLE IF EXISTS {BUCKETS}")
    execute(
        f"CREATE TEMPORARY TABLE {BUCKETS} AS SELECT customer_id, {bucket} AS b, "
        f"COUNT(*) AS n, SUM({_cents('total')}) AS v, MIN(placed_at) AS lo, "
        "MAX(placed_at) AS hi FROM crm_order WHERE status = 'completed' AND placed_at < %s "
        f"GROUP BY customer_id, {bucket}",
        bucket_params + [db_moment(ends[-1])] + bucket_params,
    )
    if connection.vendor == "postgresql":
        execute(f"ANALYZE {BUCKETS}")  # the planner sizes the per-customer aggregate


def drop() -> None:
    execute(f"DROP TABLE IF EXISTS {FACTS}")
    execute(f"DROP TABLE IF EXISTS {BUCKETS}")
