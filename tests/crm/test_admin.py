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


def test_cases_are_read_only_but_admins_manage_teams(client, admin_user, support_user):
    from crm.models import Team

    case = factories.case(subject="Zip broken")
    client.force_login(admin_user)
    assert client.get("/admin/crm/case/add/").status_code == 403
    assert "Zip broken" in client.get(f"/admin/crm/case/{case.pk}/change/").content.decode()
    created = client.post(
        "/admin/crm/team/add/", {"name": "Front line", "members": [support_user.pk]}
    )
    assert created.status_code == 302
    assert list(Team.objects.get().members.all()) == [support_user]
    twin = client.post("/admin/crm/team/add/", {"name": "FRONT LINE"})
    assert twin.status_code == 200
    assert "already exists" in twin.content.decode()
    assert Team.objects.count() == 1
