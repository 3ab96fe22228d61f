"""Programme settings, earn rules, tiers and rewards: what marketing manages.

Each write validates the whole record (the model's constraints included) and saves it;
a change to the tiers queues the recomputation of every member's tier after commit.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from crm.models import Order
from loyalty.models import EarnRule, Programme, Reward, Tier

PROGRAMME_FIELDS = {
    "name", "point_name", "point_value", "earn_rate", "rounding", "lifetime_months",
    "qualifying_months", "enrolment", "active_from", "active_to",
}  # fmt: skip
RULE_FIELDS = {
    "name", "kind", "points", "referred_points", "min_order_total", "channels", "active_from",
    "active_to", "is_active",
}  # fmt: skip
TIER_FIELDS = {"name", "threshold", "multiplier", "benefits"}
REWARD_FIELDS = {
    "name", "description", "cost", "stock", "per_customer_limit", "active_from", "active_to",
    "is_active",
}  # fmt: skip


def _save(instance: Model, data: dict[str, Any], allowed: set[str]) -> Model:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent save took the same unique name
        raise ValidationError(_("Another record with these values was saved meanwhile.")) from exc
    return instance


def _check_window(data: dict, field_from: str = "active_from", field_to: str = "active_to"):
    start, end = data.get(field_from), data.get(field_to)
    if start and end and end < start:
        raise ValidationError({field_to: _("The end cannot be before the start.")})


@transaction.atomic
def programme_save(*, data: dict[str, Any]) -> Programme:
    """Create the programme or change its settings (there is only ever one)."""
    programme = Programme.objects.select_for_update().first() or Programme()
    _check_window(
        {**{"active_from": programme.active_from, "active_to": programme.active_to}, **data}
    )
    changed_window = "qualifying_months" in data and data["qualifying_months"] != (
        programme.qualifying_months if programme.pk else None
    )
    programme = _save(programme, data, PROGRAMME_FIELDS)
    if changed_window:
        _tiers_recompute_later()
    return programme


def _check_rule(rule: EarnRule) -> None:
    errors = {}
    valid_channels = {value for value, _label in Order.Channel.choices}
    if not isinstance(rule.channels, list) or not set(rule.channels) <= valid_channels:
        errors["channels"] = [_("Choose channels from the list.")]
    if (
        rule.kind
        in (
            EarnRule.Kind.PER_ORDER,
            EarnRule.Kind.SIGNUP,
            EarnRule.Kind.BIRTHDAY,
            EarnRule.Kind.REFERRAL,
        )
        and not rule.points
    ):
        errors["points"] = [_("Give the points this rule awards.")]
    if rule.kind not in EarnRule.ORDER_KINDS and (rule.min_order_total or rule.channels):
        errors["kind"] = [_("Only order rules take a minimum total or channels.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_save(*, rule: EarnRule | None = None, data: dict[str, Any]) -> EarnRule:
    """Create or change an earn rule. Past ledger lines keep the points they earned."""
    rule = rule or EarnRule()
    _check_window({"active_from": rule.active_from, "active_to": rule.active_to, **data})
    for name, value in data.items():
        if name in RULE_FIELDS:
            setattr(rule, name, value)
    _check_rule(rule)
    rule = _save(rule, dict(data), RULE_FIELDS)
    return rule


@transaction.atomic
def tier_save(*, tier: Tier | None = None, data: dict[str, Any]) -> Tier:
    """Create or change a tier; every member's tier is recomputed after commit."""
    tier = _save(tier or Tier(), data, TIER_FIELDS)
    _tiers_recompute_later()
    return tier


@transaction.atomic
def tier_delete(*, tier: Tier) -> None:
    """Delete a tier: its members move at once to the tier their qualifying points reach
    among the others, each move recorded (reason "tiers") with the deleted tier's name."""
    from django.utils import timezone

    from loyalty.models import Account, TierChange
    from loyalty.services.tiers import tier_for

    others = list(Tier.objects.exclude(pk=tier.pk).order_by("threshold"))
    now = timezone.now()
    members = list(Account.objects.select_for_update().filter(tier=tier).order_by("pk"))
    changes = []
    for account in members:
        new = tier_for(account.qualifying_points, others)
        changes.append(
            TierChange(
                account=account,
                from_tier=tier,
                from_name=tier.name,
                to_tier=new,
                to_name=new.name if new else "",
                qualifying_points=account.qualifying_points,
                reason=TierChange.Reason.TIERS_CHANGED,
                created_at=now,
            )
        )
        account.tier, account.tier_since = new, now
    TierChange.objects.bulk_create(changes, batch_size=1000)
    Account.objects.bulk_update(members, ["tier", "tier_since"], batch_size=1000)
    tier.delete()


@transaction.atomic
def reward_save(*, reward: Reward | None = None, data: dict[str, Any]) -> Reward:
    """Create or change a reward. Stock counts what is left; vouchers issued stay valid."""
    reward = reward or Reward()
    _check_window({"active_from": reward.active_from, "active_to": reward.active_to, **data})
    return _save(reward, data, REWARD_FIELDS)


def _tiers_recompute_later() -> None:
    from loyalty.tasks import tiers_recompute_task

    transaction.on_commit(lambda: tiers_recompute_task.delay(reason="tiers"))
