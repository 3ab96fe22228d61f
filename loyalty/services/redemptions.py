"""Rewards redeemed for points, each with a unique voucher code, and their cancellation.

Locks, always in this order: the account, then the reward (its stock), so concurrent
redemptions of one account or of one reward queue up instead of overspending.
"""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Customer
from loyalty.models import LedgerEntry, Redemption, Reward
from loyalty.services.idempotency import idempotent_run
from loyalty.services.ledger import (
    account_locked,
    business_day,
    entry_add,
    in_window,
    lot_expiry,
    programme_get,
)

# No 0/O, 1/I/L: a code read out over the phone is typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def voucher_code() -> str:
    """12 random characters (about 59 bits) in three groups: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def reward_is_available(reward: Reward, day=None) -> bool:
    day = day or business_day(timezone.now())
    return reward.is_active and in_window(day, reward.active_from, reward.active_to)


def _redeem(*, customer: Customer, reward: Reward, author) -> Redemption:
    account = account_locked(customer_id=customer.pk)
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward_is_available(reward):
        raise ApplicationError(
            "reward_inactive",
            _("%(reward)s cannot be redeemed now.") % {"reward": reward.name},
            {"reward": [_("This reward is not active.")]},
            status_code=422,
        )
    if reward.stock is not None and reward.stock <= 0:
        raise ApplicationError(
            "out_of_stock",
            _("%(reward)s is out of stock.") % {"reward": reward.name},
            {"reward": [_("Out of stock.")]},
            status_code=409,
        )
    if account is not None and reward.per_customer_limit is not None:
        taken = Redemption.objects.filter(
            account=account, reward=reward, status=Redemption.Status.ISSUED
        ).count()
        if taken >= reward.per_customer_limit:
            raise ApplicationError(
                "limit_reached",
                _("This customer has redeemed %(reward)s %(n)s times, the limit.")
                % {"reward": reward.name, "n": taken},
                {"reward": [_("Limit per customer reached.")]},
                status_code=409,
            )
    balance = account.balance if account else 0
    if balance < reward.cost:
        raise ApplicationError(
            "insufficient_points",
            _("%(reward)s costs %(cost)s points; the balance is %(balance)s.")
            % {"reward": reward.name, "cost": reward.cost, "balance": balance},
            {"reward": [_("Not enough points.")]},
            status_code=409,
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    account=account,
                    reward=reward,
                    points=reward.cost,
                    code=voucher_code(),
                    created_by=author,
                )
            break
        except IntegrityError:  # a code collision: about one in 10^17 per pair
            continue
    else:  # pragma: no cover
        raise ApplicationError("code_exhausted", _("Try again."), status_code=503)
    entry_add(
        account=account,
        kind=LedgerEntry.Kind.REDEEM,
        points=-reward.cost,
        reason=_("Redeemed %(reward)s") % {"reward": reward.name},
        redemption=redemption,
        author=author,
    )
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    return redemption


@transaction.atomic
def reward_redeem(
    *, customer: Customer, reward: Reward, author, idempotency_key: str | None = None
) -> tuple[Redemption, bool]:
    """Spend a reward's cost from the customer's points and issue a voucher code.

    Refused, writing nothing, with `reward_inactive`, `out_of_stock`, `limit_reached`
    or `insufficient_points` (a negative balance is a debt: it blocks redemptions).
    Returns (redemption, replayed): a replayed idempotency key returns the first one."""
    return idempotent_run(
        key=idempotency_key,
        operation="redeem",
        params={"customer": customer.pk, "reward": reward.pk},
        run=lambda: _redeem(customer=customer, reward=reward, author=author),
        load=lambda pk: Redemption.objects.select_related("reward").get(pk=pk),
        author=author,
    )


@transaction.atomic
def redemption_cancel(*, redemption: Redemption, author) -> Redemption:
    """Cancel a voucher: its points come back as a new entry (a lot that expires one
    programme lifetime after the redemption) and the stock is restored. Cancelling a
    cancelled redemption changes nothing (idempotent)."""
    account = _locked_account_of(redemption)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    if redemption.status == Redemption.Status.CANCELLED:
        return redemption
    reward = Reward.objects.select_for_update().get(pk=redemption.reward_id)
    now = timezone.now()
    entry_add(
        account=account,
        kind=LedgerEntry.Kind.REVERSE,
        points=redemption.points,
        reason=_("Voucher %(code)s cancelled") % {"code": redemption.code},
        redemption=redemption,
        author=author,
        opens_lot=True,
        expires_at=lot_expiry(programme_get(), redemption.created_at),
    )
    redemption.status = Redemption.Status.CANCELLED
    redemption.cancelled_at = now
    redemption.cancelled_by = author
    redemption.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + 1)
    return redemption


def _locked_account_of(redemption: Redemption):
    from loyalty.models import Account
    from loyalty.services.ledger import _live_account

    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("tier")
        .get(pk=redemption.account_id)
    )
    return _live_account(account)
