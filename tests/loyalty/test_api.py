"""/api/v1/loyalty/: accounts, ledger, adjustments, rewards, redemptions."""

import pytest

from loyalty.models import LedgerEntry, Redemption
from tests import factories
from tests.conftest import api_as
from tests.loyalty.conftest import earn, reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_member(member):
    earn(member, total="300.00")
    return member


def test_accounts_and_ledger_filter_by_customer(rich_member, support_user):
    other = factories.customer()
    earn(other, total="5.00")
    api = api_as(support_user)
    accounts = api.get("/api/v1/loyalty/accounts/", {"customer": rich_member.pk}).json()
    assert [(a["customer"], a["balance"]) for a in accounts["results"]] == [(rich_member.pk, 300)]
    ledger = api.get("/api/v1/loyalty/ledger/", {"customer": rich_member.pk}).json()
    assert [(e["kind"], e["points"], e["remaining"]) for e in ledger["results"]] == [
        ("earn", 300, 300)
    ]
    assert api.get("/api/v1/loyalty/ledger/", {"bogus": 1}).status_code == 400


def test_redemption_with_idempotency_key_replays_and_conflicts(rich_member, support_user):
    voucher = reward(cost=100)
    api = api_as(support_user)
    body = {"customer": rich_member.pk, "reward": voucher.pk}
    first = api.post("/api/v1/loyalty/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="a1")
    again = api.post("/api/v1/loyalty/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="a1")
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["balance"] == 200
    other = reward(name="Other", cost=10)
    conflict = api.post(
        "/api/v1/loyalty/redemptions/",
        {"customer": rich_member.pk, "reward": other.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="a1",
    )
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "code", "status"),
    [
        ({"cost": 10_000}, "insufficient_points", 409),
        ({"cost": 10, "is_active": False}, "reward_inactive", 422),
        ({"cost": 10, "stock": 0}, "out_of_stock", 409),
    ],
)
def test_refusals_have_their_own_codes(rich_member, support_user, setup, code, status):
    gift = reward(**setup)
    response = api_as(support_user).post(
        "/api/v1/loyalty/redemptions/",
        {"customer": rich_member.pk, "reward": gift.pk},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]
    assert not Redemption.objects.exists()


def test_limit_reached_and_cancel(rich_member, support_user, marketing_user):
    gift = reward(cost=10, per_customer_limit=1)
    api = api_as(support_user)
    body = {"customer": rich_member.pk, "reward": gift.pk}
    made = api.post("/api/v1/loyalty/redemptions/", body, format="json").json()
    second = api.post("/api/v1/loyalty/redemptions/", body, format="json")
    assert second.json()["code"] == "limit_reached"
    cancelled = api.post(f"/api/v1/loyalty/redemptions/{made['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["balance"] == 300


def test_adjustments_need_a_reason_and_the_right_role(rich_member, support_user, marketing_user):
    body = {"customer": rich_member.pk, "points": -50, "reason": ""}
    assert (
        api_as(support_user).post("/api/v1/loyalty/adjustments/", body, format="json").status_code
        == 403
    )
    api = api_as(marketing_user)
    missing = api.post("/api/v1/loyalty/adjustments/", body, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    body["reason"] = "Duplicate order points"
    done = api.post("/api/v1/loyalty/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    replay = api.post("/api/v1/loyalty/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert done.status_code == replay.status_code == 201
    assert done.json()["id"] == replay.json()["id"]
    assert LedgerEntry.objects.filter(kind="adjust").count() == 1
    too_much = api.post(
        "/api/v1/loyalty/adjustments/",
        {"customer": rich_member.pk, "points": -9999, "reason": "x"},
        format="json",
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "insufficient_points"
    unknown = api.post(
        "/api/v1/loyalty/adjustments/",
        {"customer": 999999, "points": "lots", "reason": "x", "extra": 1},
        format="json",
    )
    assert unknown.status_code == 400
    assert set(unknown.json()["fields"]) == {"customer", "points", "extra"}


def test_rewards_are_managed_by_marketing(marketing_user, support_user, spend_programme):
    body = {"name": "Mug", "cost": 300, "stock": 10}
    assert (
        api_as(support_user).post("/api/v1/loyalty/rewards/", body, format="json").status_code
        == 403
    )
    created = api_as(marketing_user).post("/api/v1/loyalty/rewards/", body, format="json")
    assert created.status_code == 201 and created.json()["available"] is True
    bad = api_as(marketing_user).patch(
        f"/api/v1/loyalty/rewards/{created.json()['id']}/",
        {"active_from": "2026-05-01", "active_to": "2026-01-01"},
        format="json",
    )
    assert bad.status_code == 400 and "active_to" in bad.json()["fields"]
    listed = api_as(support_user).get("/api/v1/loyalty/rewards/").json()
    assert [r["name"] for r in listed["results"]] == ["Mug"]


def test_the_schema_lists_the_loyalty_endpoints(admin_user):
    schema = api_as(admin_user).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/loyalty/accounts/",
        "/api/v1/loyalty/ledger/",
        "/api/v1/loyalty/adjustments/",
        "/api/v1/loyalty/rewards/",
        "/api/v1/loyalty/redemptions/",
        "/api/v1/loyalty/redemptions/{id}/cancel/",
        "/api/v1/loyalty/referrals/",
    ):
        assert path in schema["paths"], path


def test_a_referral_pays_both_once(marketing_user, support_user, spend_programme):
    from loyalty.models import EarnRule
    from tests.loyalty.conftest import rule

    rule(EarnRule.Kind.REFERRAL, name="Friends", points=200, referred_points=50)
    referrer, referred = factories.customer(), factories.customer()
    body = {"referrer": referrer.pk, "referred": referred.pk}
    assert (
        api_as(support_user).post("/api/v1/loyalty/referrals/", body, format="json").status_code
        == 403
    )
    first = api_as(marketing_user).post("/api/v1/loyalty/referrals/", body, format="json")
    again = api_as(marketing_user).post("/api/v1/loyalty/referrals/", body, format="json")
    assert first.status_code == again.status_code == 201
    assert sorted(e["points"] for e in first.json()) == [50, 200] and again.json() == []
    self_referral = api_as(marketing_user).post(
        "/api/v1/loyalty/referrals/",
        {"referrer": referred.pk, "referred": referred.pk},
        format="json",
    )
    assert (self_referral.status_code, self_referral.json()["code"]) == (422, "invalid_referral")


def test_enrolling_through_the_api_pays_the_welcome_bonus_once(support_user, spend_programme):
    from loyalty.models import EarnRule
    from tests.loyalty.conftest import rule

    rule(EarnRule.Kind.SIGNUP, name="Welcome", points=100)
    customer = factories.customer()
    api = api_as(support_user)
    first = api.post("/api/v1/loyalty/accounts/", {"customer": customer.pk}, format="json")
    again = api.post("/api/v1/loyalty/accounts/", {"customer": customer.pk}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["balance"] == again.json()["balance"] == 100
    unknown = api.post("/api/v1/loyalty/accounts/", {"customer": 10**9}, format="json")
    assert unknown.status_code == 400
