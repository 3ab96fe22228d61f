"""How a ledger line reads, in the reader's language.

The services store a reason with each line (in the language of whoever wrote it: the
API, a page, a worker). Pages show the line in the language of whoever reads it instead,
built from what the line links to; staff adjustments show their own words.
"""

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.models import EarnRule, LedgerEntry

register = template.Library()


@register.filter
def entry_reason(entry: LedgerEntry) -> str:
    """The line's reason in the active language; the query that loaded it selects its
    order, rule and redemption with its reward (no query here)."""
    kind, order, rule = entry.kind, entry.order if entry.order_id else None, None
    if entry.rule_id:
        rule = entry.rule
    if kind == LedgerEntry.Kind.EARN and order is not None and rule is not None:
        return _("%(rule)s, order %(order)s") % {"rule": rule.name, "order": order.external_id}
    if kind == LedgerEntry.Kind.REVERSE and order is not None:
        return _("Order %(order)s was %(status)s") % {
            "order": order.external_id,
            "status": order.get_status_display().lower(),
        }
    if kind == LedgerEntry.Kind.REDEEM and entry.redemption_id:
        return _("Redeemed %(reward)s") % {"reward": entry.redemption.reward.name}
    if kind == LedgerEntry.Kind.REVERSE and entry.redemption_id:
        return _("Voucher %(code)s cancelled") % {"code": entry.redemption.code}
    if kind == LedgerEntry.Kind.EXPIRE and entry.lot_id:
        n, earned = -entry.points, timezone.localtime(entry.lot.created_at)
        return ngettext(
            "%(n)s point earned on %(day)s expired", "%(n)s points earned on %(day)s expired", n
        ) % {"n": n, "day": formats.date_format(earned, "DATE_FORMAT")}
    if kind == LedgerEntry.Kind.EARN and rule is not None:
        if rule.kind == EarnRule.Kind.REFERRAL:
            referrer = entry.reference.endswith(":referrer")
            role = _("referred a friend") if referrer else _("was referred")
            return _("%(rule)s (%(role)s)") % {"rule": rule.name, "role": role}
        return rule.name
    return entry.reason  # staff adjustments, survey bonuses, merges: as written
