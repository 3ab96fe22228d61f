"""Reads of the loyalty programme for pages, the API, the profile and other apps."""

import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from crm.models import Customer
from crm.selectors import customer_visible
from loyalty.models import Account, LedgerEntry, Redemption, Reward, Tier
from loyalty.services.config import config_get
from loyalty.services.ledger import programme_get
from loyalty.services.redemptions import reward_is_available


def account_list(*, user) -> QuerySet[Account]:
    """Members of the customers this user may see, with customer and tier."""
    return Account.objects.filter(customer__in=customer_visible(user=user)).select_related(
        "customer", "tier"
    )


def ledger_list(*, user) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        account__customer__in=customer_visible(user=user)
    ).select_related("account", "rule", "author", "order", "redemption__reward")


def account_summary(*, customer: Customer) -> dict | None:
    """What the profile panel shows: balance, tier, progress to the next tier, points
    expiring in the next 30 days, the rewards, the latest vouchers. Four queries (the
    programme and tiers come from the cache)."""
    config = config_get()
    programme = config.programme
    if programme is None:
        return None
    account = Account.objects.filter(customer=customer).first()
    tiers = list(config.tiers)
    if account is not None:
        account.tier = config.tier(account.tier_id)
    summary = {"programme": programme, "account": account, "tiers": tiers}
    if account is None:
        return summary
    now = timezone.now()
    summary["expiring"] = (
        LedgerEntry.objects.filter(
            account=account,
            remaining__gt=0,
            expires_at__lte=now + datetime.timedelta(days=30),
        ).aggregate(s=Sum("remaining"))["s"]
        or 0
    )
    following = [t for t in tiers if t.threshold > account.qualifying_points]
    if following:
        target = following[0]
        base = account.tier.threshold if account.tier else 0
        span = max(target.threshold - base, 1)
        summary["next_tier"] = target
        summary["to_next"] = target.threshold - account.qualifying_points
        summary["progress"] = min(100, max(0, (account.qualifying_points - base) * 100 // span))
    summary["rewards"] = [
        r for r in Reward.objects.filter(is_active=True).order_by("cost") if reward_is_available(r)
    ]
    summary["vouchers"] = list(
        Redemption.objects.filter(account=account).select_related("reward")[:5]
    )
    summary["value"] = account.balance * programme.point_value
    return summary


def programme_overview(*, today: datetime.date | None = None) -> dict:
    """Members per tier, points earned / redeemed / expired this month, and the
    outstanding liability (unspent points, in points and currency)."""
    programme = programme_get()
    today = today or timezone.localdate()
    month_start = timezone.make_aware(
        datetime.datetime(today.year, today.month, 1), timezone.get_default_timezone()
    )
    members = Account.objects.filter(customer__isnull=False)
    per_tier = dict(members.values("tier").annotate(n=Count("id")).values_list("tier", "n"))
    tiers = [(tier, per_tier.get(tier.pk, 0)) for tier in Tier.objects.order_by("threshold")]
    month = LedgerEntry.objects.filter(created_at__gte=month_start).aggregate(
        earned=Sum("points", filter=Q(kind=LedgerEntry.Kind.EARN)),
        redeemed=Sum("points", filter=Q(kind=LedgerEntry.Kind.REDEEM)),
        expired=Sum("points", filter=Q(kind=LedgerEntry.Kind.EXPIRE)),
        reversed=Sum("points", filter=Q(kind=LedgerEntry.Kind.REVERSE, order__isnull=False)),
        returned=Sum("points", filter=Q(kind=LedgerEntry.Kind.REVERSE, redemption__isnull=False)),
    )
    totals = members.aggregate(
        n=Count("id"),
        outstanding=Sum("balance", filter=Q(balance__gt=0)),
        debt=Sum("balance", filter=Q(balance__lt=0)),
        in_debt=Count("id", filter=Q(balance__lt=0)),
    )
    outstanding = totals["outstanding"] or 0
    return {
        "programme": programme,
        "members": totals["n"],
        "no_tier": per_tier.get(None, 0),
        "tiers": tiers,
        "earned": month["earned"] or 0,
        # Net of vouchers cancelled this month; refunds as the points they took back.
        "redeemed": -(month["redeemed"] or 0) - (month["returned"] or 0),
        "expired": -(month["expired"] or 0),
        "reversed": -(month["reversed"] or 0),
        "outstanding": outstanding,
        "liability": outstanding * programme.point_value if programme else 0,
        "debt": -(totals["debt"] or 0),
        "in_debt": totals["in_debt"],
        "month_start": month_start,
    }


def ledger_between(*, customer: Customer, start, end, limit) -> list[LedgerEntry]:
    rows = LedgerEntry.objects.filter(account__customer=customer).select_related(
        "order", "rule", "redemption__reward", "author", "lot"
    )
    if start is not None:
        rows = rows.filter(created_at__gt=start)
    if end is not None:
        rows = rows.filter(created_at__lte=end)
    rows = rows.order_by("-created_at", "-id")
    return list(rows if limit is None else rows[:limit])
