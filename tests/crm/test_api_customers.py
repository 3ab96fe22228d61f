import datetime

import pytest

from crm.models import Customer
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def test_it_creates_a_customer_and_answers_with_its_normalised_data(support_user):
    response = api_as(support_user).post(
        "/api/v1/customers/",
        {
            "first_name": "Rūta",
            "last_name": "Kazlauskienė",
            "email": "Ruta@Example.com",
            "phone": "8 612 34567",
            "country": "lt",
            "language": "lt",
            "email_consent": True,
            "attributes": {"source": "store"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "+37061234567"
    assert body["country"] == "LT"
    assert body["email_consent"] is True and body["email_consent_at"]
    assert body["customer_since"] == datetime.date.today().isoformat() or body["customer_since"]
    assert Customer.objects.get(pk=body["id"]).attributes == {"source": "store"}


def test_bad_input_gets_field_errors_in_one_format_and_writes_nothing(support_user):
    response = api_as(support_user).post(
        "/api/v1/customers/",
        {
            "first_name": "X",
            "email": "not-an-email",
            "customer_since": "yesterday",
            "language": "de",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "customer_since", "language"}
    assert Customer.objects.count() == 0


def test_service_rule_errors_come_back_as_field_errors(support_user):
    factories.customer(email="anna@example.com")
    response = api_as(support_user).post(
        "/api/v1/customers/",
        {
            "first_name": "Anna",
            "email": "ANNA@example.com",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"email": ["A customer with this email already exists."]}
    assert Customer.objects.count() == 1


def test_a_customer_needs_a_name_an_email_or_a_company(support_user):
    response = api_as(support_user).post(
        "/api/v1/customers/", {"phone": "+37120000000"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["fields"]


def test_malformed_json_is_a_400_not_a_500(support_user):
    response = api_as(support_user).post(
        "/api/v1/customers/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_search_matches_names_emails_and_phone_fragments(support_user):
    factories.customer(first_name="Jānis", last_name="Kalniņš", phone="+37129123456")
    factories.customer(first_name="Emma", last_name="Smith", email="emma@shop.example.com")
    client = api_as(support_user)

    def names(query):
        rows = client.get("/api/v1/customers/", {"q": query}).json()["results"]
        return [row["display_name"] for row in rows]

    assert names("kalniņš") == ["Jānis Kalniņš"]
    assert names("2912 3456") == ["Jānis Kalniņš"]
    assert names("shop.example") == ["Emma Smith"]
    assert names("emma smith") == ["Emma Smith"]
    assert names("nobody") == []


def test_filters_and_ordering(support_user):
    old = factories.customer(
        first_name="Old", country="LV", customer_since=datetime.date(2023, 1, 1)
    )
    factories.order(old, placed_at=factories.at_day(datetime.date(2023, 1, 1)), total="50.00")
    factories.customer(first_name="New", country="PL")
    client = api_as(support_user)
    rows = client.get("/api/v1/customers/", {"country": "PL"}).json()["results"]
    assert [r["first_name"] for r in rows] == ["New"]
    rows = client.get("/api/v1/customers/", {"status": "lapsed"}).json()["results"]
    assert [r["first_name"] for r in rows] == ["Old"]
    rows = client.get("/api/v1/customers/", {"ordering": "-revenue"}).json()["results"]
    assert rows[0]["first_name"] == "Old" and rows[0]["revenue"] == "50.00"


def test_an_unknown_filter_value_is_a_400_with_the_field(support_user):
    response = api_as(support_user).get("/api/v1/customers/", {"status": "sleepy"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_the_list_query_count_does_not_grow_with_the_data(support_user, django_assert_num_queries):
    client = api_as(support_user)
    for _ in range(30):
        c = factories.customer()
        factories.order(c)
    # user permissions, group permissions, count, page with order aggregates, their tags
    with django_assert_num_queries(5):
        response = client.get("/api/v1/customers/")
    assert response.json()["count"] == 30


def test_partial_update_keeps_other_fields_and_sets_tags(support_user):
    customer = factories.customer(company="Amber Foods")
    from crm import services

    tag = services.tag_create(name="VIP")
    response = api_as(support_user).patch(
        f"/api/v1/customers/{customer.pk}/", {"tags": [tag.pk], "last_name": "Ozola"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["company"] == "Amber Foods"
    assert [t["name"] for t in response.json()["tags"]] == ["VIP"]


def test_deleting_a_customer_with_orders_is_a_conflict(admin_user):
    customer = factories.customer()
    factories.order(customer)
    response = api_as(admin_user).delete(f"/api/v1/customers/{customer.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "customer_has_orders"


def test_token_authentication_works_with_a_password_login(client, support_user):
    from rest_framework.test import APIClient

    response = client.post(
        "/api/v1/auth/token/",
        {"username": "sam.support", "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/customers/").status_code == 200


def test_the_schema_and_docs_are_served_without_any_cdn(client, support_user):
    client.force_login(support_user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/customers/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower()
    redoc = client.get("/api/redoc/").content.decode()
    assert "drf_spectacular_sidecar/redoc" in redoc


def test_the_docs_send_a_logged_out_visitor_to_log_in(client):
    for path in ["/api/docs/", "/api/redoc/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_docs_pages_name_no_other_host(client, support_user):
    client.force_login(support_user)
    redoc = client.get("/api/redoc/").content.decode()
    assert "fonts.googleapis.com" not in redoc and "https://" not in redoc
    assert "Content-Security-Policy" in redoc  # stops Redoc's own attribution logo
    swagger = client.get("/api/docs/").content.decode()
    assert '"validatorUrl": null' in swagger  # no badge from validator.swagger.io
