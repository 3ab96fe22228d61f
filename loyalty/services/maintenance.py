"""Nightly work and the customer merge: expiry, the order-event sweep, merging accounts."""

import datetime
import logging

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Customer, Order
from loyalty.models import Account, LedgerEntry, TierChange
from loyalty.services.earning import order_points_earn, order_points_reverse
from loyalty.services.ledger import entry_add

BATCH = 500
logger = logging.getLogger(__name__)


def points_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire the unspent points of every lot past its expiry date; returns how many
    lots expired.

    One account per transaction, under its lock; the unique key (one expiry per lot)
    and the lot's `remaining` make a second run, or a run after a crash half-way,
    expire nothing twice."""
    now = now or timezone.now()
    expired = 0
    last_account = 0
    while True:
        accounts = list(
            LedgerEntry.objects.filter(
                remaining__gt=0, expires_at__lte=now, account_id__gt=last_account
            )
            .order_by("account_id")
            .values_list("account_id", flat=True)
            .distinct()[:BATCH]
        )
        if not accounts:
            return expired
        for account_id in accounts:
            expired += _account_expire(account_id, now)
        last_account = accounts[-1]


@transaction.atomic
def _account_expire(account_id: int, now: datetime.datetime) -> int:
    account = Account.objects.select_for_update().get(pk=account_id)
    lots = LedgerEntry.objects.filter(
        account=account, remaining__gt=0, expires_at__lte=now
    ).order_by("expires_at", "id")
    count = 0
    for lot in lots:
        entry_add(
            account=account,
            kind=LedgerEntry.Kind.EXPIRE,
            points=-lot.remaining,
            reason=_("%(n)s points earned on %(day)s expired")
            % {"n": lot.remaining, "day": timezone.localdate(lot.created_at).isoformat()},
            lot=lot,
            at=now,
        )
        LedgerEntry.objects.filter(pk=lot.pk).update(remaining=0)
        count += 1
    return count


def order_events_sweep(*, since: datetime.datetime | None = None) -> dict[str, int]:
    """Catch up on order events that never arrived (a crash between commit and the
    receiver): earn for completed orders placed, and reverse for orders refunded or
    cancelled, since `since` (default: two days ago). Both services are idempotent, so
    orders already handled write nothing."""
    since = since or timezone.now() - datetime.timedelta(days=2)
    counts = {"earned": 0, "reversed": 0, "failed": 0}
    completed = Order.objects.filter(status=Order.Status.COMPLETED, placed_at__gte=since)
    undone = Order.objects.filter(
        status__in=[Order.Status.REFUNDED, Order.Status.CANCELLED], updated_at__gte=since
    )
    for orders, service, key in (
        (completed, order_points_earn, "earned"),
        (undone, order_points_reverse, "reversed"),
    ):
        for order_id in list(orders.values_list("pk", flat=True)):
            try:  # one order that fails must not keep the others from their points
                counts[key] += len(service(order_id=order_id))
            except Exception:
                counts["failed"] += 1
                logger.exception("loyalty sweep: order %s failed", order_id)
    return counts


def accounts_merge(*, survivor: Customer, duplicate: Customer) -> None:
    """crm's customer merge: the duplicate's points follow it to the survivor.

    Runs inside customer_merge's transaction. A survivor without an account takes the
    duplicate's account as it is. When both have one, each open lot of the duplicate moves
    as a pair of adjustments (out of the old account, into the survivor's with the same
    expiry), a debt moves the same way, and the old account points to the survivor's
    (`merged_into`), where later reversals of its orders land."""
    duplicate_account = Account.objects.select_for_update().filter(customer=duplicate).first()
    if duplicate_account is None:
        return
    survivor_account = Account.objects.select_for_update().filter(customer=survivor).first()
    if survivor_account is None:
        Account.objects.filter(pk=duplicate_account.pk).update(customer=survivor)
        return
    Account.objects.filter(pk=duplicate_account.pk).update(
        customer=None, merged_into=survivor_account
    )
    # Accounts merged into the duplicate earlier now belong to the survivor (one level).
    Account.objects.filter(merged_into=duplicate_account).update(merged_into=survivor_account)
    duplicate_account.refresh_from_db()
    survivor_account.refresh_from_db()
    reason = _("Merged from customer #%(id)s") % {"id": duplicate.pk}
    for lot in LedgerEntry.objects.filter(account=duplicate_account, remaining__gt=0).order_by(
        "id"
    ):
        moved = lot.remaining
        entry_add(
            account=duplicate_account,
            kind=LedgerEntry.Kind.ADJUST,
            points=-moved,
            reason=reason,
            reference=f"merge:{lot.pk}:out",
            first_lot=lot,
        )
        entry_add(
            account=survivor_account,
            kind=LedgerEntry.Kind.ADJUST,
            points=moved,
            reason=reason,
            reference=f"merge:{lot.pk}:in",
            expires_at=lot.expires_at,
        )
    debt = duplicate_account.balance
    if debt < 0:
        entry_add(
            account=duplicate_account,
            kind=LedgerEntry.Kind.ADJUST,
            points=-debt,
            reason=reason,
            reference=f"merge:{duplicate_account.pk}:debt-out",
        )
        entry_add(
            account=survivor_account,
            kind=LedgerEntry.Kind.ADJUST,
            points=debt,
            reason=reason,
            reference=f"merge:{duplicate_account.pk}:debt-in",
        )
    TierChange.objects.filter(account=duplicate_account).update(account=survivor_account)
    from loyalty.services.tiers import account_tier_refresh

    account_tier_refresh(account=survivor_account, reason="merged")


def ledger_check() -> list[str]:
    """Every account whose stored balance differs from the sum of its entries, or whose
    open lots do not add up to max(balance, 0): an empty list when the ledger is sound."""
    problems = []
    sums = dict(
        LedgerEntry.objects.values("account").annotate(s=Sum("points")).values_list("account", "s")
    )
    lots = dict(
        LedgerEntry.objects.filter(remaining__gt=0)
        .values("account")
        .annotate(s=Sum("remaining"))
        .values_list("account", "s")
    )
    for pk, balance in Account.objects.values_list("pk", "balance"):
        if sums.get(pk, 0) != balance:
            problems.append(f"account {pk}: balance {balance} != entries {sums.get(pk, 0)}")
        if lots.get(pk, 0) != max(balance, 0):
            problems.append(f"account {pk}: open lots {lots.get(pk, 0)} != {max(balance, 0)}")
    return problems
