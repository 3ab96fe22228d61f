"""A covering index on crm's completed orders for the nightly's one pass over them.

The per-customer facts (analytics.engine.facts) read, for each customer, its completed
orders' moments, totals and channels in customer order. With (customer_id, placed_at)
and the total and channel carried in the index, PostgreSQL reads them from the index
alone (an index-only scan, no sorting, no heap access), which is what brings the nightly
recompute near one raw pass over the orders. Built CONCURRENTLY, so adding it to a
running shop does not block orders from being written. SQLite (make run) gets the
plain partial index: it has no INCLUDE.
"""

from django.db import migrations

NAME = "analytics_order_facts_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A concurrent build that failed leaves an invalid index behind: drop it, so a
        # rerun builds it again instead of skipping it.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {NAME} ON crm_order "
            "(customer_id, placed_at) INCLUDE (total, channel) WHERE status = 'completed'"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON crm_order (customer_id, placed_at) "
            "WHERE status = 'completed'"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    else:
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("analytics", "0002_predictive_scores"),
        ("crm", "0013_customer_birthday"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
