"""Writes of the loyalty programme. Other apps (surveys) call these, never the models.

ledger: accounts, entries and lots; earning: order points, reversals, bonuses;
adjustments: staff corrections; redemptions: rewards for
points; tiers: qualifying points and tiers; maintenance: expiry, the order-event sweep,
customer merges; programme: what marketing sets up; idempotency: replayable writes.
"""

from loyalty.services.adjustments import points_adjust
from loyalty.services.earning import (
    birthday_bonuses_award,
    order_points_earn,
    order_points_reverse,
    referral_record,
    survey_bonus_award,
)
from loyalty.services.ledger import account_enrol
from loyalty.services.maintenance import (
    accounts_merge,
    ledger_check,
    order_events_sweep,
    points_expire,
)
from loyalty.services.programme import (
    programme_save,
    reward_save,
    rule_save,
    tier_delete,
    tier_save,
)
from loyalty.services.redemptions import redemption_cancel, reward_redeem
from loyalty.services.tiers import account_tier_refresh, tiers_recompute

__all__ = [
    "account_enrol",
    "account_tier_refresh",
    "accounts_merge",
    "birthday_bonuses_award",
    "ledger_check",
    "order_events_sweep",
    "order_points_earn",
    "order_points_reverse",
    "points_adjust",
    "points_expire",
    "programme_save",
    "redemption_cancel",
    "referral_record",
    "reward_redeem",
    "reward_save",
    "rule_save",
    "survey_bonus_award",
    "tier_delete",
    "tier_save",
    "tiers_recompute",
]
