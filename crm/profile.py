"""crm's own profile panels and timeline sources, registered like any other app's
(crm.extensions): contact, consent, tags and cases; orders, interactions and cases."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.extensions import (
    CasePanel,
    CustomerRecords,
    ProfilePanel,
    QuickResult,
    QuickSearch,
    TimelineEntry,
    TimelineSource,
    case_panel_register,
    customer_records_register,
    panel_register,
    quick_search_register,
    timeline_source_register,
)
from crm.filters import case_search, customer_search
from crm.models import Case, Customer, Interaction, Order
from crm.selectors import case_visible, customer_cases, customer_visible


def _between(rows, field: str, start, end, limit):
    if start is not None:
        rows = rows.filter(**{f"{field}__gt": start})
    if end is not None:
        rows = rows.filter(**{f"{field}__lte": end})
    rows = rows.order_by(f"-{field}", "-id")
    return rows if limit is None else rows[:limit]


def orders_between(
    customer: Customer, start: datetime.datetime | None, end, limit: int | None
) -> list[TimelineEntry]:
    """One query: the customer's orders placed in (start, end], newest first."""
    rows = _between(Order.objects.filter(customer=customer), "placed_at", start, end, limit)
    return [TimelineEntry("order", o.placed_at, o, "crm/timeline/_order.html") for o in rows]


def interactions_between(
    customer: Customer, start: datetime.datetime | None, end, limit: int | None
) -> list[TimelineEntry]:
    """One query: the customer's notes, calls, emails, chats and meetings in (start, end]."""
    rows = Interaction.objects.filter(customer=customer).select_related("author", "case")
    rows = _between(rows, "occurred_at", start, end, limit)
    return [
        TimelineEntry("interaction", i.occurred_at, i, "crm/timeline/_interaction.html")
        for i in rows
    ]


def customers_quick(text: str, user, limit: int) -> list[QuickResult]:
    """One query: customers matching the list's search rule, best known first."""
    rows = customer_search(customer_visible(user=user), text).order_by(
        "last_name", "first_name", "id"
    )[:limit]
    results = []
    for c in rows:
        phone = c.phone.as_international if c.phone else ""
        detail = " · ".join(part for part in (c.email or c.company, phone) if part)
        url = reverse("crm:customer-detail", args=[c.pk])
        results.append(QuickResult(c.display_name, detail, url, str(_("Customer"))))
    return results


def cases_between(
    customer: Customer, start: datetime.datetime | None, end, limit: int | None
) -> list[TimelineEntry]:
    """One query: the cases opened for the customer in (start, end]; their comments are
    interactions, their status changes history."""
    rows = Case.objects.filter(customer=customer).select_related("assignee")
    rows = _between(rows, "opened_at", start, end, limit)
    return [TimelineEntry("case", c.opened_at, c, "crm/timeline/_case.html") for c in rows]


def cases_quick(text: str, user, limit: int) -> list[QuickResult]:
    """One query: the case a number names ("C-1042", "1042") and cases whose subject
    holds the text, the numbered one first, then newest first."""
    rows = case_search(case_visible(user=user), text).select_related("customer")
    rows = rows.order_by("-opened_at", "-pk")[:limit]
    return [
        QuickResult(
            f"{c.reference} {c.subject}",
            f"{c.customer.display_name} · {c.get_status_display()}",
            reverse("crm:case-detail", args=[c.number]),
            str(_("Case")),
        )
        for c in rows
    ]


def _cases_panel(customer: Customer, user) -> dict:
    cases, active = customer_cases(customer=customer, user=user)
    return {"customer": customer, "cases": cases, "active_count": active}


def _customer_only(customer: Customer, user) -> dict:
    # The profile's customer comes with its owner and tags loaded: no query here.
    return {"customer": customer}


def _orders_block_delete(*, customer: Customer) -> str | None:
    # Orders are revenue history that metrics depend on: never deleted as a side effect.
    if Order.objects.filter(customer=customer).exists():
        return str(_("This customer has orders and cannot be deleted; set a closing date instead."))
    return None


def _other_cases(case: Case, user) -> dict | None:
    """One query: the customer's other active cases, newest first (at most five)."""
    others = list(
        Case.objects.filter(customer_id=case.customer_id, status__in=Case.ACTIVE)
        .exclude(pk=case.pk)
        .order_by("-opened_at", "-pk")[:5]
    )
    return {"cases": others} if others else None


def register() -> None:
    case_panel_register(
        CasePanel(
            key="other-cases",
            label=_("Other active cases"),
            template="crm/panels/_other_cases.html",
            load=_other_cases,
            permission="crm.view_case",
            order=50,
        )
    )
    customer_records_register(CustomerRecords(key="orders", blocks_delete=_orders_block_delete))
    quick_search_register(
        QuickSearch(
            key="customers",
            label=_("Customers"),
            search=customers_quick,
            permission="crm.view_customer",
            order=10,
        )
    )
    quick_search_register(
        QuickSearch(
            key="cases", label=_("Cases"), search=cases_quick, permission="crm.view_case", order=20
        )
    )
    timeline_source_register(
        TimelineSource(
            kind="case",
            label=_("Cases"),
            fetch=cases_between,
            permission="crm.view_case",
            order=30,
        )
    )
    panel_register(
        ProfilePanel(
            key="cases",
            label=_("Cases"),
            template="crm/panels/_cases.html",
            load=_cases_panel,
            permission="crm.view_case",
            column="main",
            order=10,
        )
    )
    timeline_source_register(
        TimelineSource(
            kind="order",
            label=_("Orders"),
            fetch=orders_between,
            permission="crm.view_order",
            order=10,
        )
    )
    timeline_source_register(
        TimelineSource(
            kind="interaction",
            label=_("Notes, calls and emails"),
            fetch=interactions_between,
            permission="crm.view_interaction",
            order=20,
        )
    )
    for order, (key, label, template) in enumerate(
        [
            ("contact", _("Contact"), "crm/panels/_contact.html"),
            ("consent", _("Consent"), "crm/panels/_consent.html"),
            ("tags", _("Tags"), "crm/panels/_tags.html"),
        ]
    ):
        panel_register(
            ProfilePanel(
                key=key, label=label, template=template, load=_customer_only, order=10 * order
            )
        )
