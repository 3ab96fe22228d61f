"""Races on a real PostgreSQL: row locks, unique keys and the append-only trigger."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from config.exceptions import ApplicationError
from crm import signals
from loyalty import receivers, services
from loyalty.models import Account, EarnRule, LedgerEntry, Redemption
from tests import factories
from tests.conftest import require
from tests.loyalty.conftest import programme, reward, rule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(count: int, work) -> list:
    """Start `count` threads that call work(i) together; returns each result or error."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i):
        try:
            barrier.wait(10)
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def pg(db):
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    # The events come from the threads below, not from the order's own commit.
    signals.order_completed.disconnect(dispatch_uid="loyalty.earn")
    signals.order_refunded.disconnect(dispatch_uid="loyalty.refunded")
    yield
    signals.order_completed.connect(receivers.on_order_completed, dispatch_uid="loyalty.earn")
    signals.order_refunded.connect(receivers.on_order_undone, dispatch_uid="loyalty.refunded")


@pytest.fixture
def member(pg):
    programme()
    rule(EarnRule.Kind.SPEND, name="Per euro")
    customer = factories.customer()
    order = factories.order(customer, total="700.00")
    services.order_points_earn(order_id=order.pk)
    return customer


def test_fifty_simultaneous_redemptions_spend_exactly_what_the_balance_covers(member):
    gift = reward(cost=100)  # the balance of 700 covers exactly 7

    results = run_at_once(
        50, lambda i: services.reward_redeem(customer=member, reward=gift, author=None)[0].code
    )
    codes = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(codes) == 7 and len(set(codes)) == 7
    assert len(refusals) == 43 and {r.code for r in refusals} == {"insufficient_points"}
    account = Account.objects.get(customer=member)
    assert account.balance == 0
    assert Redemption.objects.count() == 7
    assert LedgerEntry.objects.filter(kind="redeem").count() == 7
    assert services.ledger_check() == []


def test_duplicate_order_events_at_once_earn_once(pg):
    programme()
    rule(EarnRule.Kind.SPEND, name="Per euro")
    rule(EarnRule.Kind.SIGNUP, name="Welcome", points=50)
    customer = factories.customer()
    order = factories.order(customer, total="120.00")

    results = run_at_once(10, lambda i: len(services.order_points_earn(order_id=order.pk)))
    assert sorted(results) == [0] * 9 + [1]
    assert Account.objects.filter(customer=customer).count() == 1
    assert Account.objects.get(customer=customer).balance == 170  # 120 + the welcome bonus
    assert LedgerEntry.objects.filter(order=order).count() == 1
    assert services.ledger_check() == []


def test_twenty_replays_of_one_idempotency_key_write_once(member):
    gift = reward(cost=100)

    results = run_at_once(
        20,
        lambda i: (
            services.reward_redeem(
                customer=member, reward=gift, author=None, idempotency_key="replayed-key"
            )[0].pk
        ),
    )
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Redemption.objects.count() == 1
    assert Account.objects.get(customer=member).balance == 600
    assert services.ledger_check() == []


def test_concurrent_refund_events_reverse_once(member):
    from crm import services as crm_services
    from crm.models import Order

    order = Order.objects.get(customer=member)
    crm_services.order_status_set(order=order, status=Order.Status.REFUNDED)
    results = run_at_once(10, lambda i: len(services.order_points_reverse(order_id=order.pk)))
    assert sorted(results) == [0] * 9 + [1]
    assert Account.objects.get(customer=member).balance == 0
    assert services.ledger_check() == []


def test_raw_sql_cannot_update_or_delete_a_ledger_row(member):
    entry = LedgerEntry.objects.get()
    with connection.cursor() as cursor:
        for statement in (
            "UPDATE loyalty_ledgerentry SET points = 1000000 WHERE id = %s",
            "UPDATE loyalty_ledgerentry SET reason = 'edited' WHERE id = %s",
            "DELETE FROM loyalty_ledgerentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with transaction.atomic():
                    cursor.execute(statement, [entry.pk])
        # The unspent points of a lot are the one column that changes.
        with transaction.atomic():
            cursor.execute("UPDATE loyalty_ledgerentry SET remaining = 0 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert (entry.points, entry.remaining, entry.reason) == (700, 0, entry.reason)
    assert LedgerEntry.objects.count() == 1
