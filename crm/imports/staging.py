"""A temporary table that holds the checked rows of one import before any is written.

The importer reads the file once, writes every row that parses into the stage (COPY on
PostgreSQL, several times faster than INSERT), and from then on works set-based: the
checks that need the database (unknown customers, duplicates, conflicts with what is
stored) are a few SQL statements over the stage, and each write batch is an
INSERT ... SELECT from it. Memory stays flat whatever the file's size.
"""

import datetime
from collections.abc import Iterable, Iterator

from django.db import DatabaseError, connection


def db_value(value):
    """A Python value as the database column stores it: SQLite keeps dates and times as
    text in Django's format; PostgreSQL takes them as they are."""
    if connection.vendor == "postgresql":
        return value
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


class Stage:
    """`with Stage(name, {column: type}) as stage:` creates the temporary table, and
    drops it on the way out, whatever happened."""

    def __init__(self, name: str, columns: dict[str, str]):
        self.name = name
        self.columns = columns

    def __enter__(self) -> "Stage":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            columns = ", ".join(f"{name} {kind}" for name, kind in self.columns.items())
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({columns})")
        return self

    def __exit__(self, *exc) -> None:
        # Gone with the connection, or with a transaction an error broke (the next
        # import drops a leftover table before creating its own): never mask that error.
        if connection.connection is None or connection.needs_rollback:
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
        except DatabaseError:
            if exc[0] is None:
                raise

    def load(self, rows: list[tuple]) -> None:
        """Append rows (tuples in the order of the columns)."""
        if not rows:
            return
        names = ", ".join(self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self.name} ({names}) VALUES ({marks})",
                    [tuple(db_value(v) for v in row) for row in rows],
                )

    def ready(self, *indexed: str) -> None:
        """Index the given columns and let the planner know the table's size."""
        with connection.cursor() as cursor:
            for column in indexed:
                cursor.execute(f"CREATE INDEX {self.name}_{column}_idx ON {self.name} ({column})")
            cursor.execute(f"ANALYZE {self.name}")

    def execute(self, sql: str, params: Iterable = ()) -> int:
        """Run a statement (`{stage}` names the table); the number of rows it touched."""
        with connection.cursor() as cursor:
            cursor.execute(sql.format(stage=self.name), list(params))
            return cursor.rowcount

    def rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(stage=self.name), list(params))
            return cursor.fetchall()

    def ranges(self, size: int, key: str = "line") -> Iterator[tuple[int, int, int]]:
        """Consecutive batches of about `size` rows, never splitting the rows of one
        `key` value: (first key, key after the last, rows) of each."""
        starts = self.rows(
            f"""SELECT MIN(k), SUM(n) FROM (
                    SELECT k, n, SUM(n) OVER (ORDER BY k) - n AS before
                      FROM (SELECT {key} AS k, COUNT(*) AS n FROM {{stage}} GROUP BY {key}) g
                ) w GROUP BY CAST(before AS BIGINT) / %s ORDER BY 1""",
            [size],
        )
        for i, (first, rows) in enumerate(starts):
            after = starts[i + 1][0] if i + 1 < len(starts) else 2**62
            yield first, after, int(rows)  # SUM is numeric on PostgreSQL
