"""Tiny receivers of crm's events, each calling one loyalty service.

crm sends its order events after commit, and may send one twice; the services are
idempotent (one earn per order and rule, one reversal per earn line). A receiver that
fails logs and returns: the order is saved already, and the nightly sweep
(`order_events_sweep`) earns or reverses what was missed.
"""

import logging

from loyalty import services

logger = logging.getLogger(__name__)


def _safely(service, order_id: int) -> None:
    try:
        service(order_id=order_id)
    except Exception:  # the sweep catches up; the customer's request must not fail
        logger.exception("loyalty: order %s not processed; the nightly sweep retries", order_id)


def on_order_completed(sender, *, order_id: int, **kwargs) -> None:
    _safely(services.order_points_earn, order_id)


def on_order_undone(sender, *, order_id: int, **kwargs) -> None:
    _safely(services.order_points_reverse, order_id)


def on_demo_data_loaded(sender, *, seed: int = 42, **kwargs) -> str:
    from loyalty.demo import loyalty_demo_create

    counts = loyalty_demo_create(seed=seed)
    return (
        f"Loyalty: {counts['members']} members, {counts['entries']} ledger entries, "
        f"{counts['redemptions']} vouchers."
    )


def on_config_saved(sender, **kwargs) -> None:
    from loyalty.services.config import config_changed

    config_changed()
