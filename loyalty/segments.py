"""Segment conditions loyalty adds to crm's builder: tier, balance, points earned."""

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy

from crm.segments import MULTI, NONE, NUMBER, Condition, _days_ago, condition_register
from loyalty.models import Account, LedgerEntry, Tier

NO_TIER = "none"


class TierCondition(Condition):
    key, label, order = "loyalty_tier", gettext_lazy("Loyalty tier"), 200
    operators = {
        "in": (gettext_lazy("is one of"), MULTI),
        "not_in": (gettext_lazy("is none of"), MULTI),
        "member": (gettext_lazy("is a member"), NONE),
        "not_member": (gettext_lazy("is not a member"), NONE),
    }

    def choices(self):
        return [(str(t.pk), t.name) for t in Tier.objects.order_by("threshold")] + [
            (NO_TIER, gettext_lazy("Member without a tier"))
        ]

    def q(self, op, value, window_days, today):
        members = Account.objects.filter(customer__isnull=False)
        if op == "member":
            return Q(pk__in=members.values("customer"))
        if op == "not_member":
            return ~Q(pk__in=members.values("customer"))
        ids = [int(v) for v in value if v != NO_TIER]
        chosen = Q(tier__in=ids) | (Q(tier__isnull=True) if NO_TIER in value else Q(pk__in=[]))
        match = Q(pk__in=members.filter(chosen).values("customer"))
        return match if op == "in" else ~match


class BalanceCondition(Condition):
    key, label, order = "loyalty_balance", gettext_lazy("Points balance"), 210
    operators = {
        "gte": (gettext_lazy("at least"), NUMBER),
        "lte": (gettext_lazy("at most"), NUMBER),
        "negative": (gettext_lazy("below zero (owes points)"), NONE),
    }

    def q(self, op, value, window_days, today):
        members = Account.objects.filter(customer__isnull=False)
        if op == "negative":
            return Q(pk__in=members.filter(balance__lt=0).values("customer"))
        if op == "gte":
            if value == 0:
                return Q(pk__in=members.filter(balance__gte=0).values("customer"))
            return Q(pk__in=members.filter(balance__gte=value).values("customer"))
        # At most N: non-members have no points at all.
        return ~Q(pk__in=members.filter(balance__gt=value).values("customer"))


class PointsEarnedCondition(Condition):
    key, label, order, window = "loyalty_earned", gettext_lazy("Points earned"), 220, True
    operators = {
        "gte": (gettext_lazy("at least"), NUMBER),
        "lte": (gettext_lazy("at most"), NUMBER),
    }

    def q(self, op, value, window_days, today):
        earned = LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.EARN, account__customer__isnull=False
        )
        if window_days:
            earned = earned.filter(created_at__gte=_days_ago(today, window_days - 1))
        grouped = earned.values("account__customer").annotate(s=Sum("points"))
        if op == "gte":
            if value == 0:
                return Q()
            return Q(pk__in=grouped.filter(s__gte=value).values("account__customer"))
        return ~Q(pk__in=grouped.filter(s__gt=value).values("account__customer"))


def register() -> None:
    for condition in (TierCondition(), BalanceCondition(), PointsEarnedCondition()):
        condition_register(condition)
