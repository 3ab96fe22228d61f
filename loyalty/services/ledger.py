"""The points ledger: every balance change is one function here, under the account's lock.

Invariants (README "The loyalty programme"; proved in tests/loyalty):
- balance = the sum of the account's entries (`Account.balance` is written with each
  entry, in the same transaction, under `select_for_update` on the account);
- the unspent points of the open lots add up to max(balance, 0): spending and reversals
  take points from lots, soonest-expiring first; a debt (negative balance, after a
  refund of points already spent) is paid by the next lots before they count;
- a redemption or a negative adjustment never takes the balance below zero;
- a refunded or cancelled order nets zero: each earn line of it gets exactly one reverse
  line of the same size (unique keys on (order, rule) per kind).
"""

import calendar
import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Customer
from loyalty.models import Account, EarnRule, LedgerEntry, Programme
from loyalty.services.config import config_get

_ROUNDING = {
    Programme.Rounding.DOWN: ROUND_FLOOR,
    Programme.Rounding.NEAREST: ROUND_HALF_UP,
    Programme.Rounding.UP: ROUND_CEILING,
}


def business_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment, timezone.get_default_timezone())


def months_later(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same time `months` calendar months later (earlier if negative); the 31st
    becomes the month's last day."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    index = local.year * 12 + local.month - 1 + months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def programme_get() -> Programme | None:
    """The programme (from the cached settings, loyalty.services.config)."""
    return config_get().programme


def in_window(day: datetime.date, start: datetime.date | None, end: datetime.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def lot_expiry(programme: Programme | None, at: datetime.datetime) -> datetime.datetime | None:
    if programme is None or programme.lifetime_months is None:
        return None
    return months_later(at, programme.lifetime_months)


# --- Accounts ---------------------------------------------------------------------------


def account_locked(*, customer_id: int) -> Account | None:
    """The customer's account, locked for this transaction, or None."""
    return Account.objects.select_for_update().filter(customer_id=customer_id).first()


def _account_enrolled(*, customer_id: int, at: datetime.datetime) -> Account:
    """The customer's account, locked, created (with the sign-up bonuses) if missing.

    Two first orders of one customer at once: the customer row's lock makes the second
    wait, then find the account the first created."""
    account = account_locked(customer_id=customer_id)
    if account is not None:
        return account
    if not list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk")):
        raise ApplicationError("not_found", _("This customer no longer exists."), status_code=404)
    account = account_locked(customer_id=customer_id)
    if account is not None:
        return account
    account = Account.objects.create(customer_id=customer_id, enrolled_at=at)
    programme = programme_get()
    bonus = 0
    for rule in active_rules(kinds=[EarnRule.Kind.SIGNUP], day=business_day(at)):
        if rule.points:
            bonus += entry_add(
                account=account,
                kind=LedgerEntry.Kind.EARN,
                points=rule.points,
                reason=rule.name,
                rule=rule,
                reference=f"signup:{rule.pk}:{customer_id}",
                at=at,
                programme=programme,
                defer_balance=True,
            ).points
    # Even a new member may reach a tier with the welcome bonus alone.
    from loyalty.services.tiers import account_tier_refresh

    account_tier_refresh(account=account, reason="earned", balance_delta=bonus)
    return account


@transaction.atomic
def account_enrol(*, customer: Customer, at: datetime.datetime | None = None) -> Account:
    """Enrol the customer (idempotent: an existing account is returned as it is).

    New members get the active sign-up bonuses. Refused when no programme is set up."""
    if programme_get() is None:
        raise ApplicationError(
            "no_programme", _("Set up the loyalty programme first."), status_code=409
        )
    return _account_enrolled(customer_id=customer.pk, at=at or timezone.now())


# --- Entries and lots -------------------------------------------------------------------


def entry_add(
    *,
    account: Account,
    kind: str,
    points: int,
    reason: str,
    at: datetime.datetime | None = None,
    programme: Programme | None = None,
    expires_at: datetime.datetime | None = None,
    opens_lot: bool = False,
    defer_balance: bool = False,
    **links,
) -> LedgerEntry:
    """Append one entry to a locked account and move its balance by the same points.

    Points added (earns, positive adjustments, returned redemptions, `opens_lot=True`) open a
    lot that expires with the programme's lifetime (or at `expires_at`); its unspent
    points first pay any debt. Points taken are taken from the open lots.

    `defer_balance`: the caller writes the balance itself, in the same UPDATE as the
    qualifying points (account_tier_refresh's `balance_delta`), one statement fewer."""
    at = at or timezone.now()
    before = account.balance
    remaining = None
    if points > 0 and (kind in (LedgerEntry.Kind.EARN, LedgerEntry.Kind.ADJUST) or opens_lot):
        remaining = max(0, points + min(before, 0))
        if expires_at is None:
            expires_at = lot_expiry(programme if programme is not None else programme_get(), at)
    elif points < 0 and kind != LedgerEntry.Kind.EXPIRE:
        _lots_take(account=account, points=-points, first_lot=links.get("first_lot"))
    links.pop("first_lot", None)
    entry = LedgerEntry.objects.create(
        account=account,
        kind=kind,
        points=points,
        reason=reason[:500],
        created_at=at,
        expires_at=expires_at if remaining is not None else None,
        remaining=remaining,
        **links,
    )
    if not defer_balance:
        Account.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    account.balance = before + points
    return entry


def _lots_take(*, account: Account, points: int, first_lot: LedgerEntry | None = None) -> None:
    """Take `points` from the account's open lots: `first_lot` first (a reversal takes
    the order's own lot first), then the soonest-expiring; what no lot covers is debt."""
    lots = list(
        LedgerEntry.objects.filter(account=account, remaining__gt=0).order_by(
            F("expires_at").asc(nulls_last=True), "created_at", "id"
        )
    )
    if first_lot is not None:
        lots.sort(key=lambda lot: lot.pk != first_lot.pk)
    for lot in lots:
        if points <= 0:
            break
        taken = min(lot.remaining, points)
        points -= taken
        LedgerEntry.objects.filter(pk=lot.pk).update(remaining=F("remaining") - taken)


def active_rules(*, kinds, day: datetime.date) -> list[EarnRule]:
    return config_get().rules_for(kinds=kinds, day=day)


def _live_account(account: Account) -> Account:
    """Where an account's points live now: itself, or the account it was merged into."""
    seen = set()
    while account.merged_into_id and account.pk not in seen:
        seen.add(account.pk)
        account = (
            Account.objects.select_for_update(of=("self",))
            .select_related("tier")
            .get(pk=account.merged_into_id)
        )
    return account
