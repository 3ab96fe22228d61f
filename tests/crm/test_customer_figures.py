"""The order figures stored with each customer equal the orders, after every kind of
write, and today's status from them equals the status from the orders."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from crm import services
from crm.models import Customer, Order
from crm.selectors.customers import _status_on_day_q, _status_today_q
from tests import factories

pytestmark = pytest.mark.django_db


def assert_figures_match_the_orders():
    done = Q(orders__status="completed")
    for c in Customer.objects.annotate(
        n=Count("orders", filter=done), total=Sum("orders__total", filter=done),
        first=Min("orders__placed_at", filter=done), last=Max("orders__placed_at", filter=done),
    ):  # fmt: skip
        assert (c.order_count, c.revenue, c.first_order_at, c.last_order_at) == (
            c.n, c.total or Decimal("0.00"), c.first, c.last,
        ), c  # fmt: skip


def test_recording_refunding_correcting_and_merging_keep_the_figures(admin_user):
    anna, ilze = factories.customer(), factories.customer()
    first = factories.order(anna, days_ago=30, total="10.00")
    factories.order(anna, days_ago=5, total="25.50")
    factories.order(ilze, days_ago=3, total="7.00", status="cancelled")
    assert_figures_match_the_orders()
    services.order_status_set(order=first, status="refunded")
    assert_figures_match_the_orders()
    second = Order.objects.get(customer=anna, status="completed")
    services.order_update(order=second, placed_at=timezone.now() - datetime.timedelta(days=9))
    assert_figures_match_the_orders()
    services.customer_merge(survivor=ilze, duplicate=anna, author=admin_user)
    assert_figures_match_the_orders()
    ilze.refresh_from_db()
    assert (ilze.order_count, ilze.revenue) == (1, Decimal("25.50"))


def test_the_demo_data_has_true_figures():
    from crm.demo import demo_data_create

    demo_data_create(customers=40, seed=5)
    assert_figures_match_the_orders()


@pytest.mark.parametrize("status", ["active", "lapsed", "closed"])
def test_todays_status_from_the_figures_equals_the_status_from_the_orders(status):
    today = timezone.localdate()
    factories.order(factories.customer(), days_ago=10)
    factories.order(factories.customer(), days_ago=200)
    factories.customer(customer_since=today - datetime.timedelta(days=300))
    closed = factories.customer(
        customer_since=today - datetime.timedelta(days=400),
        closed_on=today - datetime.timedelta(days=100),
    )
    factories.order(closed, days_ago=300)
    reopened = factories.customer(
        customer_since=today - datetime.timedelta(days=400),
        closed_on=today - datetime.timedelta(days=100),
    )
    factories.order(reopened, days_ago=20)
    fast = set(Customer.objects.filter(_status_today_q(status, today)).values_list("pk", flat=True))
    slow = set(
        Customer.objects.filter(_status_on_day_q(status, today)).values_list("pk", flat=True)
    )
    assert fast == slow and fast
