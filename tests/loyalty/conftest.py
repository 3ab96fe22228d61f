"""Loyalty test data, made through the services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty import services
from loyalty.models import EarnRule
from tests import factories


def programme(**data):
    defaults = {
        "name": "Retain Rewards",
        "point_name": "points",
        "point_value": Decimal("0.01"),
        "earn_rate": Decimal("1"),
        "rounding": "down",
        "lifetime_months": 12,
        "qualifying_months": 12,
        "enrolment": "automatic",
        "active_from": timezone.localdate() - datetime.timedelta(days=3650),
    }
    return services.programme_save(data={**defaults, **data})


def rule(kind=EarnRule.Kind.SPEND, **data):
    data.setdefault("name", f"{kind} rule {EarnRule.objects.count() + 1}")
    return services.rule_save(data={"kind": kind, **data})


def reward(**data):
    data.setdefault("name", "Coffee voucher")
    data.setdefault("cost", 100)
    return services.reward_save(data=data)


def earn(customer, total="100.00", **kw):
    """A completed order and its points, as the order_completed receiver earns them."""
    order = factories.order(customer, total=total, **kw)
    services.order_points_earn(order_id=order.pk)
    return order


@pytest.fixture
def spend_programme(db):
    programme()
    return rule(EarnRule.Kind.SPEND, name="Points per euro")


@pytest.fixture
def member(spend_programme):
    return factories.customer(first_name="Līga", last_name="Ozola")
