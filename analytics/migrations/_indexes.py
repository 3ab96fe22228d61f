"""Create and drop an index that analytics adds to another app's table (migrations 0003
and 0005). On PostgreSQL it is built CONCURRENTLY, so writes to the table go on (the
migration runs with atomic = False); a concurrent build that failed leaves an invalid
index behind, so it is dropped first and a rerun builds it again instead of skipping it.
SQLite (make run) gets the plain index: it has no INCLUDE. Django's migration loader
skips this module (its name starts with an underscore)."""


def concurrent_index(name: str, table: str, columns: str, where: str, include: str = ""):
    """The (create, drop) pair of RunPython functions for the partial index `name`."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            covering = f" INCLUDE ({include})" if include else ""
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY {name} ON {table} ({columns}){covering} "
                f"WHERE {where}"
            )
        else:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}) WHERE {where}"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return create, drop
