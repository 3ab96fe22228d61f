import pytest
from django.urls import reverse

from crm.models import Customer, Order
from tests import factories

pytestmark = pytest.mark.django_db


def test_admin_finds_compares_and_merges_a_duplicate(client, admin_user):
    survivor = factories.customer(first_name="Līga", email="liga@example.lv")
    duplicate = factories.customer(first_name="Liga", email="liga.ozola@example.lv")
    factories.order(duplicate, total="19.90")
    client.force_login(admin_user)
    url = reverse("crm:customer-merge", args=[survivor.pk])
    assert client.get(url).status_code == 200
    missing = client.post(url, {"duplicate": "nobody@example.lv"})
    assert missing.status_code == 400 and "No other customer" in missing.content.decode()
    itself = client.post(url, {"duplicate": f"#{survivor.pk}"})
    assert itself.status_code == 400
    compare = client.post(url, {"duplicate": "LIGA.OZOLA@example.lv"})
    html = compare.content.decode()
    assert compare.status_code == 200 and 'data-testid="merge-compare"' in html
    assert "€19.90" in html and Customer.objects.count() == 2  # nothing merged yet
    done = client.post(url, {"duplicate": f"#{duplicate.pk}", "confirm": "on"})
    assert done.status_code == 302
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert Order.objects.get().customer == survivor


@pytest.mark.parametrize("role", ["support", "marketing", "none"])
def test_only_admin_may_merge(client, role_users, role):
    survivor, duplicate = factories.customer(), factories.customer()
    client.force_login(role_users[role])
    url = reverse("crm:customer-merge", args=[survivor.pk])
    assert client.get(url).status_code == 403
    client.post(url, {"duplicate": f"#{duplicate.pk}", "confirm": "on"})
    assert Customer.objects.filter(pk=duplicate.pk).exists()
