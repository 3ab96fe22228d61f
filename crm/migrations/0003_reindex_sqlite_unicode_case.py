"""Rebuild SQLite's indexes after its lower() became Unicode-aware (config/db/sqlite3).

Rows written before kept index entries folded by SQLite's ASCII-only lower(); REINDEX
recomputes them so the case-insensitive unique emails and tag names hold for "Ā" too.
Nothing to do on PostgreSQL.
"""

from django.db import migrations


def reindex(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("REINDEX")


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_dates_within_storable_range")]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
