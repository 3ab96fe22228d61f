"""Order writes: record, correct, refund or cancel; customer_since follows orders."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DecimalField, Max, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm import signals
from crm.models import Customer, Order
from crm.services.rules import _business_day, _check_moment

_ALLOWED_STATUS_CHANGES = {
    Order.Status.COMPLETED: {Order.Status.REFUNDED, Order.Status.CANCELLED},
}
_STATUS_SIGNALS = {
    Order.Status.COMPLETED: signals.order_completed,
    Order.Status.REFUNDED: signals.order_refunded,
    Order.Status.CANCELLED: signals.order_cancelled,
}


MAX_TOTAL = Decimal("10000000000")


def _parse_total(value: Any) -> Decimal:
    try:
        total = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"total": _("Enter an amount such as 19.99.")}) from None
    if not total.is_finite() or total < 0:
        raise ValidationError({"total": _("The total cannot be negative.")})
    if total >= MAX_TOTAL:  # the column holds 12 digits, 2 of them after the point
        raise ValidationError({"total": _("The total must be under 10,000,000,000.")})
    if total == 0:
        total = Decimal("0.00")  # never "-0.00"
    if total != total.quantize(Decimal("0.01")):
        raise ValidationError({"total": _("Use at most two decimal places.")})
    return total


@transaction.atomic
def order_record(
    *,
    customer: Customer,
    external_id: str,
    placed_at: datetime.datetime,
    total: Decimal | str,
    currency: str | None = None,
    status: str = Order.Status.COMPLETED,
    channel: str = Order.Channel.WEB,
    item_count: int = 1,
) -> Order:
    """Record an order and keep `customer_since` true (docs/metrics.md).

    A completed order placed on a business day before `customer_since` moves it
    to that day. Totals are Decimal in the account currency (setting CURRENCY);
    another currency is refused rather than silently mixed into revenue.
    After commit, a completed order sends `order_completed`.
    """
    if placed_at is None:
        raise ValidationError({"placed_at": _("Give the time the order was placed.")})
    _check_moment("placed_at", placed_at)
    currency = (currency or settings.CURRENCY).upper()
    if currency != settings.CURRENCY:
        raise ValidationError(
            {
                "currency": _("Orders must be in the account currency (%(currency)s).")
                % {"currency": settings.CURRENCY}
            }
        )
    try:
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
    except Customer.DoesNotExist:
        raise ValidationError({"customer": _("This customer no longer exists.")}) from None
    order = Order(
        customer=customer,
        external_id=(external_id or "").strip(),
        placed_at=placed_at,
        total=_parse_total(total),
        currency=currency,
        status=status,
        channel=channel,
        item_count=item_count,
    )
    order.full_clean()
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"external_id": _("An order with this external id already exists.")}
        ) from exc

    if order.status == Order.Status.COMPLETED:
        _move_customer_since_to(customer.pk, _business_day(placed_at))
        customer_figures_refresh(customer_ids=[customer.pk])
        _send_on_commit(signals.order_completed, order)
    return order


@transaction.atomic
def order_update(
    *, order: Order, status: str | None = None, placed_at: datetime.datetime | None = None
) -> Order:
    """Correct when an order was placed, and/or refund or cancel it, in one transaction.

    A corrected `placed_at` keeps the same range as recording (EARLIEST_YEAR to
    now); a completed order moved before `customer_since` moves it earlier, as
    recording does. It never moves `customer_since` later by itself: whether the
    acquisition came from this order only staff know, and once the order is
    corrected they may set `customer_since` up to the first order day.
    After commit sends `order_corrected` (with `previous_placed_at`) and
    `order_refunded`/`order_cancelled`. Unchanged values are no-ops.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if placed_at is not None and placed_at != order.placed_at:
        _check_moment("placed_at", placed_at)
        previous = order.placed_at
        order.placed_at = placed_at
        order.save(update_fields=["placed_at", "updated_at"])
        if order.status == Order.Status.COMPLETED:
            _move_customer_since_to(order.customer_id, _business_day(placed_at))
            customer_figures_refresh(customer_ids=[order.customer_id])
        order_id, customer_id = order.pk, order.customer_id
        transaction.on_commit(
            lambda: signals.order_corrected.send(
                sender=Order,
                order_id=order_id,
                customer_id=customer_id,
                previous_placed_at=previous,
            )
        )
    if status is not None and status != order.status:
        if status not in _ALLOWED_STATUS_CHANGES.get(order.status, set()):
            raise ApplicationError(
                "invalid_status_change",
                _("The order is %(old)s; it cannot become %(new)s.")
                % {
                    "old": Order.Status(order.status).label.lower(),
                    "new": Order.Status(status).label.lower(),
                },
                {"status": [_("Only a completed order can be refunded or cancelled.")]},
            )
        order.status = status
        order.save(update_fields=["status", "updated_at"])
        customer_figures_refresh(customer_ids=[order.customer_id])
        _send_on_commit(_STATUS_SIGNALS[status], order)
    return order


def order_status_set(*, order: Order, status: str) -> Order:
    """Refund or cancel a completed order; any other change is refused.

    Sends `order_refunded` or `order_cancelled` after commit. Setting the
    status an order already has is a no-op and sends nothing (idempotent).
    """
    return order_update(order=order, status=status)


def _move_customer_since_to(customer_id: int, day: datetime.date) -> None:
    """docs/metrics.md: an order day before `customer_since` moves it to that day."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if day < customer.customer_since:
        customer.customer_since = day
        customer.save(update_fields=["customer_since", "updated_at"])


def _send_on_commit(signal, order: Order) -> None:
    order_id, customer_id = order.pk, order.customer_id
    transaction.on_commit(
        lambda: signal.send(sender=Order, order_id=order_id, customer_id=customer_id)
    )


def customer_figures_refresh(*, customer_ids) -> None:
    """Recompute the stored order figures (count, revenue, first and last order over
    completed orders) of these customers, in one statement; called in the same
    transaction as every write that changes their orders."""
    if connection.vendor == "postgresql":
        _figures_refresh_postgresql(list(customer_ids))
        return
    completed = Order.objects.filter(customer=OuterRef("pk"), status=Order.Status.COMPLETED).values(
        "customer"
    )

    def figure(aggregate):
        return Subquery(completed.annotate(figure=aggregate).values("figure")[:1])

    Customer.objects.filter(pk__in=customer_ids).update(
        order_count=Coalesce(figure(Count("id")), Value(0)),
        revenue=Coalesce(figure(Sum("total")), Value(Decimal("0.00")), output_field=DecimalField()),
        first_order_at=figure(Min("placed_at")),
        last_order_at=figure(Max("placed_at")),
    )


def _figures_refresh_postgresql(customer_ids: list[int]) -> None:
    """The same in two set-based statements: one aggregate over the customers' orders
    (not one subquery per customer and figure), then zeros for those left without a
    completed order."""
    if not customer_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE crm_customer c
               SET order_count = a.n, revenue = a.total, first_order_at = a.first,
                   last_order_at = a.last
              FROM (SELECT customer_id, count(*) AS n, sum(total) AS total,
                           min(placed_at) AS first, max(placed_at) AS last
                      FROM crm_order
                     WHERE status = 'completed' AND customer_id = ANY(%s)
                     GROUP BY customer_id) a
             WHERE c.id = a.customer_id
            """,
            [customer_ids],
        )
        cursor.execute(
            """
            UPDATE crm_customer c
               SET order_count = 0, revenue = 0, first_order_at = NULL, last_order_at = NULL
             WHERE c.id = ANY(%s) AND c.order_count <> 0
               AND NOT EXISTS (SELECT 1 FROM crm_order o
                                WHERE o.customer_id = c.id AND o.status = 'completed')
            """,
            [customer_ids],
        )
