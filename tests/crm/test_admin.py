import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_administration_shows_crm_data_but_cannot_write_around_the_services(client, admin_user):
    customer = factories.customer(first_name="Ilze")
    client.force_login(admin_user)
    assert client.get("/admin/crm/customer/").status_code == 200
    page = client.get(f"/admin/crm/customer/{customer.pk}/change/")
    assert page.status_code == 200 and "Ilze" in page.content.decode()
    refused = client.post(
        f"/admin/crm/customer/{customer.pk}/change/",
        {"first_name": "", "email": "", "customer_since": "9999-12-31"},
    )
    assert refused.status_code == 403
    customer.refresh_from_db()
    assert customer.first_name == "Ilze"
    for model in ("customer", "order", "interaction", "tag"):
        assert client.get(f"/admin/crm/{model}/add/").status_code == 403
