# Indexes that serve the customer list's default order and its newest-last-order sort.

from django.db import migrations, models


def create_desc(apps, schema_editor):
    # SQLite cannot write NULLS LAST in an index; its lists are small.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS crm_customer_last_order_desc "
            "ON crm_customer (last_order_at DESC NULLS LAST, id DESC)"
        )


def drop_desc(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS crm_customer_last_order_desc")


class Migration(migrations.Migration):
    dependencies = [("crm", "0011_customer_search_trigram_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["last_name", "first_name", "id"], name="crm_customer_list_order_idx"
            ),
        ),
        migrations.RunPython(create_desc, drop_desc),
    ]
