"""Bugs a hostile review found, each pinned by the request or call that showed it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from loyalty import services
from loyalty.models import MAX_POINTS, Account, EarnRule, LedgerEntry, Redemption
from tests import factories
from tests.conftest import api_as
from tests.loyalty.conftest import earn, reward, rule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["9223372036854775808", "1e19", "9" * 30, "1.5", "abc"])
@pytest.mark.parametrize("path", ["ledger", "redemptions"])
def test_an_impossible_customer_filter_is_a_400(support_user, member, path, value):
    response = api_as(support_user).get(f"/api/v1/loyalty/{path}/", {"customer": value})
    assert response.status_code == 400
    assert "customer" in response.json()["fields"]


@pytest.mark.parametrize("value", [1.9, True, "1e3", [1], {"id": 1}, 2**70])
def test_an_id_that_is_not_a_whole_number_is_refused(marketing_user, member, value):
    response = api_as(marketing_user).post(
        "/api/v1/loyalty/adjustments/",
        {"customer": value, "points": 5, "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    assert not LedgerEntry.objects.filter(kind="adjust").exists()


def test_crm_refuses_a_decimal_customer_id_too(admin_user, member):
    from crm.models import Interaction

    response = api_as(admin_user).post(
        "/api/v1/interactions/", {"customer": 1.9, "kind": "note", "body": "x"}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    assert not Interaction.objects.exists()


def test_a_huge_order_earns_the_most_one_line_holds_and_the_sweep_goes_on(member, monkeypatch):
    big = earn(member, total="20000000.00")
    assert LedgerEntry.objects.get(order=big).points == MAX_POINTS
    lost = factories.order(member, total="10.00")  # its event never arrived
    real = services.earning.order_points_earn
    failing = factories.order(factories.customer(), total="5.00")

    def flaky(*, order_id):
        if order_id == failing.pk:
            raise RuntimeError("boom")
        return real(order_id=order_id)

    monkeypatch.setattr(services.maintenance, "order_points_earn", flaky)
    counts = services.order_events_sweep()
    assert counts["failed"] == 1 and counts["earned"] == 1
    assert LedgerEntry.objects.filter(order=lost).exists()


def test_a_merged_customers_refund_does_not_cost_the_survivor_its_tier(member):
    services.tier_save(data={"name": "Gold", "threshold": 100})
    duplicate = factories.customer()
    earn(member, total="150.00")
    order = earn(duplicate, total="120.00")
    crm_services.customer_merge(survivor=member, duplicate=duplicate, author=None)
    account = Account.objects.get(customer=member)
    assert (account.balance, account.qualifying_points, account.tier.name) == (270, 270, "Gold")
    crm_services.order_status_set(order=order, status="refunded")
    services.order_points_reverse(order_id=order.pk)
    account.refresh_from_db()
    assert (account.balance, account.qualifying_points, account.tier.name) == (150, 150, "Gold")
    services.tiers_recompute()
    account.refresh_from_db()
    assert (account.qualifying_points, account.tier.name) == (150, "Gold")
    assert services.ledger_check() == []


def test_the_welcome_bonus_alone_reaches_a_tier(db, admin_user):
    from tests.loyalty.conftest import programme

    programme()
    rule(EarnRule.Kind.SIGNUP, name="Welcome", points=500)
    services.tier_save(data={"name": "Gold", "threshold": 100})
    customer = factories.customer()
    services.points_adjust(customer=customer, points=5, reason="Hello", author=admin_user)
    account = Account.objects.get(customer=customer)
    assert (account.balance, account.qualifying_points, account.tier.name) == (505, 500, "Gold")


def test_the_panel_names_the_programme_to_a_non_member(client, support_user, member):
    client.force_login(support_user)
    html = client.get(reverse("crm:customer-detail", args=[member.pk])).content.decode()
    assert "Not a member of Retain Rewards yet." in html


def test_adjustment_replays_are_marked_and_keys_belong_to_their_user(
    member, marketing_user, admin_user
):
    body = {"customer": member.pk, "points": 5, "reason": "Goodwill"}
    url = "/api/v1/loyalty/adjustments/"
    first = api_as(marketing_user).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api_as(marketing_user).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = api_as(admin_user).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] != other.json()["id"]
    assert LedgerEntry.objects.filter(kind="adjust").count() == 2


def test_a_refund_after_the_points_expired_takes_only_what_is_left(member):
    order = earn(member, total="100.00")
    services.reward_redeem(customer=member, reward=reward(cost=30), author=None)
    services.points_expire(now=timezone.now() + datetime.timedelta(days=400))  # 70 expire
    crm_services.order_status_set(order=order, status="refunded")
    services.order_points_reverse(order_id=order.pk)
    # 30 were spent before the refund: that is the debt; the 70 expired are not taken twice.
    assert Account.objects.get(customer=member).balance == -30
    assert services.ledger_check() == []


def test_a_merged_customers_voucher_can_be_cancelled(client, support_user, member):
    duplicate = factories.customer()
    earn(member, total="10.00")
    earn(duplicate, total="200.00")
    redemption, _ = services.reward_redeem(customer=duplicate, reward=reward(cost=100), author=None)
    crm_services.customer_merge(survivor=member, duplicate=duplicate, author=None)
    client.force_login(support_user)
    response = client.post(reverse("loyalty:redemption-cancel", args=[redemption.pk]))
    assert response.status_code == 302
    assert Redemption.objects.get().status == "cancelled"
    assert Account.objects.get(customer=member).balance == 210
    assert services.ledger_check() == []
