"""loyalty's Celery tasks: nightly upkeep of the ledger and the tiers.

Each is idempotent and works in small transactions: running twice, or being killed
half-way and run again, leaves the ledger exactly as one full run would.
"""

from celery import shared_task

from loyalty import services


@shared_task(name="loyalty.points_expire", ignore_result=True)
def points_expire_task() -> int:
    """Nightly: expire the unspent points of lots past their expiry date."""
    return services.points_expire()


@shared_task(name="loyalty.tiers_recompute", ignore_result=True)
def tiers_recompute_task(reason: str = "window") -> int:
    """Nightly, and after the tiers change: every member's tier from the points earned in
    the qualifying window (downgrades when points age out)."""
    return services.tiers_recompute(reason=reason)


@shared_task(name="loyalty.birthday_bonuses", ignore_result=True)
def birthday_bonuses_task() -> int:
    """Daily: today's birthday bonuses, once per member and year."""
    return services.birthday_bonuses_award()


@shared_task(name="loyalty.order_events_sweep", ignore_result=True)
def order_events_sweep_task() -> dict:
    """Nightly: earn and reverse for order events a crash may have lost."""
    return services.order_events_sweep()
