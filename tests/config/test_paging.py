"""Large results show the planner's estimate; small ones an exact count."""

import pytest
from django.db import connection

from config import paging
from config.paging import EstimatedCountPaginator
from crm.models import Customer
from tests import factories
from tests.conftest import require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_a_small_result_is_counted_exactly_and_a_large_one_estimated(monkeypatch):
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    for _ in range(3):
        factories.customer()
    exact = EstimatedCountPaginator(Customer.objects.all(), 25)
    assert (exact.count, exact.estimated) == (3, False)
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", -1)
    estimated = EstimatedCountPaginator(Customer.objects.all(), 25)
    assert estimated.count >= 1 and estimated.estimated is True
