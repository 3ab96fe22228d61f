import datetime

import pytest

from crm.models import Order
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def test_recording_an_order_returns_it_and_moves_customer_since(admin_user):
    customer = factories.customer(customer_since=datetime.date(2025, 6, 1))
    response = api_as(admin_user).post(
        "/api/v1/orders/",
        {
            "external_id": "SHOP-77",
            "customer": customer.pk,
            "placed_at": "2025-02-03T10:00:00+02:00",
            "total": "129.90",
            "channel": "store",
            "item_count": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["total"] == "129.90"
    assert response.json()["currency"] == "EUR"
    customer.refresh_from_db()
    assert customer.customer_since == datetime.date(2025, 2, 3)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total": "-5"}, "total"),
        ({"total": "1.234"}, "total"),
        ({"currency": "USD"}, "currency"),
        ({"placed_at": "2999-01-01T00:00:00Z"}, "placed_at"),
        ({"status": "lost"}, "status"),
        ({"customer": 999999}, "customer"),
        ({"item_count": 0}, "item_count"),
    ],
)
def test_bad_orders_get_a_field_error_and_nothing_is_written(admin_user, change, field):
    customer = factories.customer()
    body = {
        "external_id": "SHOP-1",
        "customer": customer.pk,
        "placed_at": "2025-02-03T10:00:00Z",
        "total": "10.00",
        **change,
    }
    response = api_as(admin_user).post("/api/v1/orders/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Order.objects.count() == 0


def test_a_refund_changes_the_status_and_a_second_change_is_refused(admin_user):
    order = factories.order(factories.customer())
    client = api_as(admin_user)
    response = client.patch(f"/api/v1/orders/{order.pk}/", {"status": "refunded"}, format="json")
    assert response.json()["status"] == "refunded"
    response = client.patch(f"/api/v1/orders/{order.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_status_change"


def test_orders_filter_by_customer_and_date(support_user):
    a, b = factories.customer(), factories.customer()
    factories.order(a, placed_at=factories.at_day(datetime.date(2025, 1, 10)))
    factories.order(a, placed_at=factories.at_day(datetime.date(2025, 3, 10)))
    factories.order(b, placed_at=factories.at_day(datetime.date(2025, 3, 10)))
    rows = (
        api_as(support_user)
        .get("/api/v1/orders/", {"customer": a.pk, "placed_from": "2025-02-01T00:00:00Z"})
        .json()["results"]
    )
    assert len(rows) == 1 and rows[0]["customer"] == a.pk


# user permissions, group permissions, count, page
API_LIST_QUERIES = 4


@pytest.mark.parametrize("url", ["/api/v1/orders/", "/api/v1/interactions/", "/api/v1/tags/"])
def test_api_lists_keep_their_query_count_as_data_grows(
    support_user, django_assert_num_queries, url
):
    from crm import services

    client = api_as(support_user)
    for n in range(15):
        customer = factories.customer()
        factories.order(customer)
        services.interaction_create(customer=customer, author=support_user, body=f"n{n}")
        services.tag_create(name=f"tag{n}")
    with django_assert_num_queries(API_LIST_QUERIES):
        response = client.get(url)
    assert response.json()["count"] == 15


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
def test_a_date_filter_the_database_cannot_store_is_a_400(support_user, moment):
    response = api_as(support_user).get("/api/v1/orders/", {"placed_from": moment})
    assert response.status_code == 400
    assert "placed_from" in response.json()["fields"]
