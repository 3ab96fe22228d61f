"""Test data, made through the real services (STYLE.md rule 9)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from crm import services
from crm.models import Customer, Order

_seq = itertools.count(1)


def customer(**data) -> Customer:
    n = next(_seq)
    tags = data.pop("tags", ())
    data.setdefault("first_name", f"Anna{n}")
    data.setdefault("last_name", "Bērziņa")
    data.setdefault("email", f"customer{n}@example.com")
    return services.customer_create(data=data, tags=tags)


def order(
    customer: Customer, *, days_ago: float = 0, total: str | Decimal = "10.00", **kw
) -> Order:
    n = next(_seq)
    placed_at = kw.pop("placed_at", None) or timezone.now() - datetime.timedelta(days=days_ago)
    return services.order_record(
        customer=customer,
        external_id=kw.pop("external_id", f"T-{n:06d}"),
        placed_at=placed_at,
        total=total,
        **kw,
    )


def at_day(day: datetime.date, hour: int = 12) -> datetime.datetime:
    """An aware moment on a business day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def case(customer_=None, **kw):
    """A support case opened through the service (a new customer unless one is given)."""
    kw.setdefault("subject", "Parcel never arrived")
    return services.case_open(customer=customer_ or customer(), **kw)
