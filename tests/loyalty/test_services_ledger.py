"""The points ledger: earning, reversing, redeeming, expiring, adjusting."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.exceptions import ApplicationError
from crm import services as crm_services
from crm.models import Order
from loyalty import services
from loyalty.models import Account, EarnRule, LedgerEntry, Redemption, Reward
from tests import factories
from tests.loyalty.conftest import earn, programme, reward, rule

pytestmark = pytest.mark.django_db


def account_of(customer) -> Account:
    return Account.objects.get(customer=customer)


def assert_sound():
    assert services.ledger_check() == []


def test_a_completed_order_earns_its_spend_points_once(member):
    order = earn(member, total="123.45")
    assert account_of(member).balance == 123
    # The event comes a second time: nothing more.
    assert services.order_points_earn(order_id=order.pk) == []
    entries = LedgerEntry.objects.filter(order=order)
    assert [(e.kind, e.points, e.remaining) for e in entries] == [("earn", 123, 123)]
    assert_sound()


def test_rounding_rule_decides_fractions(db):
    programme(earn_rate=Decimal("0.5"), rounding="up")
    rule(EarnRule.Kind.SPEND)
    customer = factories.customer()
    earn(customer, total="9.99")  # 4.995 points
    assert account_of(customer).balance == 5
    services.programme_save(data={"rounding": "nearest"})
    earn(customer, total="9.99")
    services.programme_save(data={"rounding": "down"})
    earn(customer, total="9.99")
    assert account_of(customer).balance == 5 + 5 + 4


def test_several_rules_each_write_their_own_line_with_conditions(spend_programme):
    rule(EarnRule.Kind.PER_ORDER, name="App bonus", points=25, channels=["app"])
    rule(EarnRule.Kind.PER_ORDER, name="Big basket", points=50, min_order_total=Decimal("200"))
    customer = factories.customer()
    web = earn(customer, total="250.00", channel="web")
    app = earn(customer, total="20.00", channel="app")
    lines = sorted(LedgerEntry.objects.values_list("order_id", "rule__name", "points"))
    assert lines == sorted(
        [
            (web.pk, "Points per euro", 250),
            (web.pk, "Big basket", 50),
            (app.pk, "Points per euro", 20),
            (app.pk, "App bonus", 25),
        ]
    )


def test_rules_outside_their_window_and_orders_before_the_programme_earn_nothing(db):
    today = timezone.localdate()
    programme(active_from=today - datetime.timedelta(days=10))
    rule(EarnRule.Kind.SPEND, active_to=today - datetime.timedelta(days=5), name="Old")
    rule(EarnRule.Kind.PER_ORDER, points=7, active_from=today - datetime.timedelta(days=2))
    customer = factories.customer()
    earn(customer, days_ago=20)  # before the programme
    earn(customer, days_ago=7)  # only "Old" applied then
    earn(customer, days_ago=0)  # only the per-order rule applies now
    assert sorted(LedgerEntry.objects.values_list("points", flat=True)) == [7, 100]


def test_explicit_enrolment_earns_only_for_members(db):
    programme(enrolment="explicit")
    rule(EarnRule.Kind.SPEND)
    rule(EarnRule.Kind.SIGNUP, points=50, name="Welcome")
    customer = factories.customer()
    earn(customer)
    assert not Account.objects.exists()
    services.account_enrol(customer=customer)
    assert account_of(customer).balance == 50
    services.account_enrol(customer=customer)  # idempotent
    earn(customer, total="10.00")
    assert account_of(customer).balance == 60


def test_refund_reverses_points_already_spent_and_the_debt_blocks_redemption(member):
    voucher = reward(cost=100)
    order = earn(member, total="150.00")
    services.reward_redeem(customer=member, reward=voucher, author=None)
    assert account_of(member).balance == 50
    crm_services.order_status_set(order=order, status=Order.Status.REFUNDED)
    services.order_points_reverse(order_id=order.pk)
    services.order_points_reverse(order_id=order.pk)  # twice: once only
    assert account_of(member).balance == -100
    assert LedgerEntry.objects.filter(order=order).values_list("kind", "points").count() == 2
    assert sum(LedgerEntry.objects.filter(order=order).values_list("points", flat=True)) == 0
    with pytest.raises(ApplicationError) as refused:
        services.reward_redeem(customer=member, reward=voucher, author=None)
    assert refused.value.code == "insufficient_points"
    earn(member, total="130.00")  # pays the debt first
    assert account_of(member).balance == 30
    assert LedgerEntry.objects.filter(remaining__gt=0).get().remaining == 30
    assert_sound()


def test_cancelled_order_that_earned_nothing_reverses_nothing(member):
    order = factories.order(member, total="10.00")
    crm_services.order_status_set(order=order, status=Order.Status.CANCELLED)
    assert services.order_points_reverse(order_id=order.pk) == []
    assert services.order_points_earn(order_id=order.pk) == []
    assert not LedgerEntry.objects.exists()


def test_redemption_spends_the_soonest_expiring_lots_first(member):
    services.programme_save(data={"lifetime_months": 24})
    long_lived = earn(member, total="60.00")
    services.programme_save(data={"lifetime_months": 6})
    short_lived = earn(member, total="80.00")  # earned later, expires sooner
    services.reward_redeem(customer=member, reward=reward(cost=100), author=None)
    remaining = dict(LedgerEntry.objects.filter(kind="earn").values_list("order_id", "remaining"))
    assert remaining == {short_lived.pk: 0, long_lived.pk: 40}
    assert_sound()


def test_redemption_issues_a_unique_code_and_respects_stock_limit_and_window(member):
    earn(member, total="1000.00")
    scarce = reward(name="Tote bag", cost=100, stock=1)
    first, replayed = services.reward_redeem(customer=member, reward=scarce, author=None)
    assert not replayed and len(first.code) == 14 and first.code.count("-") == 2
    with pytest.raises(ApplicationError) as refused:
        services.reward_redeem(customer=member, reward=scarce, author=None)
    assert refused.value.code == "out_of_stock"
    limited = reward(name="Cinema", cost=100, per_customer_limit=2)
    services.reward_redeem(customer=member, reward=limited, author=None)
    services.reward_redeem(customer=member, reward=limited, author=None)
    with pytest.raises(ApplicationError) as refused:
        services.reward_redeem(customer=member, reward=limited, author=None)
    assert refused.value.code == "limit_reached"
    later = reward(
        name="Spring gift", cost=10, active_from=timezone.localdate() + datetime.timedelta(days=3)
    )
    with pytest.raises(ApplicationError) as refused:
        services.reward_redeem(customer=member, reward=later, author=None)
    assert refused.value.code == "reward_inactive"
    assert account_of(member).balance == 1000 - 300
    assert Reward.objects.get(pk=scarce.pk).stock == 0


def test_cancelling_a_voucher_returns_its_points_once_and_restores_stock(member):
    earn(member, total="150.00")
    bag = reward(cost=100, stock=5)
    redemption, _ = services.reward_redeem(customer=member, reward=bag, author=None)
    services.redemption_cancel(redemption=redemption, author=None)
    services.redemption_cancel(redemption=redemption, author=None)
    assert account_of(member).balance == 150
    assert Reward.objects.get(pk=bag.pk).stock == 5
    assert Redemption.objects.get().status == "cancelled"
    assert list(
        LedgerEntry.objects.filter(redemption=redemption).values_list("kind", "points")
    ) == [
        ("reverse", 100),
        ("redeem", -100),
    ]
    assert_sound()


def test_the_same_idempotency_key_returns_the_first_redemption(member):
    earn(member, total="500.00")
    voucher = reward(cost=100)
    first, replayed = services.reward_redeem(
        customer=member, reward=voucher, author=None, idempotency_key="k-1"
    )
    again, replayed_again = services.reward_redeem(
        customer=member, reward=voucher, author=None, idempotency_key="k-1"
    )
    assert (again.pk, replayed, replayed_again) == (first.pk, False, True)
    assert account_of(member).balance == 400
    other = reward(name="Other", cost=50)
    with pytest.raises(ApplicationError) as refused:
        services.reward_redeem(customer=member, reward=other, author=None, idempotency_key="k-1")
    assert (refused.value.code, refused.value.status_code) == ("idempotency_conflict", 409)


def test_expiry_takes_the_unspent_points_of_old_lots_once(member, monkeypatch):
    earn(member, total="100.00")
    earn(member, total="50.00")
    services.reward_redeem(customer=member, reward=reward(cost=120), author=None)
    later = timezone.now() + datetime.timedelta(days=400)
    assert services.points_expire(now=later) == 1  # the first lot was spent
    assert services.points_expire(now=later) == 0
    assert account_of(member).balance == 0
    expiry = LedgerEntry.objects.get(kind="expire")
    assert expiry.points == -30
    assert_sound()


def test_adjustment_needs_a_reason_and_cannot_go_below_zero(member, admin_user):
    with pytest.raises(ValidationError) as refused:
        services.points_adjust(customer=member, points=10, reason=" ", author=admin_user)
    assert "reason" in refused.value.message_dict
    services.points_adjust(customer=member, points=40, reason="Parcel late", author=admin_user)
    with pytest.raises(ApplicationError) as too_much:
        services.points_adjust(customer=member, points=-41, reason="Typo", author=admin_user)
    assert too_much.value.code == "insufficient_points"
    services.points_adjust(customer=member, points=-40, reason="Typo", author=admin_user)
    assert account_of(member).balance == 0
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(actor=admin_user).count() == 2


def test_bonuses_are_paid_once_per_event(db):
    programme()
    rule(EarnRule.Kind.SIGNUP, points=100, name="Welcome")
    rule(EarnRule.Kind.REFERRAL, points=200, referred_points=50, name="Friends")
    rule(EarnRule.Kind.BIRTHDAY, points=75, name="Happy birthday")
    today = timezone.localdate()
    referrer = factories.customer(birthday=today.replace(year=1990))
    referred = factories.customer()
    services.referral_record(referrer=referrer, referred=referred)
    services.referral_record(referrer=referrer, referred=referred)
    assert account_of(referrer).balance == 100 + 200
    assert account_of(referred).balance == 100 + 50
    assert services.birthday_bonuses_award(today=today) == 1
    assert services.birthday_bonuses_award(today=today) == 0
    assert account_of(referrer).balance == 375
    entry = services.survey_bonus_award(
        customer=referred, response_id=41, points=30, survey_name="NPS"
    )
    again = services.survey_bonus_award(
        customer=referred, response_id=41, points=30, survey_name="NPS"
    )
    assert entry.pk == again.pk and account_of(referred).balance == 180
    with pytest.raises(ApplicationError):
        services.referral_record(referrer=referred, referred=referred)
    assert_sound()


def test_tiers_follow_points_earned_not_balance_with_multiplier_and_history(member):
    silver = services.tier_save(data={"name": "Silver", "threshold": 0})
    gold = services.tier_save(data={"name": "Gold", "threshold": 500, "multiplier": Decimal("1.5")})
    earn(member, total="400.00")
    assert account_of(member).tier == silver
    services.reward_redeem(customer=member, reward=reward(cost=300), author=None)
    earn(member, total="100.00")  # earned 500 in the window, balance only 200
    account = account_of(member)
    assert (account.tier, account.balance, account.qualifying_points) == (gold, 200, 500)
    earn(member, total="100.00")  # 1.5 x 100
    assert account_of(member).balance == 350
    later = timezone.now() + datetime.timedelta(days=400)
    services.tiers_recompute(now=later)
    assert account_of(member).tier == silver
    history = list(
        account.tier_changes.order_by("created_at", "id").values_list("to_name", "reason")
    )
    assert history == [("Silver", "earned"), ("Gold", "earned"), ("Silver", "window")]


def test_a_refund_can_drop_the_tier(member):
    services.tier_save(data={"name": "Gold", "threshold": 100})
    order = earn(member, total="150.00")
    assert account_of(member).tier.name == "Gold"
    crm_services.order_status_set(order=order, status=Order.Status.REFUNDED)
    services.order_points_reverse(order_id=order.pk)
    account = account_of(member)
    assert (account.tier, account.qualifying_points) == (None, 0)


def test_merging_customers_moves_points_lots_and_debt(member):
    duplicate = factories.customer()
    earn(member, total="100.00")
    earn(duplicate, total="70.00")
    survivor_balance = account_of(member).balance
    crm_services.customer_merge(survivor=member, duplicate=duplicate, author=None)
    assert account_of(member).balance == survivor_balance + 70
    assert Account.objects.filter(customer__isnull=True, merged_into__customer=member).exists()
    assert_sound()


def test_a_member_cannot_be_deleted(member):
    services.points_adjust(
        customer=member, points=5, reason="Welcome gift", author=None
    ) if False else None
    services.account_enrol(customer=member)
    with pytest.raises(ApplicationError) as refused:
        crm_services.customer_delete(customer=member)
    assert refused.value.code == "customer_has_loyalty"


def test_deleting_a_tier_moves_its_members_and_records_why(member):
    silver = services.tier_save(data={"name": "Silver", "threshold": 0})
    gold = services.tier_save(data={"name": "Gold", "threshold": 100})
    earn(member, total="150.00")
    assert account_of(member).tier == gold
    services.tier_delete(tier=gold)
    account = account_of(member)
    assert account.tier == silver
    last = account.tier_changes.order_by("-id").first()
    assert (last.from_name, last.to_name, last.reason) == ("Gold", "Silver", "tiers")


def test_changing_the_tiers_recomputes_every_member_after_commit(
    member, django_capture_on_commit_callbacks
):
    services.tier_save(data={"name": "Silver", "threshold": 0})
    earn(member, total="150.00")
    with django_capture_on_commit_callbacks(execute=True):
        gold = services.tier_save(data={"name": "Gold", "threshold": 100})
    assert account_of(member).tier == gold


def test_the_survey_rule_is_the_default_completion_bonus(member):
    assert services.survey_bonus_award(customer=member, response_id=1, survey_name="NPS") is None
    survey_rule = rule(EarnRule.Kind.SURVEY, name="Thanks for answering", points=40)
    entry = services.survey_bonus_award(customer=member, response_id=2, survey_name="NPS")
    assert (entry.points, entry.rule, entry.reference) == (40, survey_rule, "survey-response:2")
    own = services.survey_bonus_award(customer=member, response_id=3, survey_name="CSAT", points=15)
    assert own.points == 15 and own.rule is None
    assert account_of(member).balance == 55


def test_voucher_codes_are_three_groups_from_the_unambiguous_alphabet():
    from loyalty.services.redemptions import CODE_ALPHABET, voucher_code

    codes = {voucher_code() for _n in range(2000)}
    assert len(codes) == 2000  # 31^12 (about 2^59) possibilities: no repeats in practice
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(CODE_ALPHABET)
    assert not set(CODE_ALPHABET) & set("0O1IL")
