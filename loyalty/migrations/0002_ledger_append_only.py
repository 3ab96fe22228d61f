"""On PostgreSQL the ledger is append-only in the database itself: UPDATE and DELETE of a
ledger row fail, whoever runs them (the app, a script, psql), except that an earn lot's
`remaining` (its unspent points) may change. SQLite (the embedded demo) relies on the
services alone."""

from django.db import migrations

CREATE = """
CREATE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'loyalty ledger entries are append-only: DELETE of entry %% refused', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - 'remaining') IS DISTINCT FROM (to_jsonb(OLD) - 'remaining') THEN
        RAISE EXCEPTION 'loyalty ledger entries are append-only: UPDATE of entry %% refused', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER loyalty_ledger_append_only
    BEFORE UPDATE OR DELETE ON loyalty_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS loyalty_ledger_append_only ON loyalty_ledgerentry;
DROP FUNCTION IF EXISTS loyalty_ledger_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_ledger")]

    operations = [migrations.RunPython(create, drop)]
