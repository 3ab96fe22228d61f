"""Benchmark at scale on PostgreSQL: a million customers, ten million orders.

Builds the data with set-based SQL (generate_series), fills in the stored order
figures, then times the real views and API through Django's test client and prints
p50, p95 and queries per request in one table. It also times a CSV import and a
streamed export. Needs a scratch PostgreSQL database (it is emptied first):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/retain_million \\
        .venv/bin/python bench/million.py [--customers 1000000] [--orders 10000000]

Figures are printed, never asserted.
"""

import argparse
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST = ["Anna", "Līga", "Jānis", "Rūta", "Tomas", "Zofia", "Анна", "Emma", "Ilze", "Mantas"]
LAST = ["Bērziņa", "Kalniņš", "Ozola", "Petrauskas", "Nowak", "Kowalska", "Иванова", "Smith"]


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def build(cursor, customers: int, orders: int, interactions: int) -> None:
    cursor.execute("TRUNCATE crm_order, crm_interaction, crm_customer_tags, crm_customer CASCADE")
    cursor.execute(
        f"""
        INSERT INTO crm_customer (external_id, first_name, last_name, email, phone, company,
            language, country, customer_since, email_consent, sms_consent, attributes,
            order_count, revenue, created_at, updated_at)
        SELECT 'M-' || i,
            ({sql_array(FIRST)})[1 + i % {len(FIRST)}],
            ({sql_array(LAST)})[1 + (i * 7) % {len(LAST)}]
                || CASE WHEN i % 3 = 0 THEN '' ELSE i::text END,
            'customer' || i || '@example.com',
            '+3712' || lpad((i::bigint * 7919 % 10000000)::text, 7, '0'),
            CASE WHEN i % 10 = 0 THEN 'Company ' || (i % 5000) ELSE '' END,
            'lv', 'LV', date '2021-01-01' + (i % 1400), false, false, '{{}}', 0, 0, now(), now()
        FROM generate_series(1, {customers}) AS i
        """
    )
    cursor.execute("SELECT min(id) FROM crm_customer")
    first_id = cursor.fetchone()[0]
    # Orders cluster on a third of the customers (loyal buyers) and spread over 3 years.
    cursor.execute(
        f"""
        INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency, status,
            channel, item_count, created_at, updated_at)
        SELECT 'MO-' || g,
            {first_id} + ((g * 2654435761) % {customers} / CASE WHEN g % 3 = 0 THEN 1 ELSE 3 END),
            now() - ((g % 1095) || ' days')::interval - ((g % 86400) || ' seconds')::interval,
            round((5 + (g % 20000) / 100.0)::numeric, 2), 'EUR',
            CASE WHEN g % 20 = 0 THEN 'refunded' WHEN g % 33 = 0 THEN 'cancelled'
                 ELSE 'completed' END,
            (ARRAY['web','app','store','phone','marketplace'])[1 + g % 5], 1 + g % 4, now(), now()
        FROM generate_series(1, {orders}) AS g
        """
    )
    cursor.execute(
        f"""
        INSERT INTO crm_interaction (customer_id, kind, direction, subject, body, occurred_at,
            created_at)
        SELECT {first_id} + (g::bigint * 48271) % {customers}, 'note', 'internal', 'Call back',
            'Asked about the delivery.', now() - ((g % 900) || ' days')::interval, now()
        FROM generate_series(1, {interactions}) AS g
        """
    )
    cursor.execute(
        """
        UPDATE crm_customer c SET order_count = a.n, revenue = a.total, first_order_at = a.first,
            last_order_at = a.last,
            customer_since = LEAST(c.customer_since, (a.first AT TIME ZONE 'Europe/Riga')::date)
        FROM (SELECT customer_id, count(*) AS n, sum(total) AS total, min(placed_at) AS first,
                     max(placed_at) AS last
              FROM crm_order WHERE status = 'completed' GROUP BY customer_id) a
        WHERE c.id = a.customer_id
        """
    )
    cursor.execute("ANALYZE")


def time_pages(client, connection, pages: dict[str, str], repeat: int) -> list[tuple]:
    from django.test.utils import CaptureQueriesContext

    rows = []
    for name, url in pages.items():
        timings, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        rows.append((name, statistics.median(timings), p95, queries))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-build", action="store_true", help="reuse the data already there")
    parser.add_argument(
        "--only", choices=["pages", "export", "import"], action="append",
        help="measure only these (repeatable; default: all)",
    )  # fmt: skip
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("Set BENCH_DATABASE_URL to a scratch PostgreSQL database (it is emptied).")
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from crm.demo import demo_users_ensure
    from crm.models import Customer

    call_command("migrate", verbosity=0)
    demo_users_ensure()
    figures = []
    if not args.skip_build:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            build(cursor, args.customers, args.orders, args.interactions)
        figures.append(("build (set-based SQL)", time.perf_counter() - started, "s"))
    print(f"database: {connection.settings_dict['NAME']}, {Customer.objects.count():,} customers")

    only = set(args.only or ["pages", "export", "import"])
    rows: list[tuple] = []
    if "pages" in only:
        rows += pages_measure(client_for(), connection, args.repeat)
    if "export" in only:
        figures.append(export_measure(client_for()))
    if "import" in only:
        figures += import_measure(connection, args.customers // 10, args.orders // 10)

    width = max(len(r[0]) for r in rows + figures) + 2
    print(f"\n{'what':<{width}} {'p50':>10} {'p95':>10} {'queries':>8}")
    for name, p50, p95, queries in rows:
        print(f"{name:<{width}} {p50:>8.1f}ms {p95:>8.1f}ms {queries:>8}")
    for name, seconds, unit in figures:
        print(f"{name:<{width}} {seconds:>9.1f}{unit}")


def client_for():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="support"))
    return client


def pages_measure(client, connection, repeat: int) -> list[tuple]:
    from crm import services
    from crm.models import Customer
    from crm.segments import rule_q

    rule = {"match": "all", "conditions": [
        {"type": "status", "op": "in", "value": ["lapsed"]},
        {"type": "order_count", "op": "gte", "value": 3}]}  # fmt: skip
    segment = services.segment_create(name=f"Bench {time.time()}", rule=rule)
    busiest = Customer.objects.order_by("-order_count").values_list("pk", flat=True)[0]
    pages = {
        "search by name 'kalni'": "/customers/?q=kalni",
        "search by email 'customer4242'": "/customers/?q=customer4242%40",
        "search phone fragment '7919'": "/customers/?q=7919",
        "customer list (default)": "/customers/",
        "customer list, page 2,000": "/customers/?page=2000",
        "customer list, status=active": "/customers/?status=active",
        "customer list, by revenue": "/customers/?ordering=-revenue",
        "profile (most orders)": f"/customers/{busiest}/",
        "segment page (count + page)": f"/segments/{segment.pk}/",
        "API customer list": "/api/v1/customers/",
        "API search 'kalni'": "/api/v1/customers/?q=kalni",
    }
    rows = time_pages(client, connection, pages, repeat)

    started = time.perf_counter()
    count = Customer.objects.filter(rule_q(segment.rule)).count()
    rows.append((f"segment count alone ({count:,})", (time.perf_counter() - started) * 1000, 0, 1))
    segment.delete()
    return rows


def export_measure(client) -> tuple:
    """Stream every customer through the real view, keeping memory flat."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = client.get("/customers/export.csv")
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return (f"export {lines - 1:,} customers (peak memory +{grown:.0f} MB)",
            time.perf_counter() - started, "s")  # fmt: skip


def import_measure(connection, n_customers: int, n_orders: int) -> list[tuple]:
    """Import customers and orders from CSV through the importer, then remove them so a
    later run (--skip-build) measures the same work."""
    from crm.imports.importers import customers_import, orders_import

    figures = []
    csv_customers = io.BytesIO(
        ("external_id,first_name,last_name,email\n" + "".join(
            f"IMP-{i},Anna,Ozola,imp{i}@example.com\n" for i in range(n_customers))).encode()
    )  # fmt: skip
    csv_orders = io.BytesIO(
        ("external_id,customer_external_id,placed_at,total\n" + "".join(
            f"IO-{i},IMP-{i % n_customers},2025-0{1 + i % 9}-1{i % 9} 12:00,{5 + i % 90}.50\n"
            for i in range(n_orders))).encode()
    )  # fmt: skip
    for label, importer, data in (
        (f"import {n_customers:,} customers", customers_import, csv_customers),
        (f"import {n_orders:,} orders", orders_import, csv_orders),
    ):
        started = time.perf_counter()
        report = importer(data)
        assert report.ok, report.errors[:3]
        figures.append((label, time.perf_counter() - started, "s"))
        print(f"{label}: {figures[-1][1]:.1f} s, peak memory {peak_mb():.0f} MB", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM crm_order WHERE external_id LIKE 'IO-%%'")
        cursor.execute("DELETE FROM crm_customer WHERE external_id LIKE 'IMP-%%'")
        cursor.execute("VACUUM ANALYZE crm_order, crm_customer")
    return figures


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
