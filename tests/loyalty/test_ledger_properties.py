"""Random sequences of everything that moves points; the ledger's invariants after each step.

Hypothesis drives order completions, refunds and cancellations, redemptions and their
cancellation, staff adjustments, expiry (with the clock moved on) and tier recomputation
for two members, and checks after every step: balance = sum of entries; no redemption
took a balance below zero; a refunded or cancelled order nets zero (its expired points
count as taken); the open lots never
hold more than was added, and add up to max(balance, 0); every tier matches the rule.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from config.exceptions import ApplicationError
from crm import services as crm_services
from crm.models import Order
from loyalty import services
from loyalty.models import Account, EarnRule, LedgerEntry, Redemption, Tier
from loyalty.services.tiers import QUALIFYING, tier_for, window_start
from tests import factories
from tests.loyalty import conftest as make

pytestmark = pytest.mark.django_db


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        make.programme(lifetime_months=6)
        make.rule(EarnRule.Kind.SPEND, name="Per euro")
        make.rule(EarnRule.Kind.PER_ORDER, name="App bonus", points=15, channels=["app"])
        services.tier_save(data={"name": "Silver", "threshold": 150})
        services.tier_save(data={"name": "Gold", "threshold": 400, "multiplier": Decimal("1.5")})
        self.rewards = [make.reward(name=f"R{cost}", cost=cost) for cost in (40, 120, 300)]
        self.customers = [factories.customer(), factories.customer()]
        self.staff = get_user_model().objects.create_user("hypo.staff")
        self.completed: list[Order] = []
        self.undone: list[Order] = []
        self.issued: list[Redemption] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(who=st.integers(0, 1), cents=st.integers(0, 40_000), app=st.booleans())
    def complete_order(self, who, cents, app):
        order = factories.order(
            self.customers[who], total=Decimal(cents) / 100, channel="app" if app else "web"
        )
        services.order_points_earn(order_id=order.pk)
        services.order_points_earn(order_id=order.pk)  # the event may come twice
        self.completed.append(order)

    @precondition(lambda self: self.completed)
    @rule(index=st.integers(0, 1000), refund=st.booleans())
    def undo_order(self, index, refund):
        order = self.completed.pop(index % len(self.completed))
        status = Order.Status.REFUNDED if refund else Order.Status.CANCELLED
        crm_services.order_status_set(order=order, status=status)
        services.order_points_reverse(order_id=order.pk)
        services.order_points_reverse(order_id=order.pk)
        self.undone.append(order)

    @rule(who=st.integers(0, 1), which=st.integers(0, 2))
    def redeem(self, who, which):
        customer = self.customers[who]
        account = Account.objects.filter(customer=customer).first()
        before = account.balance if account else 0
        try:
            redemption, _ = services.reward_redeem(
                customer=customer, reward=self.rewards[which], author=None
            )
        except ApplicationError as exc:
            assert exc.code == "insufficient_points"
            return
        after = Account.objects.get(customer=customer).balance
        assert after >= 0 and after == before - self.rewards[which].cost
        self.issued.append(redemption)

    @precondition(lambda self: self.issued)
    @rule(index=st.integers(0, 1000))
    def cancel_redemption(self, index):
        redemption = self.issued.pop(index % len(self.issued))
        services.redemption_cancel(redemption=redemption, author=None)

    @rule(who=st.integers(0, 1), points=st.integers(-300, 300).filter(bool))
    def adjust(self, who, points):
        try:
            services.points_adjust(
                customer=self.customers[who], points=points, reason="test", author=self.staff
            )
        except ApplicationError as exc:
            assert exc.code == "insufficient_points" and points < 0

    @rule(days=st.integers(0, 400))
    def expire(self, days):
        services.points_expire(now=timezone.now() + datetime.timedelta(days=days))

    @rule()
    def recompute_tiers(self):
        services.tiers_recompute()

    @invariant()
    def ledger_is_sound(self):
        assert services.ledger_check() == []

    @invariant()
    def undone_orders_net_zero(self):
        # What the order earned, minus what of it expired, minus its reversal: nothing.
        for order in self.undone:
            lots = LedgerEntry.objects.filter(order=order, kind="earn")
            net = LedgerEntry.objects.filter(
                Q(order=order) | Q(kind="expire", lot__in=lots)
            ).aggregate(s=Sum("points"))["s"]
            assert (net or 0) == 0

    @invariant()
    def lots_never_hold_more_than_was_added(self):
        for account in Account.objects.all():
            added = (
                LedgerEntry.objects.filter(account=account, points__gt=0).aggregate(
                    s=Sum("points")
                )["s"]
                or 0
            )
            unspent = (
                LedgerEntry.objects.filter(account=account, remaining__gt=0).aggregate(
                    s=Sum("remaining")
                )["s"]
                or 0
            )
            assert 0 <= unspent <= added

    @invariant()
    def tiers_match_the_rule(self):
        tiers = list(Tier.objects.order_by("threshold"))
        start = window_start()
        for account in Account.objects.all():
            points = (
                LedgerEntry.objects.filter(
                    QUALIFYING, account=account, created_at__gt=start
                ).aggregate(s=Sum("points"))["s"]
                or 0
            )
            assert account.qualifying_points == max(points, 0)
            assert account.tier == tier_for(max(points, 0), tiers)


def test_the_ledger_keeps_its_invariants_under_random_operations():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
