"""Tiers follow the points *earned* in the rolling qualifying window, never the balance.

Qualifying points = the account's earn lines in the window minus the reversals of
order earnings in the window (a refunded order does not qualify); spending, expiry,
returned redemptions and staff adjustments do not count. Recomputed on every earn and
reversal and nightly (points age out of the window), each change recorded with its
reason in TierChange.
"""

import datetime

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from loyalty.models import Account, LedgerEntry, Tier, TierChange
from loyalty.services.config import config_get
from loyalty.services.ledger import months_later, programme_get

QUALIFYING = Q(kind=LedgerEntry.Kind.EARN) | Q(kind=LedgerEntry.Kind.REVERSE, order__isnull=False)
BATCH = 1000


def window_start(now: datetime.datetime | None = None, programme=None) -> datetime.datetime:
    programme = programme or programme_get()
    months = programme.qualifying_months if programme else 12
    return months_later(now or timezone.now(), -months)


def tier_for(points: int, tiers: list[Tier]) -> Tier | None:
    """The highest tier whose threshold the points reach (tiers sorted by threshold)."""
    reached = None
    for tier in tiers:
        if points >= tier.threshold:
            reached = tier
    return reached


def _apply(
    account: Account,
    points: int,
    tier: Tier | None,
    reason: str,
    now: datetime.datetime,
    tiers,
    balance_delta: int = 0,
) -> bool:
    changed = account.tier_id != (tier.pk if tier else None)
    fields = {"qualifying_points": points}
    if changed:
        previous = next((t for t in tiers if t.pk == account.tier_id), None)
        TierChange.objects.create(
            account=account,
            from_tier_id=previous.pk if previous else None,
            to_tier=tier,
            from_name=previous.name if previous else "",
            to_name=tier.name if tier else "",
            qualifying_points=points,
            reason=reason,
            created_at=now,
        )
        fields |= {"tier": tier, "tier_since": now}
    if changed or account.qualifying_points != points or balance_delta:
        balance = {"balance": F("balance") + balance_delta} if balance_delta else {}
        Account.objects.filter(pk=account.pk).update(**fields, **balance)
        for name, value in fields.items():
            setattr(account, name, value)
    return changed


# The qualifying points (QUALIFYING above) and the balance in one statement: this runs on
# every earn and reversal, so it is plain SQL, the same on PostgreSQL and SQLite. The
# lines of accounts merged into this one count too: a merged customer's earnings and
# the later reversals of its orders (which land here) stay on the same side.
_REFRESH_SQL = """
UPDATE loyalty_account
   SET balance = balance + %s,
       qualifying_points = (
           SELECT CASE WHEN COALESCE(SUM(e.points), 0) < 0 THEN 0
                       ELSE COALESCE(SUM(e.points), 0) END
             FROM loyalty_ledgerentry e
            WHERE e.account_id IN (SELECT m.id FROM loyalty_account m
                                    WHERE m.id = %s OR m.merged_into_id = %s)
              AND e.created_at > %s
              AND (e.kind = 'earn' OR (e.kind = 'reverse' AND e.order_id IS NOT NULL)))
 WHERE id = %s
RETURNING qualifying_points, tier_id
"""


def account_tier_refresh(
    *, account: Account, reason: str, now=None, config=None, balance_delta: int = 0
) -> bool:
    """Recompute a locked account's qualifying points and tier; True when the tier changed.
    Called inside the transaction of the entry that changed them; `balance_delta` is
    added to the stored balance in the same UPDATE (entry_add's `defer_balance`)."""
    now = now or timezone.now()
    config = config or config_get()
    start = window_start(now, config.programme)
    with connection.cursor() as cursor:
        cursor.execute(
            _REFRESH_SQL,
            [
                balance_delta,
                account.pk,
                account.pk,
                connection.ops.adapt_datetimefield_value(start),
                account.pk,
            ],
        )
        points, tier_id = cursor.fetchone()
    account.qualifying_points, account.tier_id = points, tier_id
    tiers = list(config.tiers)
    tier = tier_for(points, tiers)
    if (tier.pk if tier else None) == tier_id:
        return False
    return _apply(account, points, tier, reason, now, tiers)


def tiers_recompute(*, now: datetime.datetime | None = None, reason: str = "window") -> int:
    """Nightly (and after the tiers change): every account's qualifying points and tier,
    a batch of accounts per transaction with one aggregate query each; returns how many
    tiers changed. Safe to run twice or to stop half-way."""
    now = now or timezone.now()
    start = window_start(now)
    tiers = list(Tier.objects.order_by("threshold"))
    changed, last_id = 0, 0
    while True:
        with transaction.atomic():
            accounts = list(
                Account.objects.select_for_update()
                .filter(pk__gt=last_id, customer__isnull=False)
                .order_by("pk")[:BATCH]
            )
            if not accounts:
                return changed
            last_id = accounts[-1].pk
            owner = {a.pk: a.pk for a in accounts} | dict(
                Account.objects.filter(merged_into__in=accounts).values_list("pk", "merged_into")
            )
            sums: dict[int, int] = {}
            for account_id, points in (
                LedgerEntry.objects.filter(
                    QUALIFYING, account__in=list(owner), created_at__gt=start
                )
                .values("account")
                .annotate(s=Sum("points"))
                .values_list("account", "s")
            ):
                sums[owner[account_id]] = sums.get(owner[account_id], 0) + points
            for account in accounts:
                points = max(sums.get(account.pk) or 0, 0)
                changed += _apply(account, points, tier_for(points, tiers), reason, now, tiers)
