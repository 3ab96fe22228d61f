"""Benchmark: load the demo data and time the staff pages on it.

Prints figures; asserts nothing (goals are read by people, not turned into
timed tests). Runs on a throw-away database: SQLite in a temporary folder by
default, or DATABASE_URL's server if set (its database is reused, so point it
at a scratch database).

    make bench                      # SQLite
    .venv/bin/python bench/seed_demo.py --customers 10000
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="requests per page timing")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="retain-bench-")
    os.environ.setdefault("RETAIN_VAR_DIR", workdir)
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.demo import demo_data_create
    from crm.models import Case, Customer

    call_command("migrate", verbosity=0)
    if Customer.objects.exists():
        sys.exit("The benchmark database already has customers; point DATABASE_URL elsewhere.")
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")

    started = time.perf_counter()
    counts = demo_data_create(customers=args.customers, seed=42)
    seconds = time.perf_counter() - started
    print(
        f"seed_demo: {counts['customers']} customers, {counts['orders']} orders, "
        f"{counts['interactions']} interactions, {counts['cases']} cases in {seconds:.2f} s "
        f"({counts['customers'] / seconds:.0f} customers/s)"
    )

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="support"))
    busiest = Customer.objects.order_by("-orders__placed_at").values_list("pk", flat=True)[0]
    pages = {
        "customer list": "/customers/",
        "search 'kaln'": "/customers/?q=kaln",
        "phone fragment '2912'": "/customers/?q=2912",
        "status=active, by revenue": "/customers/?status=active&ordering=-revenue",
        "profile": f"/customers/{busiest}/",
        "API customer list": "/api/v1/customers/",
        "case queue": "/cases/",
        "case queue, all statuses": "/cases/?status=all",
        "a case": f"/cases/{Case.objects.order_by('number').values_list('number', flat=True)[0]}/",
        "quick search 'anna'": "/customers/quick/?q=anna",
        "API case list": "/api/v1/cases/",
    }
    for name, url in pages.items():
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{name:<28} median {statistics.median(timings):7.1f} ms  "
            f"max {max(timings):7.1f} ms  {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
