"""/api/v1/segments/ and /api/v1/segments/{id}/members/."""

import pytest

from crm.models import Segment
from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

LATVIANS = {"match": "all", "conditions": [{"type": "country", "op": "in", "value": ["LV"]}]}


@pytest.fixture
def api(marketing_user):
    return api_as(marketing_user)


def test_crud_with_the_rule_as_json(api):
    created = api.post("/api/v1/segments/", {"name": "Latvians", "rule": LATVIANS}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    factories.customer(country="LV")
    detail = api.get(f"/api/v1/segments/{pk}/").json()
    assert (detail["member_count"], detail["rule"]) == (1, LATVIANS)
    patched = api.patch(f"/api/v1/segments/{pk}/", {"tracked": True}, format="json")
    assert patched.json()["tracked"] is True
    assert api.delete(f"/api/v1/segments/{pk}/").status_code == 204
    assert not Segment.objects.exists()


def test_an_invalid_rule_is_a_400_naming_the_condition(api):
    rule = {"match": "all", "conditions": [{"type": "country", "op": "in", "value": ["XX"]}]}
    response = api.post("/api/v1/segments/", {"name": "Bad", "rule": rule}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["rule"] == ["Condition 1 (Country): unknown value XX."]


def test_members_are_paged_customers_with_their_figures(api):
    latvian = factories.customer(first_name="Līga", country="LV")
    factories.order(latvian, total="20.00")
    factories.customer(country="LT")
    pk = api.post("/api/v1/segments/", {"name": "L", "rule": LATVIANS}, format="json").json()["id"]
    members = api.get(f"/api/v1/segments/{pk}/members/").json()
    assert members["count"] == 1
    assert (members["results"][0]["first_name"], members["results"][0]["revenue"]) == (
        "Līga",
        "20.00",
    )


def test_the_customer_api_filters_by_segment(api):
    factories.customer(first_name="Līga", country="LV")
    factories.customer(country="LT")
    pk = api.post("/api/v1/segments/", {"name": "L", "rule": LATVIANS}, format="json").json()["id"]
    listed = api.get(f"/api/v1/customers/?segment={pk}").json()
    assert [c["first_name"] for c in listed["results"]] == ["Līga"]
    assert api.get("/api/v1/customers/?segment=999999").status_code == 400


@pytest.mark.parametrize(
    ("role", "read", "write", "delete"),
    [
        ("support", 200, 201, 403),
        ("marketing", 200, 201, 204),
        ("admin", 200, 201, 204),
        ("none", 403, 403, 403),
    ],
)
def test_the_segment_api_follows_the_role_matrix(role_users, role, read, write, delete):
    from crm import services

    segment = services.segment_create(name="Latvians", rule=LATVIANS)
    client = api_as(role_users[role])
    assert client.get("/api/v1/segments/").status_code == read
    assert client.get(f"/api/v1/segments/{segment.pk}/members/").status_code == read
    created = client.post("/api/v1/segments/", {"name": "Other", "rule": LATVIANS}, format="json")
    assert created.status_code == write
    assert client.delete(f"/api/v1/segments/{segment.pk}/").status_code == delete
