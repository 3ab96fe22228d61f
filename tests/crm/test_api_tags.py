import pytest

from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def test_tags_refuse_a_duplicate_name_with_a_field_error(marketing_user):
    client = api_as(marketing_user)
    assert client.post("/api/v1/tags/", {"name": "VIP"}, format="json").status_code == 201
    response = client.post("/api/v1/tags/", {"name": "vip"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["fields"]
