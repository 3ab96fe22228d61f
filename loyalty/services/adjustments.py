"""Staff adjustments: a reason required, never below zero, in the history of changes."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from crm.models import Customer
from loyalty.models import LedgerEntry
from loyalty.services.ledger import _account_enrolled, account_locked, entry_add, programme_get

MAX_ADJUSTMENT = 1_000_000


@transaction.atomic
def points_adjust(
    *, customer: Customer, points: int, reason: str, author, idempotency_key: str | None = None
) -> tuple[LedgerEntry, bool]:
    """A manual correction with a required reason, recorded in the history of staff
    changes. Adding points enrols a non-member and opens a lot; taking points never takes
    the balance below zero (`insufficient_points`). Returns (entry, replayed): a
    replayed idempotency key returns the first entry and writes nothing."""
    from loyalty.services.idempotency import idempotent_run

    return idempotent_run(
        key=idempotency_key,
        operation="adjust",
        params={"customer": customer.pk, "points": points, "reason": reason},
        run=lambda: _adjust(customer=customer, points=points, reason=reason, author=author),
        load=lambda pk: LedgerEntry.objects.get(pk=pk),
        author=author,
    )


def _adjust(*, customer: Customer, points: int, reason: str, author) -> LedgerEntry:
    from django.core.exceptions import ValidationError

    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the points change; the customer may ask.")]
    elif len(reason) > 500:
        errors["reason"] = [_("Keep the reason under 500 characters.")]
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        errors["points"] = [_("Enter a whole number of points other than zero.")]
    elif abs(points) > MAX_ADJUSTMENT:
        errors["points"] = [_("Adjust by at most 1,000,000 points at a time.")]
    if author is None or not getattr(author, "is_authenticated", False):
        errors["author"] = [_("An adjustment is made by a staff member.")]
    if errors:
        raise ValidationError(errors)
    if points > 0:
        if programme_get() is None:
            raise ApplicationError(
                "no_programme", _("Set up the loyalty programme first."), status_code=409
            )
        account = _account_enrolled(customer_id=customer.pk, at=timezone.now())
    else:
        account = account_locked(customer_id=customer.pk)
        if account is None or account.balance + points < 0:
            raise ApplicationError(
                "insufficient_points",
                _("The balance is %(balance)s points; an adjustment cannot take it below zero.")
                % {"balance": account.balance if account else 0},
                {"points": [_("Take at most the current balance.")]},
                status_code=409,
            )
    entry = entry_add(
        account=account, kind=LedgerEntry.Kind.ADJUST, points=points, reason=reason, author=author
    )
    _log_adjustment(entry, customer, author)
    return entry


def _log_adjustment(entry: LedgerEntry, customer: Customer, author) -> None:
    """The history of staff changes (django-auditlog) shows who changed whose points why."""
    from auditlog.models import LogEntry

    LogEntry.objects.log_create(
        entry,
        action=LogEntry.Action.CREATE,
        changes={
            "points": ["", str(entry.points)],
            "reason": ["", entry.reason],
            "customer": ["", customer.display_name],
        },
        actor=author,
        force_log=True,
    )
