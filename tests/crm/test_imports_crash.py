"""An import killed half-way on PostgreSQL leaves whole batches, and a re-run completes
the rest without duplicates."""

import io
from decimal import Decimal

import pytest
from django.db import connection

from crm.imports import importers
from crm.imports.importers import customers_import, orders_import
from crm.models import Customer, Order
from tests.conftest import require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Killed(Exception):
    pass


def test_a_crash_after_the_first_batch_keeps_it_and_a_rerun_completes(monkeypatch):
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    monkeypatch.setattr(importers, "BATCH", 3)
    rows = "".join(f"K-{n},Name{n},name{n}@example.com\n" for n in range(8))
    data = ("external_id,first_name,email\n" + rows).encode()

    def crash(report):
        raise Killed  # the process dies right after the first batch committed

    with pytest.raises(Killed):
        customers_import(io.BytesIO(data), progress=crash)
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["K-0", "K-1", "K-2"]

    report = customers_import(io.BytesIO(data))
    assert (report.created, report.unchanged, report.done_rows) == (5, 3, 8)
    assert Customer.objects.count() == 8
    assert Customer.objects.filter(external_id="K-7", first_name="Name7").exists()


def test_orders_are_written_by_whole_customers_and_a_rerun_completes_them(monkeypatch):
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    customers = "external_id,first_name\n" + "".join(f"K-{n},Name{n}\n" for n in range(4))
    assert customers_import(io.BytesIO(customers.encode())).ok
    monkeypatch.setattr(importers, "BATCH", 3)
    # Six orders, the customers interleaved as a shop's export by date would have them.
    rows = "".join(f"KO-{n},K-{n % 3},2025-01-{n + 1:02d} 12:00,10.00\n" for n in range(6))
    data = ("external_id,customer_external_id,placed_at,total\n" + rows).encode()

    def crash(report):
        raise Killed

    with pytest.raises(Killed):
        orders_import(io.BytesIO(data), progress=crash)
    # The first batch holds every order of its customers, and their figures with them.
    written = Customer.objects.filter(order_count__gt=0)
    assert sorted(written.values_list("order_count", flat=True)) == [2, 2]
    assert Order.objects.count() == 4
    for customer in written:
        assert customer.orders.count() == customer.order_count
        assert customer.revenue == Decimal("20.00")

    report = orders_import(io.BytesIO(data))
    assert (report.created, report.unchanged, report.done_rows) == (2, 4, 6)
    assert sorted(Customer.objects.values_list("order_count", flat=True)) == [0, 2, 2, 2]
