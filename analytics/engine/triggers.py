"""Triggers on crm_order that record every written order in analytics_orderchange.

The nightly keeps each customer's figures from the orders before the month between runs
(engine/state.py); any write to an older order must reach it: a refund, a corrected
date, orders moved by a merge, a backdated import, raw SQL. The triggers record the
customer and moment of every inserted, updated and deleted row (the old and the new
row of an update), and a TRUNCATE of crm_order forgets the kept figures. On PostgreSQL
they run once per statement over its transition tables (a bulk import costs one
INSERT ... SELECT); SQLite has row triggers only, and one more before an insert that
records the row an INSERT OR REPLACE removes (SQLite fires no delete trigger for it).

Migration 0004 installs them. A schema change can drop them (SQLite rebuilds a table to
alter it), so after every migrate missing ones are installed again and the kept figures
forgotten (receivers.on_post_migrate); and the nightly keeps nothing while they are
missing.
"""

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION analytics_order_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_orderchange (customer_id, placed_at)
        SELECT customer_id, placed_at FROM old_rows;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO analytics_orderchange (customer_id, placed_at)
        SELECT customer_id, placed_at FROM new_rows;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION analytics_orders_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analytics_factsstate;
    RETURN NULL;
END
$$;
"""

# A trigger with transition tables fires on one event only.
PG_TRIGGERS = """
CREATE TRIGGER analytics_order_inserted AFTER INSERT ON crm_order
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_order_changed();
CREATE TRIGGER analytics_order_updated AFTER UPDATE ON crm_order
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_order_changed();
CREATE TRIGGER analytics_order_deleted AFTER DELETE ON crm_order
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_order_changed();
CREATE TRIGGER analytics_orders_truncated AFTER TRUNCATE ON crm_order
    FOR EACH STATEMENT EXECUTE FUNCTION analytics_orders_truncated();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS analytics_order_inserted ON crm_order;
DROP TRIGGER IF EXISTS analytics_order_updated ON crm_order;
DROP TRIGGER IF EXISTS analytics_order_deleted ON crm_order;
DROP TRIGGER IF EXISTS analytics_orders_truncated ON crm_order;
DROP FUNCTION IF EXISTS analytics_order_changed();
DROP FUNCTION IF EXISTS analytics_orders_truncated();
"""

_SQLITE_INSERT = "INSERT INTO analytics_orderchange (customer_id, placed_at) VALUES "

SQLITE_TRIGGERS = [
    "CREATE TRIGGER analytics_order_replaced BEFORE INSERT ON crm_order BEGIN "
    "INSERT INTO analytics_orderchange (customer_id, placed_at) SELECT customer_id, placed_at "
    "FROM crm_order WHERE id = NEW.id OR external_id = NEW.external_id; END",
    "CREATE TRIGGER analytics_order_inserted AFTER INSERT ON crm_order BEGIN "
    f"{_SQLITE_INSERT}(NEW.customer_id, NEW.placed_at); END",
    "CREATE TRIGGER analytics_order_updated AFTER UPDATE ON crm_order BEGIN "
    f"{_SQLITE_INSERT}(OLD.customer_id, OLD.placed_at), (NEW.customer_id, NEW.placed_at); END",
    "CREATE TRIGGER analytics_order_deleted AFTER DELETE ON crm_order BEGIN "
    f"{_SQLITE_INSERT}(OLD.customer_id, OLD.placed_at); END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS analytics_order_replaced",
    "DROP TRIGGER IF EXISTS analytics_order_inserted",
    "DROP TRIGGER IF EXISTS analytics_order_updated",
    "DROP TRIGGER IF EXISTS analytics_order_deleted",
]


NAMES = {
    "postgresql": {
        "analytics_order_inserted",
        "analytics_order_updated",
        "analytics_order_deleted",
        "analytics_orders_truncated",
    },
    "sqlite": {
        "analytics_order_replaced",
        "analytics_order_inserted",
        "analytics_order_updated",
        "analytics_order_deleted",
    },
}


def install(connection) -> None:
    """Drop and create the triggers (and PostgreSQL's functions): safe to repeat."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
            cursor.execute(PG_FUNCTIONS)
            cursor.execute(PG_TRIGGERS)
        else:
            for sql in SQLITE_DROP + SQLITE_TRIGGERS:
                cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        else:
            for sql in SQLITE_DROP:
                cursor.execute(sql)


def installed(connection) -> bool:
    """All the triggers are on crm_order."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'crm_order'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'crm_order'"
            )
        names = {row[0] for row in cursor.fetchall()}
    return NAMES.get(connection.vendor, set()) <= names
