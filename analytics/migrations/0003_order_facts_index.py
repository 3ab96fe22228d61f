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

from analytics.migrations._indexes import concurrent_index

create, drop = concurrent_index(
    "analytics_order_facts_idx",
    "crm_order",
    "customer_id, placed_at",
    where="status = 'completed'",
    include="total, channel",
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("analytics", "0002_predictive_scores"),
        ("crm", "0013_customer_birthday"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
