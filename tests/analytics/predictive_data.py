"""Order histories drawn from BG/NBD and Gamma-Gamma themselves, for the predictive
tests: each customer buys at a Poisson rate (gamma-distributed across customers), may
drop out after each repeat purchase (beta-distributed), and spends gamma-distributed
amounts around their own mean. Bulk-inserted: they are the population the fit sees, not
the behaviour under test (hand-built customers go through the services)."""

import datetime
from decimal import Decimal

import numpy as np
from django.utils import timezone

from crm.models import Customer, Order

TRUE = {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 3.0, "p": 6.0, "q": 4.0, "gamma": 15.0}


def population(*, customers: int, as_of: datetime.date, weeks: int = 78, seed: int = 7):
    """`customers` customers whose first order day falls in the first 26 of `weeks`
    weeks before `as_of`; returns {customer id: sorted order days}."""
    rng = np.random.default_rng(seed)
    start = as_of - datetime.timedelta(weeks=weeks)
    rows, plans, spends = [], [], []
    for i in range(customers):
        first = start + datetime.timedelta(days=int(rng.integers(0, 26 * 7)))
        rate = rng.gamma(TRUE["r"], 1 / TRUE["alpha"])  # orders per week
        drop = rng.beta(TRUE["a"], TRUE["b"])
        nu = rng.gamma(TRUE["q"], 1 / TRUE["gamma"])  # Gamma-Gamma: spend per order day
        days, day, horizon = [first], float((first - start).days), (as_of - start).days
        # BG/NBD: alive at the first order; may drop out after each repeat order.
        while True:
            day += rng.exponential(7 / rate) if rate > 0 else horizon + 1
            if day > horizon:
                break
            days.append(start + datetime.timedelta(days=int(day)))
            if rng.random() < drop:
                break
        rows.append(
            Customer(
                external_id=f"P-{seed}-{i}",
                first_name=f"Pop{i}",
                last_name="Model",
                email=f"pop{seed}.{i}@example.com",
                customer_since=first,
            )
        )
        plans.append(sorted(set(days)))
        spends.append(rng.gamma(TRUE["p"], 1 / nu, size=len(plans[-1])))
    made = Customer.objects.bulk_create(rows)
    orders, history = [], {}
    for customer, days, spend in zip(made, plans, spends, strict=True):
        history[customer.pk] = days
        for n, day in enumerate(days):
            orders.append(
                Order(
                    external_id=f"PO-{customer.pk}-{n}",
                    customer=customer,
                    placed_at=timezone.make_aware(
                        datetime.datetime.combine(day, datetime.time(13))
                    ),
                    total=Decimal(f"{max(spend[n], 0.01):.2f}"),
                    currency="EUR",
                    status=Order.Status.COMPLETED,
                )
            )
    Order.objects.bulk_create(orders, batch_size=2000)
    return history
