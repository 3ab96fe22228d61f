"""Run one aggregate query per dimension kind and key the rows by dimension.

A query is written once with two placeholders: `{dim}` (the grouping column, or NULL)
and `{where}` (the group's filter). `grouped()` runs it for "all", for each dimension
kind of the facts table, and for each tracked segment."""

import datetime
from dataclasses import dataclass

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
        members = Customer.objects.filter(rule_q(segment.rule, today=as_of)).values("pk")
        sql, params = members.query.sql_with_params()
        result.append(
            Group("segment", segment_id=segment.pk, segment_sql=sql, segment_params=params)
        )
    return result


def grouped(
    sql: str,
    params: list,
    *,
    groups_: list[Group],
    facts_alias: str,
    customer_column: str,
    where: str = "",
    where_params: tuple = (),
    extra_group: str = "",
) -> dict[str, list[dict]]:
    """{dimension key: rows}. `sql` holds `{dim}`, `{where}` and `{group}`; rows carry
    `dim` (the group's value) and whatever `sql` selects."""
    found: dict[str, list[dict]] = {}
    for group in groups_:
        conditions = [where] if where else []
        query_params = list(params) + list(where_params)
        if group.column:
            dim = f"{facts_alias}.{group.column}"
            conditions.append(f"{dim} IS NOT NULL")
        else:
            dim = "NULL"
        if group.segment_id is not None:
            conditions.append(f"{customer_column} IN ({group.segment_sql})")
            query_params += list(group.segment_params)
        group_by = [part for part in (extra_group, dim if group.column else "") if part]
        text = sql.format(
            dim=dim,
            where=("WHERE " + " AND ".join(conditions)) if conditions else "",
            group=("GROUP BY " + ", ".join(group_by)) if group_by else "",
        )
        for row in fetch_dicts(text, query_params):
            found.setdefault(group.key(row["dim"]), []).append(row)
    return found
