"""Recomputing is idempotent, crash-safe and runs once at a time."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from analytics import services
from analytics.models import CohortCell, RecomputeRun, Snapshot
from analytics.services import snapshot_recompute
from config.celery import app as celery_app
from config.exceptions import ApplicationError
from crm import services as crm
from tests import factories
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def history(n: int = 6) -> list:
    customers = []
    for i in range(n):
        customer = factories.customer(customer_since=datetime.date(2026, 1, 1 + i))
        for month in range(1, 7, 1 + i % 3):
            factories.order(
                customer,
                placed_at=at(datetime.date(2026, month, 3 + i)),
                total=f"{10 + i}.50",
                channel="app" if i == 0 else "web",
            )
        customers.append(customer)
    return customers


def rows() -> list[tuple]:
    return list(
        Snapshot.objects.order_by("metric", "period_type", "period_start", "dimension").values_list(
            "metric",
            "period_type",
            "period_start",
            "period_end",
            "dimension",
            "value",
            "components",
            "as_of",
            "definition_version",
        )
    )


def test_recomputing_a_day_gives_identical_rows(db):
    history()
    snapshot_recompute(as_of=datetime.date(2026, 6, 30))
    first, cohorts = (
        rows(),
        list(CohortCell.objects.values_list("cohort", "offset", "size", "active")),
    )
    assert len(first) > 100
    snapshot_recompute(as_of=datetime.date(2026, 6, 30))
    assert rows() == first
    assert list(CohortCell.objects.values_list("cohort", "offset", "size", "active")) == cohorts


def test_a_dimension_without_data_loses_its_rows_on_recompute(db):
    customers = history()
    day = datetime.date(2026, 6, 30)
    snapshot_recompute(as_of=day)
    assert Snapshot.objects.filter(dimension="channel:app", period_start="2026-06-01").exists()
    for order in customers[0].orders.all():
        crm.order_status_set(order=order, status="refunded")
    snapshot_recompute(as_of=day)
    june = Snapshot.objects.filter(period_start="2026-06-01", period_type="month")
    assert not june.filter(dimension="channel:app").exists()
    assert june.filter(dimension="channel:web").exists()


def test_a_crash_half_way_leaves_whole_steps_and_a_rerun_completes(db, monkeypatch):
    history()
    first_day, as_of = datetime.date(2026, 5, 1), datetime.date(2026, 6, 30)
    snapshot_recompute(as_of=as_of, first_day=first_day)
    complete = rows()
    Snapshot.objects.all().delete()

    real_write = services._write
    calls = []

    def crash_in_the_second_step(*, step, rows, selected):
        calls.append(step)
        if len(calls) == 2:
            real_write(step=step, rows=rows[: len(rows) // 2], selected=selected)
            raise RuntimeError("worker killed")
        real_write(step=step, rows=rows, selected=selected)

    monkeypatch.setattr(services, "_write", crash_in_the_second_step)
    with pytest.raises(RuntimeError):
        snapshot_recompute(as_of=as_of, first_day=first_day)
    run = RecomputeRun.objects.order_by("-pk").first()
    assert run.status == "failed" and run.steps_done == 1 and "worker killed" in run.error
    first_step_ends = {period.end for period in calls[0].periods}
    stored = rows()
    assert stored and {row[3] for row in stored} <= first_step_ends  # nothing of step two
    assert stored == [row for row in complete if row[3] in first_step_ends]

    monkeypatch.setattr(services, "_write", real_write)
    snapshot_recompute(as_of=as_of, first_day=first_day)
    assert rows() == complete


def test_one_run_at_a_time_and_a_dead_run_is_taken_over(db):
    history(2)
    now = timezone.now()
    day = datetime.date(2026, 6, 30)
    running = RecomputeRun.objects.create(
        status="running", first_day=day, last_day=day, heartbeat_at=now
    )
    with pytest.raises(ApplicationError) as refused:
        snapshot_recompute(as_of=day)
    assert refused.value.code == "recompute_running"
    assert not Snapshot.objects.exists()
    with pytest.raises(ApplicationError):
        services.run_request(as_of=day)

    RecomputeRun.objects.filter(pk=running.pk).update(
        heartbeat_at=now - datetime.timedelta(hours=1), created_at=now - datetime.timedelta(hours=2)
    )
    run = snapshot_recompute(as_of=day)
    assert run.status == "done" and run.rows > 0
    running.refresh_from_db()
    assert running.status == "failed" and running.error == "stopped without finishing"


def test_only_the_chosen_metric_and_unknown_ones_are_refused(db):
    history(2)
    snapshot_recompute(as_of=datetime.date(2026, 6, 30), metric_keys=["nps"])
    assert set(Snapshot.objects.values_list("metric", flat=True)) == {"nps"}
    assert not CohortCell.objects.exists()
    with pytest.raises(ApplicationError) as refused:
        snapshot_recompute(as_of=datetime.date(2026, 6, 30), metric_keys=["nope"])
    assert refused.value.code == "unknown_metric" and "crr" in refused.value.message


def test_the_cohort_table(db):
    # Two customers acquired in January 2026; one orders in February, both in March.
    a = factories.customer(customer_since=datetime.date(2026, 1, 5))
    b = factories.customer(customer_since=datetime.date(2026, 1, 20))
    factories.order(a, placed_at=at(datetime.date(2026, 1, 5)))
    factories.order(a, placed_at=at(datetime.date(2026, 2, 10)))
    factories.order(a, placed_at=at(datetime.date(2026, 3, 1), hour=0))  # 1 March in Riga
    factories.order(b, placed_at=at(datetime.date(2026, 3, 31), hour=23))
    snapshot_recompute(as_of=datetime.date(2026, 4, 15), metric_keys=["cohorts"])
    cells = {
        cell.offset: (cell.size, cell.active)
        for cell in CohortCell.objects.filter(cohort=datetime.date(2026, 1, 1))
    }
    assert cells == {0: (2, 2), 1: (2, 1), 2: (2, 2), 3: (2, 0)}


def test_the_nightly_queries_do_not_grow_with_the_data(db):
    history(2)
    day = datetime.date(2026, 6, 30)
    snapshot_recompute(as_of=day)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        snapshot_recompute(as_of=day)
    history(12)
    with CaptureQueriesContext(connection) as large:
        snapshot_recompute(as_of=day)
    assert len(small) == len(large)


def test_the_command_backfills_with_a_progress_bar(db, capsys):
    history(2)
    call_command("recompute_metrics", "--as-of", "2026-06-30", "--backfill", "2026-04-01")
    out = capsys.readouterr()
    assert "Recomputed 2026-04-01..2026-06-30" in out.out
    assert "4/4 steps" in out.err and "#" in out.err  # three months of days, the cohorts
    months = Snapshot.objects.filter(metric="crr", period_type="month", dimension="all")
    assert sorted(str(m) for m in months.values_list("period_start", flat=True)) == [
        "2026-04-01",
        "2026-05-01",
        "2026-06-01",
    ]
    with pytest.raises(CommandError, match="not a date"):
        call_command("recompute_metrics", "--as-of", "30.06.2026")
    with pytest.raises(CommandError, match="after"):
        call_command("recompute_metrics", "--as-of", "2026-06-30", "--backfill", "2026-07-01")
    with pytest.raises(CommandError, match="future"):
        call_command(
            "recompute_metrics", "--as-of", str(timezone.localdate() + datetime.timedelta(days=1))
        )
    with pytest.raises(CommandError, match="Unknown metric"):
        call_command("recompute_metrics", "--as-of", "2026-06-30", "--metric", "nope")


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_in_a_real_worker_on_postgresql(monkeypatch):
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    require(bool(os.environ.get("REDIS_URL")), "needs Redis (REDIS_URL)")
    history(3)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = "analytics-test"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        celery_app.send_task("analytics.recompute_nightly", queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run = RecomputeRun.objects.filter(status__in=["done", "failed"]).first()
            if run:
                break
            time.sleep(0.5)
        else:
            process.terminate()
            pytest.fail("the worker did not finish: " + process.communicate(timeout=20)[0][-4000:])
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert run.status == "done", run.error
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert run.last_day == yesterday and run.trigger == "schedule"
    day = Snapshot.objects.get(
        metric="active_customers", period_type="day", period_start=yesterday, dimension="all"
    )
    assert day.as_of == yesterday and day.value is not None


@pytest.mark.django_db
def test_the_order_pass_has_its_covering_index_on_postgresql():
    # Migration 0003: the facts' pass over the completed orders reads them in customer
    # order from this index alone (customer and moment, total and channel carried).
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'analytics_order_facts_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "(customer_id, placed_at) INCLUDE (total, channel)" in definition
    assert "WHERE ((status)::text = 'completed'::text)" in definition
