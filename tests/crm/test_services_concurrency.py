"""Races that only a real PostgreSQL shows: row locks in the crm services."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from config.exceptions import ApplicationError
from crm import services
from crm.models import Customer, Order
from tests import factories
from tests.conftest import require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_deleting_a_customer_while_an_order_is_being_recorded_is_refused_cleanly():
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    customer = factories.customer()
    order_in_flight = threading.Event()
    outcome = {}

    def record_slowly():
        try:
            with transaction.atomic():
                # What order_record does first: lock the customer, then insert.
                locked = Customer.objects.select_for_update().get(pk=customer.pk)
                Order.objects.create(
                    customer=locked,
                    external_id="RACE-1",
                    placed_at=customer.created_at,
                    total="5.00",
                    currency="EUR",
                )
                order_in_flight.set()
                time.sleep(0.5)  # the delete arrives while this transaction is open
        finally:
            connections.close_all()

    recorder = threading.Thread(target=record_slowly)
    recorder.start()
    assert order_in_flight.wait(5)
    try:
        services.customer_delete(customer=customer)
    except ApplicationError as exc:
        outcome["code"] = exc.code
    recorder.join(5)
    assert outcome == {"code": "customer_has_orders"}
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert Order.objects.filter(external_id="RACE-1").exists()


def test_two_cases_opened_at_once_get_different_numbers():
    require(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    first_customer, second_customer = factories.customer(), factories.customer()
    inserted = threading.Event()
    numbers = []

    def open_slowly():
        try:
            with transaction.atomic():
                numbers.append(factories.case(first_customer).number)
                inserted.set()
                time.sleep(0.5)  # the other opening picks the same number meanwhile
        finally:
            connections.close_all()

    opener = threading.Thread(target=open_slowly)
    opener.start()
    assert inserted.wait(5)
    numbers.append(factories.case(second_customer).number)
    opener.join(5)
    assert sorted(numbers) == [1001, 1002]
