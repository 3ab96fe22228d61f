"""An index on surveys' NPS answers for the nightly's "latest NPS answer" dimension.

The facts table (analytics.engine.facts) takes each customer's latest NPS answer by the
step's day (analytics.dimensions, "nps"). With the answers in customer order, newest
first, and the score carried in the index, PostgreSQL numbers them without sorting a
million rows and without touching the table (an index-only scan). Built CONCURRENTLY,
so adding it does not block answers from being written; SQLite gets the plain partial
index (no INCLUDE).
"""

from django.db import migrations

from analytics.migrations._indexes import concurrent_index

create, drop = concurrent_index(
    "analytics_latest_nps_idx",
    "surveys_response",
    "customer_id, submitted_at DESC, id DESC",
    where="score_kind = 'nps' AND score IS NOT NULL AND customer_id IS NOT NULL",
    include="score",
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("analytics", "0004_order_changes"),
        ("surveys", "0004_response_time_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
