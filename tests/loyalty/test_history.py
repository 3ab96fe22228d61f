"""A manual adjustment is in the history of staff changes, with its reason escaped."""

import pytest
from django.urls import reverse

from loyalty import services

pytestmark = pytest.mark.django_db


def test_an_adjustment_is_in_the_history_of_changes(client, admin_user, member):
    services.points_adjust(
        customer=member, points=30, reason="Late <b>parcel</b>", author=admin_user
    )
    client.force_login(admin_user)
    html = client.get(reverse("crm:history")).content.decode()
    assert "Late &lt;b&gt;parcel&lt;/b&gt;" in html
    assert "Late <b>parcel</b>" not in html
    assert "Līga Ozola" in html
