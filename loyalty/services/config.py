"""The programme's settings, earn rules and tiers, read by every earn: cached.

They change a few times a year and are read on every order, so they live in the shared
cache (Redis in production, the file cache in the embedded setup). Every save or delete
of one of them (services, admin, shell: loyalty.receivers.on_config_saved) drops the
copy, at once and again after commit, so a reader between the two cannot keep the old
one. A cache that is down is skipped, never an error.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from loyalty.models import EarnRule, Programme, Tier

logger = logging.getLogger(__name__)
KEY = "loyalty:config:1"
TTL = 300  # seconds; a bulk .update() (which sends no signal) shows within this


@dataclass(frozen=True)
class Config:
    programme: Programme | None
    rules: tuple[EarnRule, ...]  # the active ones, by id
    tiers: tuple[Tier, ...]  # by threshold

    def rules_for(self, *, kinds, day: datetime.date) -> list[EarnRule]:
        return [
            rule
            for rule in self.rules
            if rule.kind in kinds
            and (rule.active_from is None or rule.active_from <= day)
            and (rule.active_to is None or day <= rule.active_to)
        ]

    def tier(self, tier_id: int | None) -> Tier | None:
        return next((t for t in self.tiers if t.pk == tier_id), None)


def _load() -> Config:
    return Config(
        programme=Programme.objects.first(),
        rules=tuple(EarnRule.objects.filter(is_active=True).order_by("id")),
        tiers=tuple(Tier.objects.order_by("threshold")),
    )


def config_get() -> Config:
    """The current settings, rules and tiers (three queries when not cached)."""
    try:
        config = cache.get(KEY)
    except Exception:  # the cache is down: read the database
        logger.warning("loyalty: cache unavailable, reading the programme from the database")
        return _load()
    if config is None:
        config = _load()
        try:
            cache.set(KEY, config, TTL)
        except Exception:
            pass
    return config


def config_changed() -> None:
    """Drop the cached copy now and after this transaction commits."""

    def drop():
        try:
            cache.delete(KEY)
        except Exception:
            logger.warning("loyalty: cache unavailable; the programme copy expires in %s s", TTL)

    drop()
    transaction.on_commit(drop)
