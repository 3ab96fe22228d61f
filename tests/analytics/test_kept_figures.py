"""The nightly keeps each customer's figures from the orders before the month, and
brings them up to date from the order changes the triggers record: its rows equal a
pass over every order, whatever was written to an older order in between."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from analytics import receivers, services
from analytics.engine import facts, state, triggers
from analytics.engine.facts import Step
from analytics.engine.state import STATE
from analytics.models import CohortCell, FactsState, OrderChange, Snapshot
from analytics.periods import Period
from analytics.services import snapshot_recompute
from crm.models import Customer, Order
from tests import factories
from tests.conftest import require

LAST_DAY = datetime.date(2026, 7, 20)  # orders after the runs' days, none in the future
KEY = ("metric", "period_type", "period_start", "period_end", "dimension", "value", "components")


def local(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def history(seed: int = 7) -> list[Customer]:
    """Thirty customers with orders over eighteen months in every channel, some on
    month, quarter and year boundaries and around midnight, some closed (and one
    reopened by a later order)."""
    rng = random.Random(seed)
    customers = []
    for _ in range(30):
        since = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(500))
        customer = factories.customer(customer_since=since)
        for _ in range(rng.randrange(0, 7)):
            day = min(since + datetime.timedelta(days=rng.randrange(0, 560)), LAST_DAY)
            factories.order(
                customer,
                placed_at=local(day, rng.randrange(24), rng.randrange(60)),
                total=f"{rng.randrange(1, 400)}.{rng.randrange(100):02d}",
                channel=rng.choice(list(Order.Channel.values)),
            )
        customers.append(customer)
    # Around midnight of month and quarter starts, in the business time zone.
    for day in (datetime.date(2026, 4, 1), datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)):
        factories.order(customers[1], placed_at=local(day - datetime.timedelta(days=1), 23, 59))
        factories.order(customers[2], placed_at=local(day, 0, 0))
    Customer.objects.filter(pk__in=[customers[3].pk, customers[4].pk]).update(
        closed_on=datetime.date(2026, 2, 10)
    )
    factories.order(customers[3], placed_at=local(datetime.date(2026, 5, 20)))  # reopened
    return customers


def stored() -> list[tuple]:
    return sorted(Snapshot.objects.values_list(*KEY))


def cells() -> list[tuple]:
    return list(
        CohortCell.objects.order_by("cohort", "offset").values_list(
            "cohort", "offset", "size", "active", "as_of"
        )
    )


def full_pass(as_of: datetime.date) -> list[tuple]:
    """The same day's rows from a pass over every order, nothing kept."""
    (step,) = services.recompute_plan(first_day=as_of, as_of=as_of)
    computed = services.step_rows(
        step=step,
        selected=services._selected(None),
        months=services.cohort_months(as_of),
    )
    return sorted(tuple(getattr(row, name) for name in KEY) for row in computed)


def as_stored(computed: list[tuple]) -> list[tuple]:
    """Values as the database gives them back (Decimal places, JSON)."""
    return [
        (*row[:5], None if row[5] is None else Decimal(row[5]).quantize(Decimal("0.0001")), row[6])
        for row in computed
    ]


def older_orders_written(customers: list[Customer], cut: datetime.date) -> None:
    """Every kind of write to orders before the kept month, most without a signal."""
    older = list(
        Order.objects.filter(placed_at__lt=local(cut, 0), status="completed").order_by("pk")
    )
    assert len(older) > 10
    refunded, moved, corrected, gone, rechanneled = older[0], older[1], older[2], older[3], older[4]
    refunded.status = Order.Status.REFUNDED
    refunded.save()
    # A merge moves orders; an import corrects a date; raw SQL deletes and re-labels.
    Order.objects.filter(pk=moved.pk).update(customer=customers[-1])
    Order.objects.filter(pk=corrected.pk).update(placed_at=local(cut, 10))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM crm_order WHERE id = %s", [gone.pk])
        cursor.execute("UPDATE crm_order SET channel = 'phone' WHERE id = %s", [rechanneled.pk])
    # A backdated order, one inside the month, and a customer's first order ever.
    factories.order(customers[5], placed_at=local(cut - datetime.timedelta(days=40)))
    factories.order(customers[6], placed_at=local(cut + datetime.timedelta(days=1), 9))
    newcomer = factories.customer(customer_since=datetime.date(2026, 1, 5))
    factories.order(newcomer, placed_at=local(cut - datetime.timedelta(days=3)), channel="store")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # The week starts in the month: kept up to the month's day before.
        (datetime.date(2026, 6, 17), datetime.date(2026, 6, 18)),
        # The first run's week began in June: it keeps June 28 too, which the later
        # run, a week on, sums over.
        (datetime.date(2026, 7, 2), datetime.date(2026, 7, 9)),
    ],
)
def test_the_kept_figures_brought_up_to_date_equal_a_pass_over_every_order(db, first, second):
    customers = history()
    snapshot_recompute(as_of=first)
    built = FactsState.objects.get()
    assert built.cut == first.replace(day=1)
    assert (
        built.customers
        == Order.objects.filter(status="completed", placed_at__lt=local(built.cut, 0))
        .values("customer")
        .distinct()
        .count()
    )
    assert not OrderChange.objects.exists()
    assert stored() == as_stored(full_pass(first))

    older_orders_written(customers, built.cut)
    assert OrderChange.objects.count() >= 9
    snapshot_recompute(as_of=second)
    kept = FactsState.objects.get()
    assert (kept.pk, kept.built_at, kept.days) == (built.pk, built.built_at, built.days)
    assert kept.refreshed_at is not None
    assert not OrderChange.objects.exists()
    second_rows = [row for row in stored() if row[3] == second]
    assert len(second_rows) > 200
    assert second_rows == as_stored(full_pass(second))
    # The cohort table from the kept months with an order, and from every order.
    kept_cells = cells()
    assert len(kept_cells) > 50
    services.cohorts_recompute(as_of=second)
    assert cells() == kept_cells


def test_a_new_month_builds_them_again_and_an_older_day_leaves_them_alone(db):
    customers = history()
    snapshot_recompute(as_of=datetime.date(2026, 6, 30))
    june = FactsState.objects.get()
    snapshot_recompute(as_of=datetime.date(2026, 7, 1))
    july = FactsState.objects.get()
    assert (june.cut, july.cut) == (datetime.date(2026, 6, 1), datetime.date(2026, 7, 1))
    assert july.days == ["2025-12-31", "2026-06-28", "2026-06-30"]  # year, week, month
    # A recompute of a June day reads every order, and keeps July's figures and the
    # changes they have not seen yet.
    factories.order(customers[7], placed_at=local(datetime.date(2026, 5, 2)))
    snapshot_recompute(as_of=datetime.date(2026, 6, 12))
    assert FactsState.objects.get().built_at == july.built_at
    assert OrderChange.objects.filter(customer_id=customers[7].pk).exists()
    june_rows = [row for row in stored() if row[3] == datetime.date(2026, 6, 12)]
    assert june_rows == as_stored(full_pass(datetime.date(2026, 6, 12)))


def test_a_backfill_reads_every_order_and_keeps_nothing(db):
    history()
    snapshot_recompute(as_of=datetime.date(2026, 6, 30), first_day=datetime.date(2026, 6, 1))
    assert not FactsState.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_triggers_see_bulk_and_raw_writes_and_truncate_forgets_on_postgresql():
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    customer = factories.customer(customer_since=datetime.date(2026, 1, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency, "
            "status, channel, item_count, created_at, updated_at) SELECT 'B-' || g, %s, "
            "now() - g * interval '1 day', 10, 'EUR', 'completed', 'web', 1, now(), now() "
            "FROM generate_series(1, 50) g",
            [customer.pk],
        )
    # One statement, fifty rows: the statement trigger records them all.
    assert OrderChange.objects.filter(customer_id=customer.pk).count() == 50
    snapshot_recompute(as_of=timezone.localdate())
    assert FactsState.objects.exists()
    assert STATE in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE crm_order CASCADE")
    assert not FactsState.objects.exists()


def test_a_step_of_trailing_periods_only_still_has_the_first_order_channel(db):
    customers = history()
    day = datetime.date(2026, 6, 30)
    step = Step(as_of=day, periods=[Period("trailing30", datetime.date(2026, 6, 1), day)])
    facts.build(step)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT channel FROM {facts.FACTS} WHERE customer_id = %s", [customers[2].pk]
        )
        (channel,) = cursor.fetchone()
    first = customers[2].orders.filter(status="completed").order_by("placed_at", "channel").first()
    assert channel == first.channel


def test_an_upsert_that_moves_an_order_records_both_customers(db):
    one = factories.customer(customer_since=datetime.date(2026, 1, 1))
    two = factories.customer(customer_since=datetime.date(2026, 1, 1))
    order = factories.order(one, placed_at=local(datetime.date(2026, 2, 1)), external_id="UP-1")
    OrderChange.objects.all().delete()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency, "
                "status, channel, item_count, created_at, updated_at) VALUES ('UP-1', %s, %s, "
                "10, 'EUR', 'completed', 'web', 1, %s, %s) ON CONFLICT (external_id) DO UPDATE "
                "SET customer_id = EXCLUDED.customer_id",
                [two.pk, order.placed_at, order.created_at, order.created_at],
            )
        else:
            # SQLite fires no delete trigger for the row a REPLACE removes.
            cursor.execute(
                "INSERT OR REPLACE INTO crm_order (id, external_id, customer_id, placed_at, "
                "total, currency, status, channel, item_count, created_at, updated_at) "
                "VALUES (%s, 'UP-1', %s, %s, 10, 'EUR', 'completed', 'web', 1, %s, %s)",
                [order.pk, two.pk, order.placed_at, order.created_at, order.created_at],
            )
    assert set(OrderChange.objects.values_list("customer_id", flat=True)) == {one.pk, two.pk}


def test_without_the_triggers_nothing_is_kept_and_migrate_puts_them_back(db, caplog):
    history()
    day = datetime.date(2026, 6, 17)
    snapshot_recompute(as_of=day)
    assert FactsState.objects.exists()
    triggers.uninstall(connection)
    assert not triggers.installed(connection)
    snapshot_recompute(as_of=day)
    assert "triggers on crm_order are missing" in caplog.text
    assert not FactsState.objects.exists()
    assert [row for row in stored() if row[3] == day] == as_stored(full_pass(day))
    receivers.on_post_migrate(sender=None, using="default")
    assert triggers.installed(connection)
    snapshot_recompute(as_of=day)
    kept = FactsState.objects.get()
    # A migrate that left the triggers in place (they saw every write) keeps them.
    receivers.on_post_migrate(sender=None, using="default")
    assert FactsState.objects.get().built_at == kept.built_at
    # One that dropped them (SQLite rebuilding crm_order) forgets them.
    triggers.uninstall(connection)
    receivers.on_post_migrate(sender=None, using="default")
    assert triggers.installed(connection)
    assert not FactsState.objects.exists()


def kept_rows() -> list[tuple]:
    """The kept table in customer order, revenue rounded (SQLite sums floats; no
    revenue is NULL from a build's SUM and 0 from a roll's, and read as 0)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {STATE} ORDER BY customer_id")
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    return [
        tuple(
            (name, round(float(value or 0), 6) if name.startswith("v") else value)
            for name, value in zip(names, row, strict=True)
        )
        for row in rows
    ]


def refuse_to_build(monkeypatch) -> None:
    def build(days, months):
        raise AssertionError("built again instead of rolled forward")

    monkeypatch.setattr(state, "_build", build)


@pytest.mark.parametrize(
    ("first", "second", "third"),
    [
        # Into a new quarter: June's week, month and quarter days give way to July's.
        (datetime.date(2026, 6, 30), datetime.date(2026, 7, 1), datetime.date(2026, 7, 9)),
        # Into a new year: no new day is before December, the old cut.
        (datetime.date(2025, 12, 15), datetime.date(2026, 1, 2), datetime.date(2026, 1, 20)),
        # A month without a run: rolled forward two months, May's mask shifted two bits.
        (datetime.date(2026, 4, 14), datetime.date(2026, 6, 3), datetime.date(2026, 6, 4)),
    ],
)
def test_a_new_month_rolls_the_kept_figures_forward_into_what_a_build_writes(
    db, monkeypatch, first, second, third
):
    customers = history()
    snapshot_recompute(as_of=first)
    built = FactsState.objects.get()
    older_orders_written(customers, built.cut)
    refuse_to_build(monkeypatch)
    snapshot_recompute(as_of=second)
    rolled = FactsState.objects.get()
    assert rolled.cut == second.replace(day=1)
    assert rolled.built_at == built.built_at
    assert rolled.refreshed_at is not None
    assert not OrderChange.objects.exists()
    assert [row for row in stored() if row[3] == second] == as_stored(full_pass(second))
    kept_cells = cells()
    services.cohorts_recompute(as_of=second)
    assert cells() == kept_cells
    # The rolled table is, row for row and column for column, the one a build writes.
    rolled_rows = kept_rows()
    assert rolled.customers == len(rolled_rows) > 10
    days = [datetime.date.fromisoformat(day) for day in rolled.days]
    monkeypatch.undo()
    state._build(days, services.cohort_months(second))
    assert kept_rows() == rolled_rows
    # A later night of the month brings the rolled rows up to date.
    older_orders_written(customers, rolled.cut)
    refuse_to_build(monkeypatch)
    snapshot_recompute(as_of=third)
    assert [row for row in stored() if row[3] == third] == as_stored(full_pass(third))


def test_other_figures_are_built_again_not_rolled(db, monkeypatch, settings):
    history()
    built = []
    real_build = state._build
    monkeypatch.setattr(state, "_build", lambda *args: built.append(args) or real_build(*args))
    snapshot_recompute(as_of=datetime.date(2026, 2, 10))
    # Four months on: longer than a roll takes.
    snapshot_recompute(as_of=datetime.date(2026, 6, 10))
    assert len(built) == 2
    # Another time zone, or another column type of crm_order.
    settings.TIME_ZONE = "America/New_York"
    snapshot_recompute(as_of=datetime.date(2026, 7, 3))
    assert len(built) == 3
    real_columns = state._order_columns
    monkeypatch.setattr(state, "_order_columns", lambda: [*real_columns(), ["x", "int", 0, 0]])
    snapshot_recompute(as_of=datetime.date(2026, 8, 3))
    assert len(built) == 4
    # The next month, nothing else changed: rolled forward.
    snapshot_recompute(as_of=datetime.date(2026, 9, 3))
    assert len(built) == 4
    assert FactsState.objects.get().cut == datetime.date(2026, 9, 1)
    day = datetime.date(2026, 9, 3)
    assert [row for row in stored() if row[3] == day] == as_stored(full_pass(day))


def test_a_kept_table_emptied_by_a_crash_is_built_again(db):
    # PostgreSQL empties an UNLOGGED table when it recovers from a crash.
    customers = history()
    snapshot_recompute(as_of=datetime.date(2026, 6, 17))
    built = FactsState.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATE}")
    factories.order(customers[8], placed_at=local(datetime.date(2026, 6, 18)))
    day = datetime.date(2026, 6, 18)
    snapshot_recompute(as_of=day)
    assert FactsState.objects.get().built_at > built.built_at
    assert [row for row in stored() if row[3] == day] == as_stored(full_pass(day))
