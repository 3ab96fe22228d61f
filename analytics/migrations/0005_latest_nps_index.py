"""An index on surveys' NPS answers for the nightly's "latest NPS answer" dimension.

The facts table (analytics.engine.facts) takes each customer's latest NPS answer by the
step's day (analytics.dimensions, "nps"). With the answers in customer order, newest
first, and the score carried in the index, PostgreSQL numbers them without sorting a
million rows and without touching the table (an index-only scan). Built CONCURRENTLY,
so adding it does not block answers from being written; SQLite gets the plain partial
index (no INCLUDE).
"""

from django.db import migrations

NAME = "analytics_latest_nps_idx"
WHERE = "score_kind = 'nps' AND score IS NOT NULL AND customer_id IS NOT NULL"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A concurrent build that failed leaves an invalid index behind: drop it first.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {NAME} ON surveys_response "
            f"(customer_id, submitted_at DESC, id DESC) INCLUDE (score) WHERE {WHERE}"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON surveys_response "
            f"(customer_id, submitted_at DESC, id DESC) WHERE {WHERE}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    else:
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("analytics", "0004_order_changes"),
        ("surveys", "0004_response_time_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
