import pytest

from tests import factories
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def test_interactions_need_content(support_user):
    customer = factories.customer()
    response = api_as(support_user).post(
        "/api/v1/interactions/", {"customer": customer.pk, "subject": " "}, format="json"
    )
    assert response.status_code == 400
    assert "body" in response.json()["fields"]
