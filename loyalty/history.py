"""Staff changes to the programme go to the history (django-auditlog), as crm's do.
Ledger entries are not logged row by row: they are their own history; a manual
adjustment is logged by points_adjust with its author and reason."""

from auditlog.registry import auditlog

from loyalty.models import EarnRule, Programme, Reward, Tier


def register() -> None:
    auditlog.register(Programme, exclude_fields=["updated_at"])
    auditlog.register(EarnRule, exclude_fields=["created_at"])
    auditlog.register(Tier)
    auditlog.register(Reward, exclude_fields=["created_at"])
