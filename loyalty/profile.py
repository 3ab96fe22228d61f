"""Where loyalty shows on crm's customer profile: a panel, timeline lines, and the
rows crm's merge and delete must respect (crm.extensions)."""

import uuid

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.extensions import (
    CustomerRecords,
    ProfilePanel,
    TimelineEntry,
    TimelineSource,
    customer_records_register,
    panel_register,
    timeline_source_register,
)
from loyalty import selectors
from loyalty.models import Account
from loyalty.services import accounts_merge


def _panel(customer, user) -> dict | None:
    summary = selectors.account_summary(customer=customer)
    if summary is None:
        return None
    # One token per drawn form: a double-click on "Redeem" redeems once.
    return {"customer": customer, "form_token": uuid.uuid4().hex, **summary}


def _ledger_lines(customer, start, end, limit) -> list[TimelineEntry]:
    return [
        TimelineEntry("points", e.created_at, e, "loyalty/timeline/_entry.html")
        for e in selectors.ledger_between(customer=customer, start=start, end=end, limit=limit)
    ]


def _blocks_delete(*, customer) -> str | None:
    if Account.objects.filter(customer=customer).exists():
        return _(
            "This customer is a loyalty member with a points history and cannot be deleted; "
            "set a closing date instead."
        )
    return None


def register() -> None:
    panel_register(
        ProfilePanel(
            key="loyalty",
            label=gettext_lazy("Loyalty"),
            template="loyalty/panels/_loyalty.html",
            load=_panel,
            permission="loyalty.view_account",
            column="side",
            order=5,
        )
    )
    timeline_source_register(
        TimelineSource(
            kind="points",
            label=gettext_lazy("Loyalty points"),
            fetch=_ledger_lines,
            permission="loyalty.view_ledgerentry",
            order=40,
        )
    )
    customer_records_register(
        CustomerRecords(key="loyalty", merge=accounts_merge, blocks_delete=_blocks_delete)
    )
