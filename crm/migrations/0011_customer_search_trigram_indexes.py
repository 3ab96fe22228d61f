# On PostgreSQL, trigram indexes serve the customer search ("contains" a name, email,
# company or phone fragment) instead of scanning every customer; SQLite has none.

from django.db import migrations

INDEXES = {
    "crm_customer_first_name_trgm": "gin ((UPPER(first_name::text)) gin_trgm_ops)",
    "crm_customer_last_name_trgm": "gin ((UPPER(last_name::text)) gin_trgm_ops)",
    "crm_customer_email_trgm": "gin ((UPPER(email::text)) gin_trgm_ops)",
    "crm_customer_company_trgm": "gin ((UPPER(company::text)) gin_trgm_ops)",
    "crm_customer_phone_trgm": "gin ((phone::text) gin_trgm_ops)",
    "crm_customer_external_id_upper": "btree ((UPPER(external_id::text)))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON crm_customer USING {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0010_backfill_customer_order_figures")]

    operations = [migrations.RunPython(create, drop)]
