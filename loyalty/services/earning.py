"""Earning and reversing: order points (the hot path, in plain SQL), refunds and
cancellations, and the bonuses (survey, referral, birthday)."""

import calendar
import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Customer, Order
from loyalty.models import MAX_POINTS, Account, EarnRule, LedgerEntry, Programme
from loyalty.services.config import config_get
from loyalty.services.ledger import (
    _ROUNDING,
    _account_enrolled,
    _live_account,
    account_locked,
    active_rules,
    business_day,
    entry_add,
    in_window,
    lot_expiry,
    programme_get,
)


def _order_rule_points(
    rule: EarnRule, order: Order, programme: Programme, multiplier: Decimal
) -> int:
    if rule.min_order_total is not None and order.total < rule.min_order_total:
        return 0
    if rule.channels and order.channel not in rule.channels:
        return 0
    if rule.kind == EarnRule.Kind.SPEND:
        raw = order.total * programme.earn_rate * multiplier
    else:
        raw = Decimal(rule.points) * multiplier
    points = int(raw.quantize(Decimal(1), rounding=_ROUNDING[programme.rounding]))
    # One line holds at most MAX_POINTS (a CHECK): a €20,000,000 order earns that many.
    return min(points, MAX_POINTS)


# The earn path runs on every completed order, so its statements are plain SQL (the same
# on PostgreSQL and SQLite): lock the order and its member's account and read both in
# one statement, the rules the order already used, one INSERT per line, and one UPDATE of
# balance and qualifying points (tiers.account_tier_refresh).
_ORDER_AND_ACCOUNT_SQL = """
SELECT o.customer_id, o.status, o.total, o.channel, o.placed_at, o.external_id,
       a.id, a.balance, a.tier_id, a.qualifying_points
  FROM crm_order o JOIN loyalty_account a ON a.customer_id = o.customer_id
 WHERE o.id = %s
"""
_DONE_SQL = """
SELECT rule_id FROM loyalty_ledgerentry WHERE order_id = %s AND kind IN ('earn', 'reverse')
"""
_INSERT_EARN_SQL = """
INSERT INTO loyalty_ledgerentry
       (account_id, kind, points, reason, order_id, rule_id, reference, created_at,
        expires_at, remaining)
VALUES (%s, 'earn', %s, %s, %s, %s, '', %s, %s, %s)
RETURNING id
"""


def _moment(value) -> datetime.datetime:
    """A datetime column read by plain SQL, aware (SQLite gives text in UTC)."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
    return timezone.make_aware(parse_datetime(value), datetime.UTC)


def _order_with_account(order_id: int) -> tuple[Order, Account] | None:
    """The completed order and its customer's account, both locked; None when either is
    missing (the caller takes the slower way that enrols)."""
    sql = _ORDER_AND_ACCOUNT_SQL
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE OF o, a"
    with connection.cursor() as cursor:
        cursor.execute(sql, [order_id])
        row = cursor.fetchone()
    if row is None:
        return None
    customer_id, status, total, channel, placed_at, external_id = row[:6]
    order = Order(
        pk=order_id,
        customer_id=customer_id,
        status=status,
        total=total if isinstance(total, Decimal) else Decimal(str(total)),
        channel=channel,
        placed_at=_moment(placed_at),
        external_id=external_id,
    )
    account_id, balance, tier_id, qualifying = row[6:]
    account = Account(
        pk=account_id,
        customer_id=customer_id,
        balance=balance,
        tier_id=tier_id,
        qualifying_points=qualifying,
    )
    return order, account


@transaction.atomic
def order_points_earn(*, order_id: int) -> list[LedgerEntry]:
    """Earn the points of a completed order, once per order and rule (an event that
    comes twice, or concurrently, writes nothing the second time).

    Rules apply as they stood on the order's business day, inside the programme's active
    window; the member's tier multiplier applies to order rules. Automatic enrolment
    opens the account on the first completed order. Returns the entries written now.

    Locks: the order (a refund of it waits until these points are written, then
    reverses them) and the member's account (every balance change takes it)."""
    config = config_get()
    programme = config.programme
    if programme is None:
        return []
    found = _order_with_account(order_id)
    if found is None:  # no such order, or the customer is no member yet
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != Order.Status.COMPLETED:
            return []
        if programme.enrolment != Programme.Enrolment.AUTOMATIC:
            return []
        account = _account_enrolled(customer_id=order.customer_id, at=timezone.now())
    else:
        order, account = found
    if order.status != Order.Status.COMPLETED:
        return []
    day = business_day(order.placed_at)
    if not in_window(day, programme.active_from, programme.active_to):
        return []
    rules = config.rules_for(kinds=EarnRule.ORDER_KINDS, day=day)
    with connection.cursor() as cursor:
        cursor.execute(_DONE_SQL, [order_id])
        done = {row[0] for row in cursor.fetchall()}
    tier = config.tier(account.tier_id)
    multiplier = tier.multiplier if tier else Decimal(1)
    now = timezone.now()
    expires_at = lot_expiry(programme, now)
    written = []
    for rule in rules:
        if rule.pk in done:
            continue
        points = _order_rule_points(rule, order, programme, multiplier)
        if points <= 0:
            continue
        reason = _("%(rule)s, order %(order)s") % {"rule": rule.name, "order": order.external_id}
        # A debt (negative balance) is paid first: only the rest stays unspent in the lot.
        remaining = max(0, points + min(account.balance, 0))
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_EARN_SQL,
                [
                    account.pk,
                    points,
                    reason[:500],
                    order_id,
                    rule.pk,
                    connection.ops.adapt_datetimefield_value(now),
                    connection.ops.adapt_datetimefield_value(expires_at),
                    remaining,
                ],
            )
            entry_id = cursor.fetchone()[0]
        account.balance += points
        written.append(
            LedgerEntry(
                pk=entry_id,
                account=account,
                kind=LedgerEntry.Kind.EARN,
                points=points,
                reason=reason[:500],
                order_id=order_id,
                rule=rule,
                created_at=now,
                expires_at=expires_at,
                remaining=remaining,
            )
        )
    if written:
        from loyalty.services.tiers import account_tier_refresh

        account_tier_refresh(
            account=account,
            reason="earned",
            now=now,
            config=config,
            balance_delta=sum(entry.points for entry in written),
        )
    return written


@transaction.atomic
def order_points_reverse(*, order_id: int) -> list[LedgerEntry]:
    """Reverse exactly what a refunded or cancelled order earned, once per earn line.

    The order's own lot is emptied first, then the soonest-expiring others; points already
    spent leave the balance negative (a debt that blocks redemptions until later earnings
    cover it). Points of the order's lot that already expired are not taken again. A
    completed order, or one that earned nothing, writes nothing."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status == Order.Status.COMPLETED:
        return []
    earned = list(
        LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.EARN)
        .values("account_id", "account__customer_id")
        .distinct()
    )
    written = []
    for row in earned:
        account = Account.objects.select_for_update().get(pk=row["account_id"])
        target = _live_account(account)
        reversed_rules = set(
            LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.REVERSE).values_list(
                "rule_id", flat=True
            )
        )
        earns = list(
            LedgerEntry.objects.filter(
                order=order, kind=LedgerEntry.Kind.EARN, account=account
            ).order_by("id")
        )
        # Points of these lots that expired are gone already: they are not taken twice.
        expired = dict(
            LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRE, lot__in=earns)
            .values_list("lot_id")
            .annotate(s=Sum("points"))
        )
        for earn in earns:
            points = earn.points + (expired.get(earn.pk) or 0)
            if earn.rule_id in reversed_rules or points <= 0:
                continue
            reason = _("Order %(order)s was %(status)s") % {
                "order": order.external_id,
                "status": order.get_status_display().lower(),
            }
            written.append(
                entry_add(
                    account=target,
                    kind=LedgerEntry.Kind.REVERSE,
                    points=-points,
                    reason=reason,
                    order=order,
                    rule_id=earn.rule_id,
                    first_lot=earn if target.pk == account.pk else None,
                )
            )
        if written:
            from loyalty.services.tiers import account_tier_refresh

            account_tier_refresh(account=target, reason="reversed")
    return written


def _bonus(
    *,
    customer_id: int,
    rule: EarnRule | None,
    points: int,
    reason: str,
    reference: str,
    enrol: bool,
) -> tuple[LedgerEntry | None, bool]:
    """One bonus per reference: (the entry, whether it was written now); the existing
    entry when it was paid already, None when the customer is not a member."""
    existing = LedgerEntry.objects.filter(reference=reference, kind=LedgerEntry.Kind.EARN).first()
    if existing is not None or points <= 0:
        return existing, False
    programme = programme_get()
    if programme is None:
        return None, False
    if enrol and programme.enrolment == Programme.Enrolment.AUTOMATIC:
        account = _account_enrolled(customer_id=customer_id, at=timezone.now())
    else:
        account = account_locked(customer_id=customer_id)
    if account is None:
        return None, False
    existing = LedgerEntry.objects.filter(reference=reference, kind=LedgerEntry.Kind.EARN).first()
    if existing is not None:  # paid by a concurrent call while we waited for the lock
        return existing, False
    entry = entry_add(
        account=account,
        kind=LedgerEntry.Kind.EARN,
        points=points,
        reason=reason,
        rule=rule,
        reference=reference,
        programme=programme,
        defer_balance=True,
    )
    from loyalty.services.tiers import account_tier_refresh

    account_tier_refresh(account=account, reason="earned", balance_delta=points)
    return entry, True


@transaction.atomic
def survey_bonus_award(
    *, customer: Customer, response_id: int, survey_name: str, points: int | None = None
) -> LedgerEntry | None:
    """The surveys app's completion bonus: once per response (a replay returns the first
    entry). `points` is the survey's own bonus; None takes the programme's active survey
    rule (Earn rules: "Survey completion bonus"). Members only; automatic enrolment
    enrols. None when nothing was paid."""
    rule = None
    if points is None:
        rules = active_rules(kinds=[EarnRule.Kind.SURVEY], day=business_day(timezone.now()))
        rule = rules[0] if rules else None
        points = rule.points if rule else 0
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= 1_000_000:
        return None
    entry, _created = _bonus(
        customer_id=customer.pk,
        rule=rule,
        points=points,
        reason=_("Survey answered: %(survey)s") % {"survey": survey_name},
        reference=f"survey-response:{response_id}",
        enrol=True,
    )
    return entry


@transaction.atomic
def referral_record(*, referrer: Customer, referred: Customer) -> list[LedgerEntry]:
    """Pay the active referral bonuses to both customers, once per referred customer."""
    if referrer.pk == referred.pk:
        raise ApplicationError(
            "invalid_referral", _("A customer cannot refer themselves."), status_code=422
        )
    paid = []
    # The lower customer id first, so two referrals between the same pair cannot deadlock.
    for rule in active_rules(kinds=[EarnRule.Kind.REFERRAL], day=timezone.localdate()):
        for who, points, role in sorted(
            [(referrer, rule.points, "referrer"), (referred, rule.referred_points, "referred")],
            key=lambda row: row[0].pk,
        ):
            entry, created = _bonus(
                customer_id=who.pk,
                rule=rule,
                points=points,
                reason=_("%(rule)s (%(role)s)")
                % {
                    "rule": rule.name,
                    "role": _("referred a friend") if role == "referrer" else _("was referred"),
                },
                reference=f"referral:{rule.pk}:{referred.pk}:{role}",
                enrol=True,
            )
            if created:
                paid.append(entry)
    return paid


def birthday_bonuses_award(*, today: datetime.date | None = None) -> int:
    """Pay today's birthday bonuses to members born on this day (29 February: on 28
    February in other years), once per rule, customer and year; returns how many.

    Each member in its own transaction: safe to run twice or to stop half-way."""
    today = today or timezone.localdate()
    rules = active_rules(kinds=[EarnRule.Kind.BIRTHDAY], day=today)
    if not rules:
        return 0
    born = Q(customer__birthday__month=today.month, customer__birthday__day=today.day)
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        born |= Q(customer__birthday__month=2, customer__birthday__day=29)
    paid = 0
    for customer_id in Account.objects.filter(born).values_list("customer_id", flat=True):
        for rule in rules:
            with transaction.atomic():
                _entry, created = _bonus(
                    customer_id=customer_id,
                    rule=rule,
                    points=rule.points,
                    reason=rule.name,
                    reference=f"birthday:{rule.pk}:{customer_id}:{today.year}",
                    enrol=False,
                )
                paid += created
    return paid
