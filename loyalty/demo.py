"""Loyalty's demo data, added when crm's seed_demo has loaded customers and orders.

A programme with three tiers, five earn rules and four rewards; the last fifteen
months of orders earned their points when they were placed (refunds reversed a few
days later), birthdays and referrals paid, vouchers redeemed, staff adjustments made;
then the nightly jobs run: old lots expire and tiers settle. Deterministic per seed.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from crm.models import Customer, Order
from loyalty import services
from loyalty.models import Account, LedgerEntry, Programme, Tier
from loyalty.services.ledger import _ROUNDING, entry_add, months_later
from loyalty.services.tiers import tier_for

HISTORY_MONTHS = 15


def _programme(today: datetime.date) -> tuple[Programme, dict]:
    programme = services.programme_save(
        data={
            "name": "Retain Rewards",
            "point_name": "points",
            "point_value": Decimal("0.01"),
            "earn_rate": Decimal("1"),
            "rounding": Programme.Rounding.DOWN,
            "lifetime_months": 12,
            "qualifying_months": 12,
            "enrolment": Programme.Enrolment.AUTOMATIC,
            "active_from": today - datetime.timedelta(days=HISTORY_MONTHS * 31),
        }
    )
    rules = {
        "spend": services.rule_save(data={"name": "1 point per euro", "kind": "spend"}),
        "app": services.rule_save(
            data={"name": "App order bonus", "kind": "per_order", "points": 20, "channels": ["app"]}
        ),
        "signup": services.rule_save(
            data={"name": "Welcome bonus", "kind": "signup", "points": 100}
        ),
        "birthday": services.rule_save(
            data={"name": "Birthday bonus", "kind": "birthday", "points": 150}
        ),
        "referral": services.rule_save(
            data={
                "name": "Refer a friend",
                "kind": "referral",
                "points": 250,
                "referred_points": 100,
            }
        ),
    }
    for name, threshold, multiplier, benefits in [
        ("Bronze", 0, "1.00", "Member prices and the birthday bonus."),
        ("Silver", 600, "1.25", "25% more points on every order; free returns."),
        ("Gold", 1500, "1.50", "50% more points; free express delivery; early access to sales."),
    ]:
        Tier.objects.create(
            name=name, threshold=threshold, multiplier=Decimal(multiplier), benefits=benefits
        )
    rewards = [
        services.reward_save(
            data={"name": "€5 voucher", "cost": 500, "description": "Off any order over €20."}
        ),
        services.reward_save(
            data={
                "name": "Free delivery",
                "cost": 250,
                "per_customer_limit": 4,
                "description": "One delivery on us.",
            }
        ),
        services.reward_save(
            data={
                "name": "Canvas tote bag",
                "cost": 900,
                "stock": 40,
                "description": "Organic cotton, while stocks last.",
            }
        ),
        services.reward_save(
            data={"name": "€20 voucher", "cost": 1800, "description": "Off any order."}
        ),
    ]
    return programme, {"rules": rules, "rewards": rewards}


def _order_points(order: Order, programme: Programme, tier: Tier | None, rules: dict) -> list:
    multiplier = tier.multiplier if tier else Decimal(1)
    lines = []
    spend = int(
        (order.total * programme.earn_rate * multiplier).quantize(
            Decimal(1), rounding=_ROUNDING[programme.rounding]
        )
    )
    if spend > 0:
        lines.append((rules["spend"], spend))
    if order.channel == Order.Channel.APP:
        lines.append((rules["app"], int(Decimal(20) * multiplier)))
    return lines


@transaction.atomic
def loyalty_demo_create(*, seed: int = 42, today: datetime.date | None = None) -> dict:
    """Build the demo programme and its history; returns counts."""
    if Programme.objects.exists():
        return {"members": 0, "entries": 0, "redemptions": 0}
    rng = random.Random(seed + 10)
    now = timezone.now()
    today = today or timezone.localdate()
    programme, made = _programme(today)
    rules, rewards = made["rules"], made["rewards"]
    tiers = list(Tier.objects.order_by("threshold"))
    staff = get_user_model().objects.filter(username="marketing").first()
    start = months_later(now, -HISTORY_MONTHS)
    orders = (
        Order.objects.filter(placed_at__gte=start)
        .order_by("customer_id", "placed_at", "id")
        .select_related("customer")
    )
    accounts: dict[int, Account] = {}
    earned: dict[int, list] = {}
    redemptions = 0
    for order in orders.iterator(chunk_size=2000):
        account = accounts.get(order.customer_id)
        if account is None:
            account = Account.objects.create(
                customer_id=order.customer_id, enrolled_at=order.placed_at
            )
            accounts[order.customer_id] = account
            entry_add(
                account=account,
                kind="earn",
                points=100,
                reason=rules["signup"].name,
                rule=rules["signup"],
                reference=f"signup:{rules['signup'].pk}:{order.customer_id}",
                at=order.placed_at,
                programme=programme,
            )
        # The tier as it stood: points earned in the twelve months before this order.
        window = months_later(order.placed_at, -programme.qualifying_months)
        history = earned.setdefault(order.customer_id, [])
        tier = tier_for(sum(points for at, points in history if at > window), tiers)
        for rule, points in _order_points(order, programme, tier, rules):
            entry = entry_add(
                account=account,
                kind="earn",
                points=points,
                reason=f"{rule.name}, order {order.external_id}",
                order=order,
                rule=rule,
                at=order.placed_at,
                programme=programme,
            )
            if order.status == Order.Status.COMPLETED:
                history.append((order.placed_at, points))
            else:
                undone = min(order.placed_at + datetime.timedelta(days=rng.randint(2, 12)), now)
                entry_add(
                    account=account,
                    kind="reverse",
                    points=-points,
                    reason=f"Order {order.external_id} was {order.get_status_display().lower()}",
                    order=order,
                    rule=rule,
                    at=undone,
                    first_lot=entry,
                )
        # Now and then a member spends points on a reward, as support would at the till.
        if account.balance >= 500 and rng.random() < 0.08:
            reward = rng.choice([r for r in rewards if r.cost <= account.balance])
            _demo_redeem(account, reward, order.placed_at + datetime.timedelta(hours=1), staff)
            redemptions += 1
    _demo_bonuses(accounts, rules, programme, today, now, rng, staff)
    _demo_expire(now)
    # The tiers the history earned (the demo's lines were written without recomputing).
    services.tiers_recompute(now=now, reason="earned")
    return {
        "members": len(accounts),
        "entries": LedgerEntry.objects.count(),
        "redemptions": redemptions,
    }


def _demo_expire(now) -> None:
    """What the nightly job would have done: each lot expired on its expiry day."""
    lots = LedgerEntry.objects.filter(remaining__gt=0, expires_at__lte=now).select_related(
        "account"
    )
    for lot in lots.order_by("expires_at", "id").iterator(chunk_size=2000):
        entry_add(
            account=Account.objects.get(pk=lot.account_id),
            kind="expire",
            points=-lot.remaining,
            reason=f"{lot.remaining} points earned on {lot.created_at.date().isoformat()} expired",
            lot=lot,
            at=lot.expires_at,
        )
        LedgerEntry.objects.filter(pk=lot.pk).update(remaining=0)


def _demo_redeem(account: Account, reward, at, staff) -> None:
    from loyalty.models import Redemption
    from loyalty.services.redemptions import voucher_code

    redemption = Redemption.objects.create(
        account=account,
        reward=reward,
        points=reward.cost,
        code=voucher_code(),
        created_at=at,
        created_by=staff,
    )
    entry_add(
        account=account,
        kind="redeem",
        points=-reward.cost,
        reason=f"Redeemed {reward.name}",
        redemption=redemption,
        author=staff,
        at=at,
    )
    if reward.stock is not None:
        reward.stock -= 1
        reward.save(update_fields=["stock"])


def _demo_bonuses(accounts, rules, programme, today, now, rng, staff) -> None:
    """Birthdays in the last year, a few referrals and staff goodwill adjustments."""
    members = Customer.objects.filter(pk__in=list(accounts), birthday__isnull=False)
    for customer in members.only("pk", "birthday").iterator(chunk_size=2000):
        account = accounts[customer.pk]
        day = customer.birthday.replace(year=today.year)
        if day > today:
            day = day.replace(year=today.year - 1)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(6)))
        if at <= account.enrolled_at:
            continue
        entry_add(
            account=account,
            kind="earn",
            points=rules["birthday"].points,
            reason=rules["birthday"].name,
            rule=rules["birthday"],
            reference=f"birthday:{rules['birthday'].pk}:{customer.pk}:{day.year}",
            at=at,
            programme=programme,
        )
    ids = sorted(accounts)
    for referrer_id, referred_id in zip(ids[::37], ids[5::37], strict=False):
        referral = rules["referral"]
        at = max(accounts[referrer_id].enrolled_at, accounts[referred_id].enrolled_at)
        for who, points, role in ((referrer_id, 250, "referrer"), (referred_id, 100, "referred")):
            entry_add(
                account=accounts[who],
                kind="earn",
                points=points,
                reason=f"{referral.name} ({role})",
                rule=referral,
                reference=f"referral:{referral.pk}:{referred_id}:{role}",
                at=at,
                programme=programme,
            )
    if staff is not None:
        for customer_id in ids[3::53]:
            entry_add(
                account=accounts[customer_id],
                kind="adjust",
                points=rng.choice([50, 100, 200]),
                reason="Goodwill: a parcel arrived late",
                author=staff,
                at=now - datetime.timedelta(days=rng.randint(1, 90)),
                programme=programme,
            )
