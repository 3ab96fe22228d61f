"""Benchmark the nightly analytics on PostgreSQL: a million customers, ten million orders,
a million survey answers.

Prints in one table: one raw pass over the orders (GROUP BY customer with count, sum and
max), the full nightly recompute (every metric, every dimension, the cohort table) in a
separate process as the worker runs it, their ratio, that process's peak memory, a
36-month backfill, and pandas reading the same tables and computing the same day's
retention components (S, E, N, K, L, R of the month), with the ratio. pandas' components
are checked against the stored snapshot. Figures are printed, never asserted.

The nightly keeps each customer's figures from the orders before the month between runs
(analytics/engine/state.py). The bench starts with nothing kept: the last night of last
month builds them (timed as "a night with nothing kept"); after a day of writes (10,000
new orders, 1,000 refunds and 100 corrected dates of older orders) the first night of
this month rolls them forward; the nightly figure is the best of two nights at the end
of this month (a whole month of orders read), each after a day of writes. With the
backfill, which reads every order, the nightly's rows are checked against the
backfill's for the same day.

    .venv/bin/python bench/analytics.py [--customers 1000000] [--orders 10000000]
        [--responses 1000000] [--database-url postgres://...] [--skip-build]
        [--skip-backfill]

The scratch database (default retain_bench_analytics) is dropped and built again unless
--skip-build reuses it.
"""

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/retain_bench_analytics"
GOALS = {"ratio": 5.0, "memory_mb": 300.0, "pandas": 3.0}


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def scratch_setup(url: str, *, rebuild: bool, name: str) -> bool:
    """Drop and create the scratch database (unless it is reused), then set Django up on
    it; False (and a line saying why) when PostgreSQL is not reachable."""
    if rebuild:
        try:
            _recreate(url)
        except Exception as exc:
            print(f"{name} bench skipped: PostgreSQL at {url} is not reachable ({exc})")
            return False
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("RETAIN_VAR_DIR", tempfile.mkdtemp(prefix="retain-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return True


def print_table(figures: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in figures) + 2
    print(f"\n{'what':<{width}} {'figure':>14}")
    for name, value in figures:
        print(f"{name:<{width}} {value:>14}")


def _build_responses(cursor, survey_id: int, responses: int) -> None:
    cursor.execute("SELECT min(id), count(*) FROM crm_customer")
    first_id, customers = cursor.fetchone()
    cursor.execute(
        f"""
        INSERT INTO surveys_response (survey_id, customer_id, language, submitted_at,
            score_kind, score, category, comment, bonus_points)
        SELECT {survey_id}, {first_id} + (g::bigint * 69069) % {customers}, 'lv',
            now() - ((g % 730) || ' days')::interval - ((g % 86400) || ' seconds')::interval,
            'nps', s, CASE WHEN s >= 9 THEN 'promoter' WHEN s >= 7 THEN 'passive'
                           ELSE 'detractor' END, '', 0
        FROM (SELECT g, (g * 7) % 11 AS s FROM generate_series(1, {responses}) AS g) x
        """
    )
    cursor.execute("ANALYZE")


# A small launcher starts each manage.py and reports its peak memory. A child forked
# from this process would count this process's pages too (Linux keeps the high-water
# mark across exec), and after pandas that is gigabytes; the launcher holds ~10 MB.
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'PEAK_KB {peak}', file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def _child(args: list[str], url: str) -> tuple[float, float, str]:
    """Run manage.py in a new process (as the worker does); seconds, its own peak MB,
    output."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    peak_kb = int(done.stderr.rsplit("PEAK_KB ", 1)[1].split()[0])
    return seconds, peak_kb / 1024, done.stdout.strip()


def _pandas_components(url: str, as_of: datetime.date, window: int | None) -> tuple[float, dict]:
    """The month's S, E, N, K, L, R as a pandas notebook would get them."""
    import warnings

    import pandas as pd
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas prefers SQLAlchemy; a DBAPI connection works
        customers = pd.read_sql("SELECT id, customer_since, closed_on FROM crm_customer", conn)
        orders = pd.read_sql(
            "SELECT customer_id, placed_at FROM crm_order WHERE status = 'completed'", conn
        )
    local = pd.to_datetime(orders["placed_at"], utc=True).dt.tz_convert("Europe/Riga")
    orders["day"] = local.dt.tz_localize(None).dt.normalize()
    customers["customer_since"] = pd.to_datetime(customers["customer_since"])
    customers["closed_on"] = pd.to_datetime(customers["closed_on"])

    def active(date: datetime.date) -> set:
        day = pd.Timestamp(date)
        last = orders[orders["day"] <= day].groupby("customer_id")["day"].max()
        frame = customers.set_index("id").join(last.rename("last"))
        acquired = frame["customer_since"] <= day
        reopened = frame["last"].notna() & (frame["last"] > frame["closed_on"])
        closed = frame["closed_on"].notna() & (frame["closed_on"] <= day) & ~reopened
        ok = acquired & ~closed
        if window is not None:
            first = day - pd.Timedelta(days=window - 1)
            ok &= (frame["customer_since"] >= first) | (frame["last"] >= first)
        return set(frame.index[ok])

    start = as_of.replace(day=1)
    s = active(start - datetime.timedelta(days=1))
    e = active(as_of)
    since = customers.set_index("id")["customer_since"]
    n = set(since.index[(since >= pd.Timestamp(start)) & (since <= pd.Timestamp(as_of))])
    k = s & e
    components = {
        "S": len(s), "E": len(e), "N": len(n), "K": len(k), "L": len(s - e),
        "R": len(e - s - n),
    }  # fmt: skip
    return time.perf_counter() - started, components


def _a_day_of_orders(cursor, as_of: datetime.date, month: datetime.date, day: int) -> None:
    """What a shop writes in a day before the nightly runs: 10,000 orders placed on the
    as-of day, 1,000 refunds and 100 corrected dates of orders before the month."""
    from django.utils import timezone

    run = int(time.time())  # a reused database keeps earlier runs' orders
    cursor.execute("SELECT min(id), count(*) FROM crm_customer")
    first_id, customers = cursor.fetchone()
    cursor.execute(
        f"""
        INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency, status,
            channel, item_count, created_at, updated_at)
        SELECT 'DAY-{run}-{day}-' || g, {first_id} + mod(g::bigint * 7919 + {day}, {customers}),
            %s::timestamptz + mod(g, 86000) * interval '1 second', 5 + mod(g, 200), 'EUR',
            'completed', (ARRAY['web', 'app', 'store', 'phone', 'marketplace'])[1 + mod(g, 5)],
            1, now(), now()
        FROM generate_series(1, 10000) g
        """,
        [timezone.make_aware(datetime.datetime.combine(as_of, datetime.time(0, 5)))],
    )
    cursor.execute(
        "UPDATE crm_order SET status = 'refunded' WHERE id IN (SELECT id FROM crm_order "
        "WHERE status = 'completed' AND placed_at < %s ORDER BY id OFFSET %s LIMIT 1000)",
        [month, 5000 * day],
    )
    cursor.execute(
        "UPDATE crm_order SET placed_at = placed_at - interval '3 days' WHERE id IN (SELECT id "
        "FROM crm_order WHERE status = 'completed' AND placed_at < %s ORDER BY id DESC "
        "OFFSET %s LIMIT 100)",
        [month, 5000 * day],
    )


def _rows(as_of: datetime.date) -> list[tuple]:
    from analytics.models import Snapshot

    return sorted(
        Snapshot.objects.filter(period_end=as_of).values_list(
            "metric", "period_type", "period_start", "dimension", "value", "components"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skip-build", action="store_true", help="reuse the data already there")
    parser.add_argument("--skip-backfill", action="store_true")
    args = parser.parse_args()
    url = args.database_url
    if not scratch_setup(url, rebuild=not args.skip_build, name="analytics"):
        return
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from analytics.models import RecomputeRun, Snapshot
    from bench.million import build
    from surveys import services as surveys

    figures: list[tuple[str, str]] = []
    call_command("migrate", verbosity=0)  # a reused database gets the new migrations too
    if not args.skip_build:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            build(cursor, args.customers, args.orders, 0)
        survey = surveys.survey_from_template(template="nps", name="Bench NPS", languages=["lv"])
        with connection.cursor() as cursor:
            _build_responses(cursor, survey.pk, args.responses)
        figures.append(("build (set-based SQL)", f"{time.perf_counter() - started:,.1f} s"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM crm_customer), (SELECT count(*) FROM crm_order), "
            "(SELECT count(*) FROM surveys_response)"
        )
        n_customers, n_orders, n_responses = cursor.fetchone()
    print(f"data: {n_customers:,} customers, {n_orders:,} orders, {n_responses:,} responses")

    # The outer aggregate reads every figure: a bare count(*) over the subquery would let
    # PostgreSQL drop the unused sum and max and only count the groups.
    raw_sql = (
        "SELECT count(*), sum(n), sum(revenue), max(latest) FROM (SELECT customer_id, "
        "count(*) AS n, sum(total) AS revenue, max(placed_at) AS latest "
        "FROM crm_order WHERE status = 'completed' GROUP BY customer_id) x"
    )
    raw = []
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(raw_sql)
            cursor.fetchone()
            raw.append(time.perf_counter() - started)
    raw_s = min(raw)
    figures.append(("raw pass over orders (GROUP BY customer: count, sum, max)", f"{raw_s:.1f} s"))

    as_of = timezone.localdate() - datetime.timedelta(days=1)
    month = as_of.replace(day=1)
    month_before = month - datetime.timedelta(days=1)
    with connection.cursor() as cursor:
        # Start cold: nothing kept, as on a new install.
        cursor.execute("DELETE FROM analytics_factsstate")
        cursor.execute("TRUNCATE analytics_orderchange")

    def night(day: datetime.date) -> tuple[float, float, str]:
        return _child(["recompute_metrics", "--as-of", str(day), "-v", "0"], url)

    # The last night of last month builds the kept figures (a pass over every order before
    # it); after a day of writes, the first night of this month rolls them forward (a
    # pass over last month's orders); then the month's last nights, each after a day of
    # writes, read this month's orders.
    cold_s, peak, _ = night(month_before)
    with connection.cursor() as cursor:
        _a_day_of_orders(cursor, month, month_before.replace(day=1), 0)
    first_s, first_mb, _ = night(month)
    kept_runs = []
    for day in range(1, 3):
        with connection.cursor() as cursor:
            _a_day_of_orders(cursor, as_of, month, day)
        kept_runs.append(night(as_of))
    nightly_s = min(seconds for seconds, _, _ in kept_runs)
    peak = max([peak, first_mb] + [mb for _, mb, _ in kept_runs])
    rows = RecomputeRun.objects.order_by("-pk").first().rows  # the last night's rows
    figures.append(
        (
            f"nightly recompute, figures before {month:%b} kept ({rows:,} rows, new process)",
            f"{nightly_s:.1f} s",
        )
    )
    figures.append(("nightly / raw pass (goal <= 5)", f"{nightly_s / raw_s:.1f} x"))
    figures.append((f"first night of {month:%b} (rolls the kept figures on)", f"{first_s:.1f} s"))
    figures.append(("first night / raw pass (goal <= 5)", f"{first_s / raw_s:.1f} x"))
    figures.append(("a night with nothing kept (new install: builds them)", f"{cold_s:.1f} s"))
    figures.append(("night with nothing kept / raw pass", f"{cold_s / raw_s:.1f} x"))
    figures.append(("nightly peak memory, whole process (goal < 300 MB)", f"{peak:.0f} MB"))

    pandas_s, components = _pandas_components(url, as_of, settings.ACTIVITY_WINDOW_DAYS)
    stored = Snapshot.objects.get(
        metric="crr", period_type="month", period_start=month, dimension="all"
    ).components
    figures.append(("pandas: read tables, month's S E N K L R", f"{pandas_s:.1f} s"))
    figures.append(("pandas / nightly recompute (goal >= 3)", f"{pandas_s / nightly_s:.1f} x"))
    figures.append(("pandas' components equal the snapshot's", str(components == stored)))
    if components != stored:
        figures.append(("  pandas", str(components)))
        figures.append(("  stored", str(stored)))

    if not args.skip_backfill:
        nightly_rows = _rows(as_of)
        first = datetime.date(month.year - 3, month.month, 1)
        seconds, mb, _ = _child(
            ["recompute_metrics", "--as-of", str(as_of), "--backfill", str(first), "-v", "0"], url
        )
        figures.append((f"backfill 36 months ({first} to {as_of})", f"{seconds:.1f} s"))
        figures.append(("backfill peak memory", f"{mb:.0f} MB"))
        # The backfill reads every order: the nightly's kept figures must give the same.
        figures.append(("nightly rows equal the backfill's (every order read)",
                        str(nightly_rows == _rows(as_of))))  # fmt: skip

    print_table(figures)


if __name__ == "__main__":
    main()
