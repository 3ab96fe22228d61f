"""Sources: the set-based queries behind the metrics. Each returns
{(period index, dimension key): components} for every period of a step and every
dimension, in one query per dimension kind. Metrics (analytics.metrics) name a source
and turn its components into their value; a metric that needs other data brings a new
source here."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from analytics.engine.facts import FACTS, Step
from analytics.engine.groups import Group, grouped, rolled_up
from analytics.engine.sql import (
    bucket_sql,
    day_start,
    db_day,
    db_moment,
    execute,
    periods_cte,
    seconds_between,
)
from analytics.periods import ALL_TYPES, CALENDAR_TYPES, Period
from crm.models import Case
from loyalty.models import Account, LedgerEntry, Programme
from surveys.models import Response

ONE_DAY = datetime.timedelta(days=1)
CUSTOMER_KEYS = (
    "S",
    "E",
    "N",
    "K",
    "L",
    "R",
    "orders",
    "revenue_cents",
    "buyers",
    "repeaters",
    "customers_to_date",
    "orders_to_date",
    "revenue_to_date_cents",
    "buyers_to_date",
    "repeaters_to_date",
)
RESPONSE_KEYS = (
    "nps_n",
    "promoters",
    "passives",
    "detractors",
    "csat_n",
    "csat_sum",
    "csat_ok",
    "ces_n",
    "ces_sum",
    "ces_sq",
    "ces_ok",
)
FLOW_KEYS = ("earned", "redeemed", "expired")
FLOWS, BALANCES = "analytics_flows", "analytics_balances"
NO_DURATIONS = {"n": 0, "median_seconds": None, "p90_seconds": None, "mean_seconds": None}
Components = dict[tuple[int, str], dict]


@dataclass(frozen=True)
class Source:
    key: str
    period_types: tuple[str, ...]
    compute: Callable[[Step, list[Group]], Components]
    zero: dict  # the components of "all customers" when nothing matched (n = 0)


def _indexed(step: Step, types) -> list[tuple[int, Period]]:
    return [(i, period) for i, period in enumerate(step.periods) if period.type in types]


def customers(step: Step, groups: list[Group]) -> Components:
    """Retention (S, E, N, K, L, R) and purchases, in the period and to its end. Orders
    and revenue are summed per bucket (facts.py), once for every period: a period's are
    those of the buckets after its day before, up to its end; to date, every bucket up
    to its end."""
    indexed = _indexed(step, CALENDAR_TYPES)
    if not indexed:
        return {}
    columns = [f"SUM(n{j}) AS bn_{j}, SUM(v{j}) AS bv_{j}" for j in range(len(step.boundaries))]
    params = []
    for k, (_, period) in enumerate(indexed):
        s, e = step.boundary(period.before), step.boundary(period.end)
        new = "since >= %s AND since <= %s"
        columns += [
            f"SUM(a{s}) AS s_{k}",
            f"SUM(a{e}) AS e_{k}",
            f"SUM(a{s} * a{e}) AS k_{k}",
            f"SUM(CASE WHEN {new} THEN 1 ELSE 0 END) AS n_{k}",
            f"SUM(CASE WHEN {new} THEN a{e} ELSE 0 END) AS ne_{k}",
            f"SUM(y{k}) AS buyers_{k}",
            f"SUM(p{k}) AS repeaters_{k}",
            f"SUM(CASE WHEN since <= %s THEN 1 ELSE 0 END) AS customers_{k}",
            f"SUM(b{e}) AS buyers_td_{k}",
            f"SUM(r{e}) AS repeaters_td_{k}",
        ]
        start, end = db_day(period.start), db_day(period.end)
        params += [start, end, start, end, end]
    sql = f"SELECT {{dims}}, {', '.join(columns)} FROM {FACTS} f {{where}} {{group}}"
    rows = rolled_up(sql, params, groups_=groups, facts_alias="f")
    found: Components = {}
    for key, dim_rows in rows.items():
        row = dim_rows[0]
        orders = [int(row[f"bn_{j}"] or 0) for j in range(len(step.boundaries))]
        totals = [_decimal(row[f"bv_{j}"]) for j in range(len(step.boundaries))]
        for k, (index, period) in enumerate(indexed):
            s, e = step.boundary(period.before), step.boundary(period.end)
            kept, n, ne = (int(row[f"{name}_{k}"] or 0) for name in ("k", "n", "ne"))
            start, end = int(row[f"s_{k}"] or 0), int(row[f"e_{k}"] or 0)
            found[(index, key)] = {
                "S": start,
                "E": end,
                "N": n,
                "K": kept,
                "L": start - kept,
                "R": end - kept - ne,
                "orders": sum(orders[s + 1 : e + 1]),
                "revenue_cents": _cents(sum(totals[s + 1 : e + 1])),
                "buyers": int(row[f"buyers_{k}"] or 0),
                "repeaters": int(row[f"repeaters_{k}"] or 0),
                "customers_to_date": int(row[f"customers_{k}"] or 0),
                "orders_to_date": sum(orders[: e + 1]),
                "revenue_to_date_cents": _cents(sum(totals[: e + 1])),
                "buyers_to_date": int(row[f"buyers_td_{k}"] or 0),
                "repeaters_to_date": int(row[f"repeaters_td_{k}"] or 0),
            }
    return found


def _decimal(value) -> Decimal:
    """A sum of totals as PostgreSQL (numeric) or SQLite (a float) gives it."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cents(amount: Decimal) -> int:
    # Whole cents: exact on PostgreSQL; SQLite's float sums are rounded once, here.
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def responses(step: Step, groups: list[Group]) -> Components:
    """Survey answers submitted in each period: NPS, CSAT and CES counts. The answers are
    counted once per business day (and dimension), then each period sums its days, so
    overlapping trailing windows cost nothing more."""
    if not step.periods:
        return {}
    first = min(period.start for period in step.periods)
    last = max(period.end for period in step.periods)
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 2)]
    bucket, bucket_params = bucket_sql("r.submitted_at", [day_start(day) for day in days])
    table = Response._meta.db_table
    sql = (
        f"SELECT {bucket} AS b, {{dims}}, "
        "COUNT(CASE WHEN r.score_kind = 'nps' THEN 1 END) AS nps_n, "
        "COUNT(CASE WHEN r.score_kind = 'nps' AND r.score >= 9 THEN 1 END) AS promoters, "
        "COUNT(CASE WHEN r.score_kind = 'nps' AND r.score IN (7, 8) THEN 1 END) AS passives, "
        "COUNT(CASE WHEN r.score_kind = 'nps' AND r.score <= 6 THEN 1 END) AS detractors, "
        "COUNT(CASE WHEN r.score_kind = 'csat' THEN 1 END) AS csat_n, "
        "SUM(CASE WHEN r.score_kind = 'csat' THEN r.score ELSE 0 END) AS csat_sum, "
        "COUNT(CASE WHEN r.score_kind = 'csat' AND r.score >= 4 THEN 1 END) AS csat_ok, "
        "COUNT(CASE WHEN r.score_kind = 'ces' THEN 1 END) AS ces_n, "
        "SUM(CASE WHEN r.score_kind = 'ces' THEN r.score ELSE 0 END) AS ces_sum, "
        "SUM(CASE WHEN r.score_kind = 'ces' THEN r.score * r.score ELSE 0 END) AS ces_sq, "
        "COUNT(CASE WHEN r.score_kind = 'ces' AND r.score >= 5 THEN 1 END) AS ces_ok "
        f"FROM {table} r LEFT JOIN {FACTS} f ON f.customer_id = r.customer_id "
        "{where} {group}"
    )
    rows = rolled_up(
        sql,
        bucket_params,
        groups_=groups,
        facts_alias="f",
        where="r.score IS NOT NULL AND r.submitted_at >= %s AND r.submitted_at < %s",
        where_params=(db_moment(day_start(first)), db_moment(day_start(days[-1]))),
        extra_group="b",
    )
    found: Components = {}
    for key, dim_rows in rows.items():
        # Bucket b holds the answers of days[b - 1].
        per_day = {days[int(row["b"]) - 1]: row for row in dim_rows}
        for index, period in enumerate(step.periods):
            totals = dict.fromkeys(RESPONSE_KEYS, 0)
            day = period.start
            while day <= period.end:
                row = per_day.get(day)
                if row is not None:
                    for name in RESPONSE_KEYS:
                        totals[name] += int(row[name] or 0)
                day += ONE_DAY
            if totals["nps_n"] or totals["csat_n"] or totals["ces_n"]:
                found[(index, key)] = totals
    return found


def _percentile_positions(q_tenths: int) -> str:
    # Linear interpolation between ranks floor(h) + 1 and floor(h) + 2, h = (n - 1) q.
    return f"((n - 1) * {q_tenths}) / 10"


def _durations(step: Step, groups: list[Group], stamp: str) -> Components:
    table = Case._meta.db_table
    cte, params = periods_cte(step.periods)
    seconds = seconds_between(f"cs.{stamp}", "cs.opened_at")
    sql = (
        f"{cte}, d AS (SELECT p.idx AS idx, {{dim}} AS dim, {seconds} AS secs "
        f"FROM periods p JOIN {table} cs ON cs.{stamp} >= p.lo AND cs.{stamp} < p.hi "
        f"LEFT JOIN {FACTS} f ON f.customer_id = cs.customer_id {{where}}), "
        "ranked AS (SELECT idx, dim, secs, "
        "ROW_NUMBER() OVER (PARTITION BY idx, dim ORDER BY secs) AS rn, "
        "COUNT(*) OVER (PARTITION BY idx, dim) AS n, "
        "SUM(secs) OVER (PARTITION BY idx, dim) AS total FROM d) "
        "SELECT idx, dim, n, rn, secs, total FROM ranked WHERE rn IN ("
        f"{_percentile_positions(5)} + 1, {_percentile_positions(5)} + 2, "
        f"{_percentile_positions(9)} + 1, {_percentile_positions(9)} + 2)"
    )
    rows = grouped(sql, params, groups_=groups, facts_alias="f")
    found: Components = {}
    for key, dim_rows in rows.items():
        by_period: dict[int, dict[int, float]] = {}
        sizes: dict[int, tuple[int, float]] = {}
        for row in dim_rows:
            index = int(row["idx"])
            by_period.setdefault(index, {})[int(row["rn"])] = float(row["secs"])
            sizes[index] = (int(row["n"]), float(row["total"]))
        for index, ranks in by_period.items():
            n, total = sizes[index]

            def at(tenths: int, ranks=ranks, n=n) -> float:
                low, rest = divmod((n - 1) * tenths, 10)  # exact, as the SQL ranks it
                below = ranks[low + 1]
                above = ranks.get(low + 2, below)
                return below + rest / 10 * (above - below)

            found[(index, key)] = {
                "n": n,
                "median_seconds": round(at(5)),
                "p90_seconds": round(at(9)),
                "mean_seconds": round(total / n),
            }
    return found


def first_responses(step: Step, groups: list[Group]) -> Components:
    """Cases first answered in each period: time from opening to the first reply."""
    return _durations(step, groups, "first_response_at")


def resolutions(step: Step, groups: list[Group]) -> Components:
    """Cases resolved in each period: time from opening to resolution."""
    return _durations(step, groups, "resolved_at")


def _per_account(name: str, columns: list[str], params: list) -> None:
    """A temporary table of one row per loyalty account with `columns` aggregated over
    its ledger lines: the ledger is read once, then grouped per dimension."""
    entries, accounts = LedgerEntry._meta.db_table, Account._meta.db_table
    execute(f"DROP TABLE IF EXISTS {name}")
    execute(
        f"CREATE TEMPORARY TABLE {name} AS SELECT la.id AS account_id, la.customer_id, "
        f"{', '.join(columns)} FROM {accounts} la LEFT JOIN {entries} e ON e.account_id = la.id "
        "GROUP BY la.id, la.customer_id",
        params,
    )


def loyalty_flows(step: Step, groups: list[Group]) -> Components:
    """Points earned, redeemed (net of cancelled vouchers) and expired in each period."""
    indexed = _indexed(step, CALENDAR_TYPES)
    if not indexed:
        return {}
    inner, outer, params = [], [], []
    for k, (_, period) in enumerate(indexed):
        within = "e.created_at >= %s AND e.created_at < %s"
        lo = db_moment(day_start(period.start))
        hi = db_moment(day_start(period.end + ONE_DAY))
        inner += [
            f"SUM(CASE WHEN {within} AND e.kind = 'earn' THEN e.points ELSE 0 END) AS earned_{k}",
            f"SUM(CASE WHEN {within} AND (e.kind = 'redeem' OR (e.kind = 'reverse' AND "
            f"e.redemption_id IS NOT NULL)) THEN e.points ELSE 0 END) AS redeemed_{k}",
            f"SUM(CASE WHEN {within} AND e.kind = 'expire' THEN e.points ELSE 0 END) "
            f"AS expired_{k}",
        ]
        params += [lo, hi] * 3
        outer += [f"SUM({name}_{k}) AS {name}_{k}" for name in ("earned", "redeemed", "expired")]
    _per_account(FLOWS, inner, params)
    sql = (
        f"SELECT {{dims}}, {', '.join(outer)} FROM {FLOWS} a "
        f"LEFT JOIN {FACTS} f ON f.customer_id = a.customer_id {{where}} {{group}}"
    )
    rows = rolled_up(sql, [], groups_=groups, facts_alias="f")
    execute(f"DROP TABLE IF EXISTS {FLOWS}")
    found: Components = {}
    for key, dim_rows in rows.items():
        row = dim_rows[0]
        for k, (index, _) in enumerate(indexed):
            found[(index, key)] = {
                "earned": int(row[f"earned_{k}"] or 0),
                "redeemed": -int(row[f"redeemed_{k}"] or 0),
                "expired": -int(row[f"expired_{k}"] or 0),
            }
    return found


def loyalty_members(step: Step, groups: list[Group]) -> Components:
    """At each period's end: members, active members (earned or redeemed in the last W
    days) and the points outstanding (positive balances)."""
    indexed = _indexed(step, CALENDAR_TYPES)
    if not indexed:
        return {}
    window = settings.ACTIVITY_WINDOW_DAYS or 90
    inner, outer, params = [], [], []
    for k, (_, period) in enumerate(indexed):
        hi = db_moment(day_start(period.end + ONE_DAY))
        lo = db_moment(day_start(period.end - datetime.timedelta(days=window - 1)))
        inner += [
            f"SUM(CASE WHEN e.created_at < %s THEN e.points ELSE 0 END) AS bal_{k}",
            f"COUNT(CASE WHEN e.kind IN ('earn', 'redeem') AND e.created_at >= %s "
            f"AND e.created_at < %s THEN 1 END) AS act_{k}",
            f"MAX(CASE WHEN la.customer_id IS NOT NULL AND la.enrolled_at < %s THEN 1 ELSE 0 END)"
            f" AS mem_{k}",
        ]
        params += [hi, lo, hi, hi]
        outer += [
            f"SUM(mem_{k}) AS members_{k}",
            f"SUM(CASE WHEN mem_{k} = 1 AND act_{k} > 0 THEN 1 ELSE 0 END) AS active_{k}",
            f"SUM(CASE WHEN bal_{k} > 0 THEN bal_{k} ELSE 0 END) AS outstanding_{k}",
        ]
    _per_account(BALANCES, inner, params)
    sql = (
        f"SELECT {{dims}}, {', '.join(outer)} FROM {BALANCES} a "
        f"LEFT JOIN {FACTS} f ON f.customer_id = a.customer_id {{where}} {{group}}"
    )
    rows = rolled_up(sql, [], groups_=groups, facts_alias="f")
    execute(f"DROP TABLE IF EXISTS {BALANCES}")
    point_value = Programme.objects.values_list("point_value", flat=True).first() or 0
    found: Components = {}
    for key, dim_rows in rows.items():
        row = dim_rows[0]
        for k, (index, _) in enumerate(indexed):
            found[(index, key)] = {
                "point_value": str(point_value),
                "members": int(row[f"members_{k}"] or 0),
                "active_members": int(row[f"active_{k}"] or 0),
                "outstanding": int(row[f"outstanding_{k}"] or 0),
            }
    return found


SOURCES = {
    source.key: source
    for source in (
        Source("customers", CALENDAR_TYPES, customers, dict.fromkeys(CUSTOMER_KEYS, 0)),
        Source("responses", ALL_TYPES, responses, dict.fromkeys(RESPONSE_KEYS, 0)),
        Source("first_responses", CALENDAR_TYPES, first_responses, NO_DURATIONS),
        Source("resolutions", CALENDAR_TYPES, resolutions, NO_DURATIONS),
        Source("loyalty_flows", CALENDAR_TYPES, loyalty_flows, dict.fromkeys(FLOW_KEYS, 0)),
        Source(
            "loyalty_members",
            CALENDAR_TYPES,
            loyalty_members,
            {"members": 0, "active_members": 0, "outstanding": 0, "point_value": "0"},
        ),
    )
}
