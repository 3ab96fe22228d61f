"""The loyalty rows of the README's role matrix, for pages and API alike."""

import pytest
from django.urls import reverse

from loyalty.models import Account, LedgerEntry, Redemption
from tests import factories
from tests.conftest import api_as
from tests.loyalty.conftest import earn, reward

pytestmark = pytest.mark.django_db

ROLES = ["support", "marketing", "admin", "none"]


def allowed(*roles):
    return {role: role in roles for role in ROLES}


EVERY_ROLE = allowed("support", "marketing", "admin")
MARKETING = allowed("marketing", "admin")


@pytest.fixture
def member(spend_programme):
    customer = factories.customer(first_name="Līga", last_name="Ozola")
    earn(customer, total="500.00")
    return customer


PAGES = [
    ("overview", lambda c: reverse("loyalty:overview"), EVERY_ROLE),
    ("members", lambda c: reverse("loyalty:member-list"), EVERY_ROLE),
    ("member", lambda c: reverse("loyalty:member-detail", args=[c.pk]), EVERY_ROLE),
    ("rewards", lambda c: reverse("loyalty:reward-list"), EVERY_ROLE),
    ("new reward", lambda c: reverse("loyalty:reward-create"), MARKETING),
    ("settings", lambda c: reverse("loyalty:programme"), MARKETING),
    ("earn rules", lambda c: reverse("loyalty:rule-list"), MARKETING),
    ("new tier", lambda c: reverse("loyalty:tier-create"), MARKETING),
]


@pytest.mark.parametrize(("name", "url", "matrix"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_loyalty_pages_follow_the_role_matrix(client, role_users, member, name, url, matrix, role):
    client.force_login(role_users[role])
    assert client.get(url(member)).status_code == (200 if matrix[role] else 403)


@pytest.mark.parametrize("role", ROLES)
def test_redeeming_from_the_profile_follows_the_role_matrix(client, role_users, member, role):
    client.force_login(role_users[role])
    gift = reward(cost=100)
    response = client.post(reverse("loyalty:redeem", args=[member.pk]), {"reward": gift.pk})
    assert response.status_code == (302 if EVERY_ROLE[role] else 403)
    assert Redemption.objects.count() == (1 if EVERY_ROLE[role] else 0)


@pytest.mark.parametrize("role", ROLES)
def test_adjusting_points_follows_the_role_matrix(client, role_users, member, role):
    client.force_login(role_users[role])
    response = client.post(
        reverse("loyalty:adjust", args=[member.pk]), {"points": "25", "reason": "Goodwill"}
    )
    assert response.status_code == (302 if MARKETING[role] else 403)
    assert LedgerEntry.objects.filter(kind="adjust").count() == (1 if MARKETING[role] else 0)


API = [
    ("accounts", "get", "/api/v1/loyalty/accounts/", None, EVERY_ROLE),
    ("ledger", "get", "/api/v1/loyalty/ledger/", None, EVERY_ROLE),
    ("rewards", "get", "/api/v1/loyalty/rewards/", None, EVERY_ROLE),
    ("new reward", "post", "/api/v1/loyalty/rewards/", {"name": "Mug", "cost": 5}, MARKETING),
    ("redemptions", "get", "/api/v1/loyalty/redemptions/", None, EVERY_ROLE),
    ("adjust", "post", "/api/v1/loyalty/adjustments/", "adjust", MARKETING),
    ("redeem", "post", "/api/v1/loyalty/redemptions/", "redeem", EVERY_ROLE),
]


@pytest.mark.parametrize(("name", "method", "url", "body", "matrix"), API, ids=[a[0] for a in API])
@pytest.mark.parametrize("role", ROLES)
def test_the_loyalty_api_follows_the_role_matrix(
    role_users, member, name, method, url, body, matrix, role
):
    if body == "adjust":
        body = {"customer": member.pk, "points": 10, "reason": "Goodwill"}
    elif body == "redeem":
        body = {"customer": member.pk, "reward": reward(cost=10).pk}
    response = getattr(api_as(role_users[role]), method)(url, body, format="json")
    expected = (201 if method == "post" else 200) if matrix[role] else 403
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("role", ROLES)
def test_enrolling_follows_the_role_matrix(client, role_users, spend_programme, role):
    customer = factories.customer()
    client.force_login(role_users[role])
    response = client.post(reverse("loyalty:enrol", args=[customer.pk]))
    assert response.status_code == (302 if EVERY_ROLE[role] else 403)
    enrolled = Account.objects.filter(customer=customer).exists()
    assert enrolled == EVERY_ROLE[role]
    api = api_as(role_users[role]).post(
        "/api/v1/loyalty/accounts/", {"customer": customer.pk}, format="json"
    )
    assert api.status_code == ((200 if enrolled else 201) if EVERY_ROLE[role] else 403)
