"""Benchmark: loyalty ledger writes per second on PostgreSQL, through the services and the API.

Builds a scratch database (dropped and created again: never point it at real data),
customers with completed orders, a programme and rewards, then times:

- order earnings (`order_points_earn`, one ledger line per order), in 1 and in 2 processes;
- redemptions and staff adjustments through the services;
- redemptions and adjustments through the REST API (DRF in process, with
  Idempotency-Key headers), which adds authentication, parsing and serialising;

and checks the ledger's invariants afterwards (balance = sum of entries, lots). Prints a
table; asserts nothing.

    .venv/bin/python bench/loyalty.py [--orders 4000] [--database-url postgres://...]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/retain_bench_loyalty"


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    try:
        _recreate(args.database_url)
    except Exception as exc:  # no server: say so and stop, as the other benches do
        print(f"loyalty bench skipped: PostgreSQL at {args.database_url} is not reachable ({exc})")
        return
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("RETAIN_VAR_DIR", tempfile.mkdtemp(prefix="retain-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import datetime
    import logging
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone
    from rest_framework.test import APIClient

    from crm.models import Customer, Order
    from crm.services import customer_figures_refresh
    from loyalty import services
    from loyalty.models import LedgerEntry

    logging.disable(logging.WARNING)
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False  # no query log: measure the service, not Django's debug tooling
    call_command("migrate", verbosity=0)
    print(
        f"database: {connection.vendor} {connection.pg_version // 10000} "
        f"({connection.settings_dict['NAME']}), {os.cpu_count()} cores"
    )

    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(first_name=f"Bench{i}", last_name="Member", email=f"bench{i}@example.com")
        for i in range(args.customers)
    )
    orders = Order.objects.bulk_create(
        Order(
            customer=customers[i % len(customers)],
            external_id=f"B-{i:07d}",
            placed_at=now - datetime.timedelta(minutes=i),
            total=Decimal(20 + i % 180),
            currency=settings.CURRENCY,
        )
        for i in range(args.orders)
    )
    customer_figures_refresh(customer_ids=[c.pk for c in customers])
    services.programme_save(
        data={
            "name": "Bench", "point_value": Decimal("0.01"), "earn_rate": Decimal(1),
            "lifetime_months": 12, "active_from": now.date() - datetime.timedelta(days=365),
        }
    )  # fmt: skip
    services.rule_save(data={"name": "Per euro", "kind": "spend"})
    services.tier_save(data={"name": "Silver", "threshold": 0})
    services.tier_save(data={"name": "Gold", "threshold": 2000, "multiplier": Decimal("1.5")})
    reward = services.reward_save(data={"name": "Voucher", "cost": 10})
    staff = get_user_model().objects.create_user("bench.staff", is_staff=True)
    staff.groups.add(Group.objects.get(name="Admin"))
    rows = []

    def timed(label: str, count: int, work) -> None:
        before = LedgerEntry.objects.count()
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        written = LedgerEntry.objects.count() - before
        rows.append((label, count, written, seconds, written / seconds))

    for customer in customers:  # members already: the rows time the steady state
        services.account_enrol(customer=customer)
    half = len(orders) // 2
    first, rest = orders[:half], orders[half:]

    def in_processes(items, work):
        """Split `items` over --processes forked processes (as gunicorn and Celery run the
        services; threads would share one GIL) and wait for them."""
        connections.close_all()
        children = []
        for i in range(args.processes):
            pid = os.fork()
            if pid == 0:  # the child: its own connection, then exit without cleanup
                code = 0
                try:
                    for item in items[i :: args.processes]:
                        work(item)
                except BaseException as exc:
                    print(f"worker failed: {exc!r}")
                    code = 1
                finally:
                    connections.close_all()
                    os._exit(code)
            children.append(pid)
        failed = sum(os.waitpid(pid, 0)[1] != 0 for pid in children)
        if failed:
            print(f"{failed} worker processes failed")

    def earn(order):
        services.order_points_earn(order_id=order.pk)

    n_ops = min(2000, len(customers) * 5)
    operations = list(range(n_ops))

    def redeem_or_adjust(i):
        customer = customers[i % len(customers)]
        if i % 2:
            services.reward_redeem(customer=customer, reward=reward, author=staff)
        else:
            services.points_adjust(customer=customer, points=5, reason="bench", author=staff)

    from rest_framework.views import APIView

    APIView.throttle_classes = []  # the per-user rate limit would cap the figure, not the ledger
    api = APIClient()
    api.force_authenticate(staff)

    def api_write(i):
        customer = customers[i % len(customers)]
        if i % 2:
            response = api.post(
                "/api/v1/loyalty/redemptions/",
                {"customer": customer.pk, "reward": reward.pk},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"bench-r-{i}",
            )
        else:
            response = api.post(
                "/api/v1/loyalty/adjustments/",
                {"customer": customer.pk, "points": 5, "reason": "bench"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"bench-a-{i}",
            )
        assert response.status_code == 201, response.content

    p = args.processes
    timed("earn per order, service, 1 process", len(first), lambda: [earn(o) for o in first])
    timed(f"earn per order, service, {p} processes", len(rest), lambda: in_processes(rest, earn))
    half_ops = operations[: n_ops // 2]
    other_ops = operations[n_ops // 2 :]
    timed(
        "redeem + adjust, service, 1 process",
        len(half_ops),
        lambda: [redeem_or_adjust(i) for i in half_ops],
    )
    timed(
        f"redeem + adjust, service, {p} processes",
        len(other_ops),
        lambda: in_processes(other_ops, redeem_or_adjust),
    )
    timed(
        "redeem + adjust, REST API, 1 process",
        len(half_ops),
        lambda: [api_write(i) for i in half_ops],
    )
    timed(
        f"redeem + adjust, REST API, {p} processes",
        len(other_ops),
        lambda: in_processes([i + n_ops for i in other_ops], api_write),
    )
    started = time.perf_counter()
    problems = services.ledger_check()
    check_seconds = time.perf_counter() - started

    print()
    print(
        f"| {'what':<40} | {'calls':>6} | {'ledger lines':>12} | {'seconds':>7} | {'lines/s':>7} |"
    )
    print(f"| {'-' * 40} | {'-' * 6}:| {'-' * 12}:| {'-' * 7}:| {'-' * 7}:|")
    for label, count, written, seconds, rate in rows:
        print(f"| {label:<40} | {count:>6} | {written:>12} | {seconds:>7.2f} | {rate:>7.0f} |")
    total = LedgerEntry.objects.count()
    verdict = "sound" if not problems else f"{len(problems)} PROBLEMS: {problems[:3]}"
    print(
        f"\ninvariants after the run: {total} ledger lines, {verdict} "
        f"(balance = sum of entries, lots = max(balance, 0); checked in {check_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
