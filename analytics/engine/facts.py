"""The per-customer facts table of one step: one pass over the orders.

For each boundary day j (the day before each period and each period's last day):

- a{j}: active at the end of day j (docs/metrics.md "Active customer"), from the last
  completed order day on or before j, `customer_since` and `closed_on`;
- b{j}, r{j} (where a period ends on day j): bought at least once, and on two or more
  days, by the end of day j;
- n{j}, v{j}: completed orders and their total placed in bucket j: after the end of
  boundary day j - 1, by the end of day j (the orders and revenue of a period, or to
  date, are sums of buckets, which the sources add up per group, not per customer).

For each calendar period k: y{k} (bought in it) and p{k} (bought on two or more days in
it). Then one column per dimension kind, and with
cohort months a bit mask of the months with an order day.

All of it comes from one pass over the completed orders grouped by customer, with a
conditional aggregate per boundary (the last order by it, the count and total in its
bucket, the first order after it); the nightly's pass reads only the month's orders and
puts them together with the figures kept from the older ones (engine/state.py).

The table is temporary: it lives in the step's transaction and connection only.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from analytics.dimensions import dimensions
from analytics.engine.groups import segment_column
from analytics.engine.sql import (
    bucket_sql,
    day_start,
    db_day,
    db_moment,
    execute,
    later_day_sql,
)
from analytics.periods import CALENDAR_TYPES, Period

FACTS = "analytics_facts"
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


def build(
    step: Step,
    *,
    months: list[datetime.date] | None = None,
    groups_=(),
    kept=None,
) -> None:
    """Create the facts table for `step` (dropping a leftover one first). With `months`
    (ascending month starts), a `mask` column holds one bit per month with an order day
    in it: bit i + 1 for months[i] (the acquisition cohorts). Each tracked segment of
    `groups_` gets a 0/1 membership column (groups.segment_column).

    With `kept` (analytics.engine.state.Kept: each customer's figures from the orders
    before its cut, brought up to date), only the orders from the cut on are read, and
    each figure is the kept one and the new one put together."""
    execute(f"DROP TABLE IF EXISTS {FACTS}")
    ends = [day_start(day + ONE_DAY) for day in step.boundaries]
    befores = {step.boundary(period.before) for period in step.calendar_periods}
    day_end = db_moment(day_start(step.as_of + ONE_DAY))

    # Inner select: one row per customer, its orders' figures and dimensions.
    inner_columns = [
        "c.id AS customer_id",
        "c.customer_since AS since",
        "c.closed_on AS closed_on",
    ]
    join, join_params = "", []
    if ends or months or first_order_kinds():
        if kept is None:
            orders_sql, join_params = order_pass(
                ends, befores=befores, months=months, upper=day_end
            )
            inner_columns += [f"o.{name}" for name in order_names(len(ends), befores, months)]
            inner_columns += ["o.first_at AS first_at"]
            inner_columns += [f"o.{kind} AS {kind}" for kind in first_order_kinds()]
            join = f"LEFT JOIN ({orders_sql}) o ON o.customer_id = c.id"
        else:
            columns, join, join_params = _with_kept(step, kept, befores, months, day_end)
            inner_columns += columns
    # Each dimension is a derived table of (customer_id, value), joined once: a few
    # set-based passes instead of a probe per customer.
    dimension_joins, dimension_params = [], []
    for dimension in dimensions():
        if dimension.first_order_column:
            if not join:
                inner_columns.append(f"NULL AS {dimension.kind}")
            continue
        alias = f"dim_{dimension.kind}"
        inner_columns.append(f"{alias}.value AS {dimension.kind}")
        dimension_joins.append(
            f"LEFT JOIN ({dimension.table_sql.format(day_end='%s')}) {alias} "
            f"ON {alias}.customer_id = c.id"
        )
        dimension_params += [day_end] * dimension.table_sql.count("{day_end}")
    segment_joins, segment_params, segment_columns = [], [], []
    for group in groups_:
        if group.segment_id is None:
            continue
        column = segment_column(group.segment_id)
        # DISTINCT: a rule over tags or orders may name a customer more than once.
        segment_joins.append(
            f"LEFT JOIN (SELECT DISTINCT q.member_id FROM ({group.segment_sql}) q) {column} "
            f"ON {column}.member_id = c.id"
        )
        segment_params += list(group.segment_params)
        inner_columns.append(f"CASE WHEN {column}.member_id IS NULL THEN 0 ELSE 1 END AS {column}")
        segment_columns.append(column)

    # Outer select: the flags. Windows compare instants; a business day is worked out
    # only where a comparison of days needs it (later_day_sql), so a million customers
    # cost a handful of time-zone conversions each, not one per boundary and period.
    window = settings.ACTIVITY_WINDOW_DAYS
    outer = ["customer_id", "since"] + [dimension.kind for dimension in dimensions()]
    outer += segment_columns
    if months:
        outer.append("COALESCE(mask, 0) AS mask")
    outer_params: list = []
    period_ends = {step.boundary(period.end) for period in step.calendar_periods}
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
        outer += [
            f"CASE WHEN {' AND '.join(active)} THEN 1 ELSE 0 END AS a{j}",
            f"COALESCE(n{j}, 0) AS n{j}",
            f"COALESCE(v{j}, 0) AS v{j}",
        ]
        if j in period_ends:
            # Bought, and on two or more days, by the end of a period: to-date figures.
            repeat, repeat_params = later_day_sql(f"l{j}", "first_at")
            outer += [
                f"CASE WHEN l{j} IS NOT NULL THEN 1 ELSE 0 END AS b{j}",
                f"CASE WHEN l{j} IS NOT NULL AND {repeat} THEN 1 ELSE 0 END AS r{j}",
            ]
            outer_params += repeat_params
    for k, period in enumerate(step.calendar_periods):
        # Bought in the period: an order after its day before (s) by its end (e); on two
        # or more days: the last by e is on a later day than that first one.
        s, e = step.boundary(period.before), step.boundary(period.end)
        repeat, repeat_params = later_day_sql(f"l{e}", f"f{s}")
        outer += [
            f"CASE WHEN f{s} < %s THEN 1 ELSE 0 END AS y{k}",
            f"CASE WHEN f{s} < %s AND {repeat} THEN 1 ELSE 0 END AS p{k}",
        ]
        outer_params += [db_moment(ends[e]), db_moment(ends[e]), *repeat_params]
    sql = (
        f"CREATE TEMPORARY TABLE {FACTS} AS SELECT "
        + ", ".join(outer)
        + " FROM (SELECT "
        + ", ".join(inner_columns)
        + f" FROM crm_customer c {join} {' '.join(dimension_joins + segment_joins)} "
        "WHERE c.customer_since <= %s) x"
    )
    # Parameters in the order the placeholders appear: the outer columns, the orders'
    # join, the dimensions, the segments, the WHERE.
    all_params = (
        outer_params + join_params + dimension_params + segment_params + [db_day(step.as_of)]
    )
    execute(sql, all_params)
    if connection.vendor == "postgresql":
        # Statistics for the joins only: the flag columns are many and never joined on.
        columns = ", ".join(["customer_id"] + [dimension.kind for dimension in dimensions()])
        execute(f"ANALYZE {FACTS} ({columns})")


def first_order_kinds() -> list[str]:
    return [dimension.kind for dimension in dimensions() if dimension.first_order_column]


def order_names(count: int, befores: set[int], months: list | None, *, first: int = 0) -> list:
    """The per-boundary columns of `order_pass`, in its order."""
    names = []
    for j in range(first, count):
        names += [f"l{j}", f"n{j}", f"v{j}"] + ([f"f{j}"] if j in befores else [])
    return names + (["mask"] if months else [])


def order_pass(
    ends: list,
    *,
    befores: set[int],
    months: list | None,
    upper,
    first: int = 0,
    lower=None,
    where: str = "",
    where_params=(),
) -> tuple[str, list]:
    """The one pass over the completed orders placed in [lower, upper), as a derived
    table of one row per customer (customer_id, order_names(), first_at, and the value
    of each first-order dimension on the first order), and its parameters.

    For each boundary j from `first`: the last order by the end of day j (l), the
    orders and their total in bucket j (n, v: placed after the end of boundary day
    j - 1, or from `lower` for the first, by the end of day j; each order adds to one
    bucket only), and where a period starts after j (`befores`), the first order after
    it (f). In customer order on the covering index (migration 0003), so PostgreSQL
    neither sorts nor hashes."""
    columns, params = [], []
    for j in range(first, len(ends)):
        moment = db_moment(ends[j])
        bucket = "placed_at < %s" if j == first else "placed_at >= %s AND placed_at < %s"
        bucket_params = [moment] if j == first else [db_moment(ends[j - 1]), moment]
        columns += [
            f"MAX(placed_at) FILTER (WHERE placed_at < %s) AS l{j}",
            f"COUNT(*) FILTER (WHERE {bucket}) AS n{j}",
            f"SUM(total) FILTER (WHERE {bucket}) AS v{j}",
        ]
        params += [moment, *bucket_params, *bucket_params]
        if j in befores:
            columns.append(f"MIN(placed_at) FILTER (WHERE placed_at >= %s) AS f{j}")
            params.append(moment)
    if months:
        bucket, bucket_params = bucket_sql("placed_at", [day_start(month) for month in months])
        # One bit per month with an order: bit_or on PostgreSQL; the sum of the distinct
        # powers of two is the same number on SQLite, which has no bit_or.
        aggregate = "BIT_OR" if connection.vendor == "postgresql" else "SUM(DISTINCT"
        closing = ")" if connection.vendor == "postgresql" else "))"
        bit = f"CAST(1 AS BIGINT) << {bucket}"
        columns.append(f"{aggregate}({bit}{closing} FILTER (WHERE placed_at >= %s) AS mask")
        params += [*bucket_params, db_moment(day_start(months[0]))]
    # The first moment per value of each first-order dimension; the value whose first
    # order is the customer's first is the dimension (the least value on a tie).
    resolved, resolved_params = [], []
    for dimension in dimensions():
        if not dimension.first_order_column:
            continue
        values = sorted(dimension.first_order_values())
        for i, value in enumerate(values):
            columns.append(
                f"MIN(placed_at) FILTER (WHERE {dimension.first_order_column} = %s) "
                f"AS {dimension.kind}_{i}"
            )
            params.append(value)
        whens = " ".join(
            f"WHEN p.{dimension.kind}_{i} = p.first_at THEN %s" for i in range(len(values))
        )
        resolved.append(f"CASE {whens} END AS {dimension.kind}")
        resolved_params += values
    columns.append("MIN(placed_at) AS first_at")
    conditions = ["status = 'completed'", "placed_at < %s"]
    condition_params = [upper]
    if lower is not None:
        conditions.append("placed_at >= %s")
        condition_params.append(lower)
    if where:
        conditions.append(where)
        condition_params += list(where_params)
    names = order_names(len(ends), befores, months, first=first)
    sql = (
        "SELECT p.customer_id, "
        + ", ".join([f"p.{name}" for name in names] + ["p.first_at"] + resolved)
        + " FROM (SELECT customer_id, "
        + ", ".join(columns)
        + " FROM crm_order WHERE "
        + " AND ".join(conditions)
        + " GROUP BY customer_id) p"
    )
    return sql, resolved_params + params + condition_params


def _with_kept(step: Step, kept, befores, months, day_end) -> tuple[list, str, list]:
    """The inner columns and joins when the figures before `kept.cut` are kept."""
    columns, orders_sql, params = with_kept(
        kept.days, kept.cut, step.boundaries, befores=befores, months=months, upper=day_end
    )
    join = (
        f"LEFT JOIN {kept.table} s ON s.customer_id = c.id "
        f"LEFT JOIN ({orders_sql}) o ON o.customer_id = c.id"
    )
    return columns, join, params


def with_kept(
    kept_days: list[datetime.date],
    cut: datetime.date,
    days: list[datetime.date],
    *,
    befores: set[int],
    months: list | None,
    upper,
    shift: int = 0,
) -> tuple[list, str, list]:
    """Each customer's figures at the boundary `days` (ascending), put together from
    kept ones (alias s: the orders before `cut`, at `kept_days`, whose last is the day
    before `cut`) and a pass over the orders from `cut` on, before `upper` (alias o, the
    returned SQL). Returns the columns (named and ordered as `order_pass` names them,
    then mask, first_at and the first-order dimensions), the pass and its parameters.

    A boundary day before the cut must be a kept day: its last order is the kept one and
    its bucket sums the kept buckets since the previous boundary. The first boundary
    from the cut on also adds the kept buckets after that one (all of them when no
    boundary is before the cut), and a later one adds the new orders to the last order
    kept. With `shift`, the kept month mask is `shift` months older than `months` (the
    kept figures rolled forward to a later month: engine/state.py)."""
    ends = [day_start(day + ONE_DAY) for day in days]
    before_cut = [day for day in days if day < cut]
    m = len(before_cut) - 1  # the last boundary before the cut (-1: none)
    index = [kept_days.index(day) for day in before_cut]
    last = len(kept_days) - 1
    columns = []
    for j in range(len(ends)):
        if j <= m:
            i, previous = index[j], (index[j - 1] if j else -1)
            columns.append(f"s.l{i} AS l{j}")
            kept_buckets = range(previous + 1, i + 1)
            columns.append(" + ".join(f"COALESCE(s.n{b}, 0)" for b in kept_buckets) + f" AS n{j}")
            columns.append(" + ".join(f"COALESCE(s.v{b}, 0)" for b in kept_buckets) + f" AS v{j}")
            if j in befores:
                first = f"COALESCE(s.f{i}, o.first_at)" if i < last else "o.first_at"
                columns.append(f"{first} AS f{j}")
            continue
        columns.append(f"COALESCE(o.l{j}, s.l{last}) AS l{j}")
        rest = range(index[m] + 1 if m >= 0 else 0, last + 1) if j == m + 1 else range(0)
        if rest:
            for name in ("n", "v"):
                kept_sum = " + ".join(f"COALESCE(s.{name}{b}, 0)" for b in rest)
                columns.append(f"COALESCE(o.{name}{j}, 0) + {kept_sum} AS {name}{j}")
        else:
            columns += [f"COALESCE(o.n{j}, 0) AS n{j}", f"o.v{j}"]
        if j in befores:
            columns.append(f"o.f{j}")
    if months:
        kept_mask = f"((COALESCE(s.mask, 0) >> {shift}) & -2)" if shift else "COALESCE(s.mask, 0)"
        columns.append(f"({kept_mask} | COALESCE(o.mask, 0)) AS mask")
    columns.append("COALESCE(s.first_at, o.first_at) AS first_at")
    columns += [f"COALESCE(s.{kind}, o.{kind}) AS {kind}" for kind in first_order_kinds()]
    orders_sql, params = order_pass(
        ends,
        befores={j for j in befores if j > m},
        months=months,
        upper=upper,
        first=m + 1,
        lower=db_moment(day_start(cut)),
    )
    return columns, orders_sql, params


def drop() -> None:
    execute(f"DROP TABLE IF EXISTS {FACTS}")
