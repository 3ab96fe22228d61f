"""Benchmark the nightly predictive fit on PostgreSQL: a million customers and their
orders, drawn from BG/NBD and Gamma-Gamma themselves (so the fit has something real to
find, and the parameters it recovers are printed next to the true ones).

Prints in one table the nightly fit and scoring (`manage.py predict_retention
--skip-holdout` in a new process, as the worker runs it: the order-day summary in SQL,
the BG/NBD and Gamma-Gamma fits, every customer's scores written), its peak memory, and
the holdout check alone. Goal: fit and scoring under 60 s and under 500 MB. Figures are
printed, never asserted.

    .venv/bin/python bench/predictive.py [--customers 1000000]
        [--database-url postgres://...] [--skip-build]

The scratch database (default retain_bench_predictive) is dropped and built again unless
--skip-build reuses it.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.analytics import _child, print_table, scratch_setup  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/retain_bench_predictive"
TRUE = {"r": 0.75, "alpha": 5.0, "a": 1.0, "b": 9.0, "p": 6.0, "q": 4.0, "gamma": 15.0}
HISTORY_WEEKS = 156


def _orders(customers: int, as_of, seed: int = 2026):
    """Each customer's first order in the last HISTORY_WEEKS weeks, then repeat orders at
    a Poisson rate until they drop out (after a repeat order) or today; spends from
    Gamma-Gamma. Vectorised over customers, one round per order number."""
    import numpy as np

    rng = np.random.default_rng(seed)
    age = rng.uniform(0, HISTORY_WEEKS, customers)  # weeks from the first order to as_of
    rate = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], customers)
    drop = rng.beta(TRUE["a"], TRUE["b"], customers)
    nu = rng.gamma(TRUE["q"], 1 / TRUE["gamma"], customers)
    who, when = [np.arange(customers)], [np.zeros(customers)]
    alive, t = np.arange(customers), np.zeros(customers)
    while len(alive):
        t[alive] += rng.exponential(1, len(alive)) / np.maximum(rate[alive], 1e-9)
        alive = alive[t[alive] <= age[alive]]
        who.append(alive)
        when.append(t[alive].copy())
        alive = alive[rng.random(len(alive)) >= drop[alive]]
    who, when = np.concatenate(who), np.concatenate(when)
    first_day = (age * 7).astype(int)  # days before as_of
    days_before = first_day[who] - (when * 7).astype(int)
    spend = rng.gamma(TRUE["p"], 1 / nu[who])
    return who, np.maximum(days_before, 0), np.maximum(spend, 0.01)


def _build(cursor, customers: int, as_of) -> int:
    import datetime

    from bench.million import build

    build(cursor, customers, 0, 0)
    cursor.execute("SELECT min(id) FROM crm_customer")
    first_id = cursor.fetchone()[0]
    who, days_before, spend = _orders(customers, as_of)
    noon = datetime.datetime.combine(as_of, datetime.time(12), tzinfo=datetime.UTC)
    copy_sql = (
        "COPY crm_order (external_id, customer_id, placed_at, total, currency, status, "
        "channel, item_count, created_at, updated_at) FROM STDIN"
    )
    with cursor.cursor.copy(copy_sql) as copy:
        for lo in range(0, len(who), 200_000):
            lines = []
            for n, (c, d, z) in enumerate(
                zip(
                    who[lo : lo + 200_000].tolist(),
                    days_before[lo : lo + 200_000].tolist(),
                    spend[lo : lo + 200_000].tolist(),
                    strict=True,
                ),
                start=lo,
            ):
                at = (noon - datetime.timedelta(days=d)).isoformat()
                lines.append(
                    f"PO-{n}\t{first_id + c}\t{at}\t{z:.2f}\tEUR\tcompleted\tweb\t1\t{at}\t{at}\n"
                )
            copy.write("".join(lines))
    cursor.execute(
        "UPDATE crm_customer c SET customer_since = a.first FROM (SELECT customer_id, "
        "min(placed_at)::date AS first FROM crm_order GROUP BY customer_id) a "
        "WHERE c.id = a.customer_id"
    )
    cursor.execute("ANALYZE")
    return len(who)


GOALS = {"seconds": 60.0, "memory_mb": 500.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skip-build", action="store_true", help="reuse the data already there")
    args = parser.parse_args()
    url = args.database_url
    if not scratch_setup(url, rebuild=not args.skip_build, name="predictive"):
        return
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from analytics.models import CustomerScore, ModelFit

    figures: list[tuple[str, str]] = []
    call_command("migrate", verbosity=0)
    as_of = timezone.localdate() - datetime.timedelta(days=1)
    if not args.skip_build:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            _build(cursor, args.customers, as_of)
        figures.append(
            ("build (drawn from the models, COPY)", f"{time.perf_counter() - started:,.1f} s")
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM crm_customer), (SELECT count(*) FROM crm_order)"
        )
        n_customers, n_orders = cursor.fetchone()
    print(f"data: {n_customers:,} customers, {n_orders:,} orders")

    runs = [
        _child(["predict_retention", "--as-of", str(as_of), "--skip-holdout"], url)
        for _ in range(2)
    ]
    seconds = min(s for s, _, _ in runs)
    peak = max(mb for _, mb, _ in runs)
    fit = ModelFit.objects.filter(kind=ModelFit.Kind.NIGHTLY).latest()
    scored = CustomerScore.objects.count()
    figures.append((f"fit status ({fit.customers:,} customers with orders)", fit.status))
    figures.append((f"fit and score, {scored:,} scores written (goal < 60 s)", f"{seconds:.1f} s"))
    figures.append(("peak memory, whole process (goal < 500 MB)", f"{peak:.0f} MB"))
    if fit.status == ModelFit.Status.OK:
        truth = TRUE
        figures.append(
            (
                "BG/NBD r, alpha, a, b (fitted)",
                f"{fit.r:.3f} {fit.alpha:.2f} {fit.a:.3f} {fit.b:.2f}",
            )
        )
        figures.append(
            ("  (true)", f"{truth['r']:.3f} {truth['alpha']:.2f} {truth['a']:.3f} {truth['b']:.2f}")
        )
        figures.append(
            ("Gamma-Gamma p, q, gamma (fitted)", f"{fit.p:.2f} {fit.q:.2f} {fit.gamma:.2f}")
        )
        figures.append(("  (true)", f"{truth['p']:.2f} {truth['q']:.2f} {truth['gamma']:.2f}"))
    from analytics.predictive.services import holdout_check

    started = time.perf_counter()
    check = holdout_check(as_of=as_of)
    figures.append((f"holdout check ({check.status})", f"{time.perf_counter() - started:.1f} s"))

    from analytics.predictive.selectors import at_risk_list

    for sort in ("revenue", "p_alive"):
        rows = at_risk_list(risks=["high"], sort=sort)
        started = time.perf_counter()
        count, first_page = rows.count(), list(rows[:25])
        seconds = time.perf_counter() - started
        figures.append(
            (
                f"at-risk list, {count:,} high risk by {sort}: count + first 25",
                f"{seconds * 1000:.0f} ms",
            )
        )
        assert len(first_page) == min(count, 25)

    print_table(figures)


if __name__ == "__main__":
    main()
