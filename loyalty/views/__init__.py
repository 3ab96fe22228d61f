"""Staff pages of the loyalty programme: support's actions on the profile, and the
marketing pages (programme, rules, tiers, rewards, members, overview)."""

from loyalty.views.marketing import (
    adjust,
    member_detail,
    member_list,
    overview,
    programme_edit,
    reward_create,
    reward_edit,
    reward_list,
    rule_create,
    rule_edit,
    rule_list,
    tier_create,
    tier_delete,
    tier_edit,
    tier_list,
)
from loyalty.views.support import enrol, redeem, redemption_cancel

__all__ = [
    "enrol",
    "adjust",
    "member_detail",
    "member_list",
    "overview",
    "programme_edit",
    "redeem",
    "redemption_cancel",
    "reward_create",
    "reward_edit",
    "reward_list",
    "rule_create",
    "rule_edit",
    "rule_list",
    "tier_create",
    "tier_delete",
    "tier_edit",
    "tier_list",
]
