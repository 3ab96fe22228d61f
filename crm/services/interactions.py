"""Timeline writes: notes, calls, emails, chats and meetings."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.validation import is_blank
from crm.models import Customer, Interaction
from crm.services.rules import _check_moment, _locked_customer

INTERACTION_BODY_MAX_LENGTH = 20_000


@transaction.atomic
def interaction_create(
    *,
    customer: Customer,
    author,
    kind: str = Interaction.Kind.NOTE,
    direction: str = Interaction.Direction.INTERNAL,
    subject: str = "",
    body: str = "",
    occurred_at: datetime.datetime | None = None,
) -> Interaction:
    """Add an entry to a customer's timeline (a note, call, email, chat or meeting)."""
    subject, body = (subject or "").strip(), (body or "").strip()
    if is_blank(subject) and is_blank(body):
        raise ValidationError({"body": _("Write something: a subject or a text.")})
    if len(body) > INTERACTION_BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("Keep the text under %(n)s characters.")
                % {"n": f"{INTERACTION_BODY_MAX_LENGTH:,}"}
            }
        )
    _check_moment("occurred_at", occurred_at)
    # Locked so a concurrent customer_delete cannot leave this row without its customer.
    customer = _locked_customer(customer.pk)
    interaction = Interaction(
        customer=customer,
        author=author,
        kind=kind,
        direction=direction,
        subject=subject,
        body=body,
        occurred_at=occurred_at or timezone.now(),
    )
    interaction.full_clean()
    interaction.save()
    return interaction
