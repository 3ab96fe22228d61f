"""Key an aggregate query's rows by dimension.

A query is written once with placeholders. `rolled_up()` (sums and counts) runs it once,
grouped by every dimension column of the facts table at once (`{dims}`), and adds each
row into "all", its dimension values and its tracked segments in Python: one pass over
the data for every group. `grouped()` (figures that do not add up, such as medians) runs
it once per group: `{dim}` is the grouping column or NULL, `{where}` the group's
filter. Each tracked segment is a 0/1 column of the facts table (`segment_column`)."""

import datetime
from dataclasses import dataclass

from django.db.models import F

from analytics.dimensions import ALL, dimensions
from analytics.engine.sql import fetch_dicts
from crm.models import Customer, Segment
from crm.segments import rule_q


@dataclass(frozen=True)
class Group:
    kind: str  # "all", a dimension kind, or "segment"
    column: str | None = None  # the facts column grouped on
    segment_id: int | None = None
    segment_sql: str = ""
    segment_params: tuple = ()

    def key(self, value) -> str:
        if self.kind == ALL:
            return ALL
        if self.segment_id is not None:
            return f"segment:{self.segment_id}"
        return f"{self.kind}:{value}"


def groups(*, as_of: datetime.date) -> list[Group]:
    result = [Group(ALL)]
    result += [Group(dimension.kind, column=dimension.kind) for dimension in dimensions()]
    for segment in Segment.objects.filter(tracked=True).order_by("pk"):
        members = (
            Customer.objects.filter(rule_q(segment.rule, today=as_of))
            .annotate(member_id=F("pk"))
            .values("member_id")
        )
        sql, params = members.query.sql_with_params()
        result.append(
            Group("segment", segment_id=segment.pk, segment_sql=sql, segment_params=params)
        )
    return result


def grouped(sql: str, params: list, *, groups_: list[Group], facts_alias: str) -> dict:
    """{dimension key: rows}, one query per group. `sql` holds `{dim}`, `{where}` and
    `{group}`; rows carry `dim` (the group's value) and whatever `sql` selects."""
    found: dict[str, list[dict]] = {}
    for group in groups_:
        conditions = []
        if group.column:
            dim = f"{facts_alias}.{group.column}"
            conditions.append(f"{dim} IS NOT NULL")
        else:
            dim = "NULL"
        if group.segment_id is not None:
            conditions.append(f"{facts_alias}.{segment_column(group.segment_id)} = 1")
        text = sql.format(
            dim=dim,
            where=("WHERE " + " AND ".join(conditions)) if conditions else "",
            group=f"GROUP BY {dim}" if group.column else "",
        )
        for row in fetch_dicts(text, params):
            found.setdefault(group.key(row["dim"]), []).append(row)
    return found


def segment_column(segment_id: int) -> str:
    return f"seg{segment_id}"


def rolled_up(
    sql: str,
    params: list,
    *,
    groups_: list[Group],
    facts_alias: str,
    where: str = "",
    where_params: tuple = (),
    extra_group: str = "",
) -> dict[str, list[dict]]:
    """{dimension key: rows} for a query of sums and counts only, in one query: `sql`
    holds `{dims}` (the dimension columns), `{where}` and `{group}`; rows carry `dim`,
    the `extra_group` column (if any) and the sums."""
    columns = []  # (alias, group, column expression)
    for group in groups_:
        if group.column:
            columns.append((f"d_{group.kind}", group, f"{facts_alias}.{group.column}"))
        elif group.segment_id is not None:
            column = segment_column(group.segment_id)
            columns.append((f"d_{column}", group, f"{facts_alias}.{column}"))
    dims = ", ".join(["NULL AS dim"] + [f"{expr} AS {alias}" for alias, _, expr in columns])
    group_by = [part for part in [extra_group] + [expr for _, _, expr in columns] if part]
    text = sql.format(
        dims=dims,
        where=f"WHERE {where}" if where else "",
        group=("GROUP BY " + ", ".join(group_by)) if group_by else "",
    )
    extra = extra_group.split(".")[-1] if extra_group else ""
    skip = {"dim", extra} | {alias for alias, _, _ in columns}
    found: dict[tuple[str, object], dict] = {}
    for row in fetch_dicts(text, list(params) + list(where_params)):
        keys = [ALL]
        for alias, group, _ in columns:
            value = row[alias]
            if group.segment_id is not None:
                if value:
                    keys.append(group.key(None))
            elif value is not None:
                keys.append(group.key(value))
        sums = {name: value for name, value in row.items() if name not in skip}
        for key in keys:
            target = found.setdefault(
                (key, row.get(extra)), {"dim": None, **({extra: row[extra]} if extra else {})}
            )
            for name, value in sums.items():
                if value is not None:
                    target[name] = (target.get(name) or 0) + value
                else:
                    target.setdefault(name, None)
    result: dict[str, list[dict]] = {}
    for (key, _), row in found.items():
        result.setdefault(key, []).append(row)
    return result
