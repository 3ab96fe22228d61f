"""An import killed half-way on PostgreSQL leaves whole batches, and a re-run completes
the rest without duplicates."""

import io

import pytest
from django.db import connection

from crm.imports import importers
from crm.imports.importers import customers_import
from crm.models import Customer
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
