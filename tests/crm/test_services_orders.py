import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from config.exceptions import ApplicationError
from crm import services, signals
from crm.models import Order
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_earlier_completed_order_moves_customer_since_to_its_business_day():
    customer = factories.customer(customer_since=datetime.date(2025, 6, 1))
    factories.order(customer, placed_at=factories.at_day(datetime.date(2024, 3, 10)))
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2024, 3, 10)


@override_settings(TIME_ZONE="Europe/Riga")
def test_customer_since_uses_the_business_day_not_the_utc_day():
    customer = factories.customer(customer_since=datetime.date(2025, 6, 1))
    # 22:30 UTC on 9 March is 00:30 on 10 March in Riga.
    placed = datetime.datetime(2025, 3, 9, 22, 30, tzinfo=datetime.UTC)
    factories.order(customer, placed_at=placed)
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2025, 3, 10)


def test_a_later_or_cancelled_order_leaves_customer_since_alone():
    customer = factories.customer(customer_since=datetime.date(2025, 6, 1))
    factories.order(
        customer,
        placed_at=factories.at_day(datetime.date(2025, 1, 1)),
        status=Order.Status.CANCELLED,
    )
    factories.order(customer, placed_at=factories.at_day(datetime.date(2025, 7, 1)))
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2025, 6, 1)


def test_totals_are_exact_decimals():
    customer = factories.customer()
    order = factories.order(customer, total="0.10")
    factories.order(customer, total="0.20")
    order.refresh_from_db()
    assert order.total == Decimal("0.10")
    assert sum(o.total for o in Order.objects.all()) == Decimal("0.30")


@pytest.mark.parametrize(
    ("total", "message"),
    [("-1.00", "negative"), ("1.005", "two decimal"), ("abc", "amount"), ("NaN", "negative")],
)
def test_bad_totals_are_refused_with_a_field_error(total, message):
    customer = factories.customer()
    with pytest.raises(ValidationError) as excinfo:
        factories.order(customer, total=total)
    assert message in " ".join(excinfo.value.message_dict["total"])
    assert Order.objects.count() == 0


def test_an_order_in_another_currency_is_refused():
    customer = factories.customer()
    with pytest.raises(ValidationError) as excinfo:
        factories.order(customer, currency="USD")
    assert "currency" in excinfo.value.message_dict


def test_naive_and_future_times_are_refused():
    customer = factories.customer()
    with pytest.raises(ValidationError):
        factories.order(customer, placed_at=datetime.datetime(2025, 1, 1, 12))
    with pytest.raises(ValidationError):
        factories.order(customer, placed_at=timezone.now() + datetime.timedelta(days=1))


def test_a_duplicate_external_id_is_refused_and_customer_since_is_untouched():
    customer = factories.customer(customer_since=datetime.date(2025, 6, 1))
    factories.order(customer, external_id="SHOP-1")
    with pytest.raises(ValidationError) as excinfo:
        factories.order(
            customer, external_id="SHOP-1", placed_at=factories.at_day(datetime.date(2020, 1, 1))
        )
    assert "external_id" in excinfo.value.message_dict
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2025, 6, 1)
    assert Order.objects.count() == 1


def test_order_events_are_sent_after_commit(django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    signals.order_completed.connect(listener)
    signals.order_refunded.connect(listener)
    try:
        customer = factories.customer()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            order = factories.order(customer)
        assert received == []  # nothing before commit
        for callback in callbacks:
            callback()
        assert received[0]["order_id"] == order.pk
        assert received[0]["customer_id"] == customer.pk
        with django_capture_on_commit_callbacks(execute=True):
            services.order_status_set(order=order, status=Order.Status.REFUNDED)
        assert [r["order_id"] for r in received] == [order.pk, order.pk]
    finally:
        signals.order_completed.disconnect(listener)
        signals.order_refunded.disconnect(listener)


def test_only_a_completed_order_can_be_refunded_and_a_repeat_is_a_no_op(
    django_capture_on_commit_callbacks,
):
    order = factories.order(factories.customer())
    services.order_status_set(order=order, status=Order.Status.REFUNDED)
    with django_capture_on_commit_callbacks() as callbacks:
        services.order_status_set(order=order, status=Order.Status.REFUNDED)
    assert callbacks == []
    with pytest.raises(ApplicationError) as excinfo:
        services.order_status_set(order=order, status=Order.Status.COMPLETED)
    assert excinfo.value.code == "invalid_status_change"
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_corrected_order_date_moves_customer_since_earlier_but_never_later(
    django_capture_on_commit_callbacks,
):
    customer = factories.customer(customer_since=datetime.date(2025, 5, 1))
    order = factories.order(customer, placed_at=factories.at_day(datetime.date(2025, 6, 1)))
    sent = []
    signals.order_corrected.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.order_update(
                order=order, placed_at=factories.at_day(datetime.date(2025, 4, 2))
            )
    finally:
        signals.order_corrected.disconnect(dispatch_uid="t")
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2025, 4, 2)
    assert sent[0]["order_id"] == order.pk
    assert sent[0]["previous_placed_at"] == factories.at_day(datetime.date(2025, 6, 1))

    services.order_update(order=order, placed_at=factories.at_day(datetime.date(2025, 7, 1)))
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2025, 4, 2)  # staff decide that


def test_a_corrected_order_date_keeps_the_plausible_range():
    customer = factories.customer()
    order = factories.order(customer, days_ago=1)
    with pytest.raises(ValidationError) as refused:
        services.order_update(order=order, placed_at=factories.at_day(datetime.date(1999, 1, 1)))
    assert "placed_at" in refused.value.message_dict
