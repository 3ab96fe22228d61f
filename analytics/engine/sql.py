"""Small helpers that write the same SQL for SQLite and PostgreSQL."""

import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone


def day_start(day: datetime.date) -> datetime.datetime:
    """The instant a business day starts (TIME_ZONE), aware."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def db_moment(moment: datetime.datetime):
    """An aware datetime as a query parameter: SQLite keeps UTC text."""
    if connection.vendor == "postgresql":
        return moment
    return connection.ops.adapt_datetimefield_value(moment)


def db_day(day: datetime.date):
    if connection.vendor == "postgresql":
        return day
    return connection.ops.adapt_datefield_value(day)


def local_date(sql: str) -> tuple[str, tuple]:
    """SQL for the business day of a timestamp expression, with its parameters."""
    return connection.ops.datetime_cast_date_sql(sql, (), settings.TIME_ZONE)


def seconds_between(later: str, earlier: str) -> str:
    """SQL for the seconds from one timestamp expression to another."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def periods_cte(periods) -> tuple[str, list]:
    """`WITH periods(idx, lo, hi)`: each period's index and its instants [lo, hi)."""
    rows, params = [], []
    for index, period in enumerate(periods):
        rows.append("(%s, %s, %s)")
        params += [
            index,
            db_moment(day_start(period.start)),
            db_moment(day_start(period.end + datetime.timedelta(days=1))),
        ]
    if connection.vendor == "postgresql":
        # Typed first row, so PostgreSQL compares timestamps, not text.
        rows[0] = "(%s::integer, %s::timestamptz, %s::timestamptz)"
    return "WITH periods(idx, lo, hi) AS (VALUES " + ", ".join(rows) + ")", params


def fetch_dicts(sql: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def bucket_sql(column: str, thresholds: list) -> tuple[str, list]:
    """SQL for how many of the ascending `thresholds` (instants) are at or before
    `column`: PostgreSQL's width_bucket (a binary search), a CASE chain on SQLite."""
    values = [db_moment(moment) for moment in thresholds]
    if connection.vendor == "postgresql":
        return f"width_bucket({column}, %s::timestamptz[])", [values]
    whens = " ".join(f"WHEN {column} < %s THEN {i}" for i in range(len(values)))
    return f"CASE {whens} ELSE {len(values)} END", values


# No business day lasts 48 hours: two instants that far apart fall on different days.
SURELY_ANOTHER_DAY = "interval '48 hours'"


def later_day_sql(later: str, earlier: str, *, earlier_is_date: bool = False) -> tuple[str, list]:
    """SQL for "the business day of timestamp `later` is after `earlier`" (a timestamp's
    business day, or a date column). On PostgreSQL it compares `later` with the instant
    the next business day starts, converting `earlier` only, and only when the two
    instants are less than two days apart (most pairs are not); SQLite compares days."""
    zone = settings.TIME_ZONE
    if connection.vendor == "postgresql":
        if earlier_is_date:
            return f"{later} >= ((({earlier}) + 1)::timestamp AT TIME ZONE %s)", [zone]
        next_day = f"(((({earlier}) AT TIME ZONE %s)::date + 1)::timestamp AT TIME ZONE %s)"
        return (
            f"(CASE WHEN {later} >= ({earlier}) + {SURELY_ANOTHER_DAY} THEN 1 "
            f"WHEN {later} <= ({earlier}) THEN 0 WHEN {later} >= {next_day} THEN 1 ELSE 0 END)"
            " = 1",
            [zone, zone],
        )
    later_day, later_params = local_date(later)
    if earlier_is_date:
        return f"{later_day} > {earlier}", list(later_params)
    earlier_day, earlier_params = local_date(earlier)
    return f"{later_day} > {earlier_day}", list(later_params) + list(earlier_params)
