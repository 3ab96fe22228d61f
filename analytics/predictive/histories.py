"""The one pass over the orders that the predictive models read: each customer's
order-day summary up to a calibration end (docs/metrics.md "Predictive retention"),
as numpy arrays. Read-only; `analytics.predictive.services` fits and scores them."""

import datetime
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from analytics.engine.sql import day_start, db_day, db_moment, local_date

FETCH_ROWS = 100_000


@dataclass
class Histories:
    """Each customer's order days up to the calibration end, as arrays in customer order:
    x (repeat order days), t_x and T (weeks), the mean spend per repeat order day, and
    the order days after the calibration end (the holdout's actual figure)."""

    customer_id: np.ndarray
    first_day: np.ndarray  # day numbers (days since 1970-01-01)
    last_day: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    mean_spend: np.ndarray  # 0 where x = 0
    later_days: np.ndarray
    revenue: np.ndarray  # completed orders' totals up to the calibration end

    def __len__(self) -> int:
        return len(self.customer_id)


def _day_number(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"({expression} - DATE '1970-01-01')"
    return f"CAST(julianday({expression}) - 2440587.5 AS INTEGER)"


# A customer's first order day and its spend in one sortable number: MIN() of it gives
# both without a window function (a sort of every order day).
FIRST_KEY = 10**12  # cents below it; day numbers above
# PostgreSQL for the one pass, in its transaction only. Nearly every (customer, day) is
# its own group, which the planner cannot know: a hash aggregate of ~10 M groups spills
# to disk, and through a cursor it would even walk the customer index (random reads).
# A parallel sort and two streaming aggregates take ~13 s for 10 M orders (make bench).
PASS_SETTINGS = (
    "work_mem = '256MB'",
    "jit = off",
    "cursor_tuple_fraction = 1.0",
    "enable_hashagg = off",
    "enable_indexscan = off",
    "enable_bitmapscan = off",
)


def histories_read(
    *, as_of: datetime.date, calibration_end: datetime.date | None = None
) -> Histories:
    """One pass over the completed orders placed by the end of `as_of`: per customer and
    business day, then per customer (only customers whose first order day is on or
    before the calibration end, which defaults to `as_of`). Amounts are summed in whole
    cents. On PostgreSQL the pass gets more work memory and the rows stream through a
    server-side cursor, so memory stays flat however many customers there are."""
    calibration_end = calibration_end or as_of
    day, day_params = local_date("placed_at")
    end = db_moment(day_start(as_of + datetime.timedelta(days=1)))
    cal = db_day(calibration_end)
    day_no = _day_number("day")
    sql = f"""
        WITH days AS (
            SELECT customer_id, {day} AS day,
                   SUM(CAST(ROUND(total * 100) AS BIGINT)) AS cents
            FROM crm_order WHERE status = 'completed' AND placed_at < %s
            GROUP BY customer_id, {day}
        )
        SELECT customer_id,
               MIN({day_no}),
               MAX(CASE WHEN day <= %s THEN {day_no} END),
               SUM(CASE WHEN day <= %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN day <= %s THEN cents ELSE 0 END),
               MIN({day_no} * {FIRST_KEY} + cents),
               SUM(CASE WHEN day > %s THEN 1 ELSE 0 END)
        FROM days GROUP BY customer_id HAVING MIN(day) <= %s ORDER BY customer_id
    """
    params = [*day_params, end, *day_params, cal, cal, cal, cal, cal]
    chunks = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for setting in PASS_SETTINGS:
                    cursor.execute(f"SET LOCAL {setting}")
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(FETCH_ROWS):
                chunks.append(np.array(rows, dtype=np.int64))
    table = np.concatenate(chunks) if chunks else np.zeros((0, 7), dtype=np.int64)
    del chunks
    first, last, order_days = table[:, 1], table[:, 2], table[:, 3].astype(float)
    x = order_days - 1
    repeat_cents = table[:, 4] - table[:, 5] % FIRST_KEY  # every order day but the first
    calibration_day = (calibration_end - datetime.date(1970, 1, 1)).days
    mean_spend = np.where(x > 0, repeat_cents / 100 / np.maximum(x, 1), 0.0)
    return Histories(
        customer_id=table[:, 0],
        first_day=first,
        last_day=last,
        x=x,
        t_x=(last - first) / 7,
        T=(calibration_day - first) / 7,
        mean_spend=mean_spend,
        later_days=table[:, 6].astype(float),
        revenue=table[:, 4] / 100,
    )
