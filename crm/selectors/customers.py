"""Reads of customers, orders, tags and the timeline.

Each selector returns rows the given user may see, with everything a page
shows loaded in a fixed number of queries (STYLE.md rule 7).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Lower, TruncDate
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from crm.extensions import TimelineEntry, timeline_sources_for
from crm.models import Customer, Order, Tag


def customer_visible(*, user) -> QuerySet[Customer]:
    """Customers the user may see: all of them with crm.view_customer, none otherwise."""
    if user is None or not user.is_authenticated or not user.has_perm("crm.view_customer"):
        return Customer.objects.none()
    return Customer.objects.all()


def _day_start(day: datetime.date) -> datetime.datetime:
    """The aware start of a business day (setting TIME_ZONE)."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def customer_status_q(status: str, *, day: datetime.date | None = None) -> Q:
    """Customers active, lapsed or closed at the end of `day` (docs/metrics.md "Active customer").

    Active: acquired by `day`; not closed on or before it unless a completed
    order came after the closing; with the activity window W set, an order day
    or `customer_since` lies in the last W days. Lapsed: acquired, not closed,
    not active. Closed: closed and not reopened by a later order.
    """
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    if day is None or day == today:
        return _status_today_q(status, today)
    return _status_on_day_q(status, day)


def _status_on_day_q(status: str, day: datetime.date) -> Q:
    """The rule on any day, from the orders themselves."""
    business_zone = timezone.get_default_timezone()
    next_day = _day_start(day + datetime.timedelta(days=1))
    completed = Order.objects.filter(
        customer=OuterRef("pk"), status=Order.Status.COMPLETED, placed_at__lt=next_day
    )
    reopened = Exists(
        completed.annotate(day=TruncDate("placed_at", tzinfo=business_zone)).filter(
            day__gt=OuterRef("closed_on")
        )
    )
    acquired = Q(customer_since__lte=day)
    closed = Q(closed_on__isnull=False, closed_on__lte=day) & ~reopened
    window = settings.ACTIVITY_WINDOW_DAYS
    if window is None:
        recent = Q()
    else:
        first_day = day - datetime.timedelta(days=window - 1)
        recent = Q(customer_since__gte=first_day) | Exists(
            completed.filter(placed_at__gte=_day_start(first_day))
        )
    if status == "active":
        return acquired & ~closed & recent
    if status == "closed":
        return acquired & closed
    if status == "lapsed":
        if window is None:
            return Q(pk__in=[])  # contractual model: open customers are always active
        return acquired & ~closed & ~recent
    raise ValueError(f"unknown status {status!r}")


def _status_today_q(status: str, today: datetime.date) -> Q:
    """The same rule for today, on the figures stored with each customer (no order is
    placed after now), so a status filter reads columns instead of probing orders."""
    last_order_day = TruncDate("last_order_at", tzinfo=timezone.get_default_timezone())
    reopened = Q(GreaterThan(last_order_day, F("closed_on")))
    acquired = Q(customer_since__lte=today)
    closed = Q(closed_on__isnull=False, closed_on__lte=today) & ~(
        Q(last_order_at__isnull=False) & reopened
    )
    window = settings.ACTIVITY_WINDOW_DAYS
    if window is None:
        recent = Q()
    else:
        first_day = today - datetime.timedelta(days=window - 1)
        recent = Q(customer_since__gte=first_day) | Q(last_order_at__gte=_day_start(first_day))
    if status == "active":
        return acquired & ~closed & recent
    if status == "closed":
        return acquired & closed
    if status == "lapsed":
        if window is None:
            return Q(pk__in=[])
        return acquired & ~closed & ~recent
    raise ValueError(f"unknown status {status!r}")


STATUSES = ("active", "lapsed", "closed")


def _status_case(day: datetime.date | None) -> Case:
    # An acquired customer who is neither active nor closed is lapsed. Only a past `day`
    # can precede customer_since (it is never in the future): no status then.
    day = day or timezone.localdate(timezone=timezone.get_default_timezone())
    return Case(
        When(customer_since__gt=day, then=Value(None)),
        When(customer_status_q("active", day=day), then=Value("active")),
        When(customer_status_q("closed", day=day), then=Value("closed")),
        default=Value("lapsed"),
        output_field=CharField(null=True),
    )


def customer_status_map(
    *, customer_ids: list[int], day: datetime.date | None = None
) -> dict[int, str]:
    """ "active", "lapsed" or "closed" (docs/metrics.md) of each given customer, in one query.

    For a page of rows: the rule's subqueries run for these ids only, not for
    every customer the list sorted.
    """
    rows = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(status=_status_case(day))
        .values_list("pk", "status")
    )
    return dict(rows)


def customer_status(*, customer: Customer, day: datetime.date | None = None) -> str:
    """ "active", "lapsed" or "closed" at the end of `day` (default today), in one query."""
    return customer_status_map(customer_ids=[customer.pk], day=day)[customer.pk]


def customer_list(*, user) -> QuerySet[Customer]:
    """Customers for the list page and API, before search and filters (crm.filters).

    Each row carries its stored `order_count`, `revenue` and `last_order_at` over
    completed orders; tags and owner are loaded with the page, whatever its size.
    """
    return (
        customer_visible(user=user)
        .select_related("owner")
        .prefetch_related("tags")
        .order_by("last_name", "first_name", "id")
    )


def customer_get(*, user, pk: int) -> Customer:
    """One customer the user may see, with owner and tags; Customer.DoesNotExist otherwise."""
    return customer_visible(user=user).select_related("owner").prefetch_related("tags").get(pk=pk)


@dataclass(frozen=True)
class OrderSummary:
    orders: int
    revenue: Decimal
    average_order_value: Decimal | None
    first_order_at: datetime.datetime | None
    last_order_at: datetime.datetime | None
    refunded: int
    cancelled: int


def customer_order_summary(*, customer: Customer) -> OrderSummary:
    """Completed-order totals of one customer (docs/metrics.md: cancelled, refunded never count)."""
    completed = Q(status=Order.Status.COMPLETED)
    row = Order.objects.filter(customer=customer).aggregate(
        orders=Count("id", filter=completed),
        revenue=Sum("total", filter=completed),
        first=Min("placed_at", filter=completed),
        last=Max("placed_at", filter=completed),
        refunded=Count("id", filter=Q(status=Order.Status.REFUNDED)),
        cancelled=Count("id", filter=Q(status=Order.Status.CANCELLED)),
    )
    revenue = row["revenue"] or Decimal("0.00")
    aov = (revenue / row["orders"]).quantize(Decimal("0.01")) if row["orders"] else None
    return OrderSummary(
        orders=row["orders"],
        revenue=revenue,
        average_order_value=aov,
        first_order_at=row["first"],
        last_order_at=row["last"],
        refunded=row["refunded"],
        cancelled=row["cancelled"],
    )


def customer_timeline(
    *,
    customer: Customer,
    user,
    until: datetime.datetime | None = None,
    kinds: Iterable[str] = (),
    limit: int = 30,
) -> tuple[list[TimelineEntry], datetime.datetime | None]:
    """A customer's timeline at or before `until`, newest first, merged from every
    registered source the user may see (crm.extensions), or only those of `kinds`.

    Returns about `limit` entries and the cursor (`until` of the next, older page),
    or None when nothing older exists. Entries sharing one instant are never split
    across pages. One query per source, whatever the history's length.
    """
    kinds = set(kinds)
    sources = [s for s in timeline_sources_for(user=user) if not kinds or s.kind in kinds]
    entries = [entry for s in sources for entry in s.fetch(customer, None, until, limit + 1)]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    if len(entries) <= limit:
        return entries, None
    boundary = entries[limit].at
    page = [entry for entry in entries[:limit] if entry.at > boundary]
    if page:
        return page, boundary  # the next page starts with the entries at `boundary`
    # More than `limit` entries at one instant (a bulk import): show all of them.
    just_before = boundary - datetime.timedelta(microseconds=1)
    page = [entry for s in sources for entry in s.fetch(customer, just_before, boundary, None)]
    return page, just_before


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.annotate(customer_count=Count("customers")).order_by("name")


def owner_choices() -> QuerySet:
    """Staff who may own customers: active users in a role group."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("username")
    )


def customers_by_email(email: str) -> QuerySet[Customer]:
    """Customers with this email, whatever its case, through the lower(email) index
    (`email__iexact` compiles to UPPER() on PostgreSQL, which the index cannot serve)."""
    return Customer.objects.alias(email_lower=Lower("email")).filter(
        email_lower=(email or "").lower()
    )
