"""Reads of crm data for pages, the API and other apps.

Each selector returns rows the given user may see, with everything a page
shows loaded in a fixed number of queries (STYLE.md rule 7).
"""

from crm.selectors.cases import (
    case_activity,
    case_assignee_choices,
    case_assignees,
    case_get,
    case_list,
    case_visible,
    customer_cases,
    overdue_q,
)
from crm.selectors.customers import (
    OrderSummary,
    customer_get,
    customer_list,
    customer_order_summary,
    customer_status,
    customer_status_map,
    customer_status_q,
    customer_timeline,
    customer_visible,
    customers_by_email,
    owner_choices,
    tag_list,
)
from crm.selectors.segments import segment_member_list, segment_members, segment_visible

__all__ = [
    "OrderSummary",
    "case_activity",
    "case_assignee_choices",
    "case_assignees",
    "case_get",
    "case_list",
    "case_visible",
    "customer_cases",
    "customer_get",
    "customers_by_email",
    "customer_list",
    "customer_order_summary",
    "customer_status",
    "customer_status_map",
    "customer_status_q",
    "customer_timeline",
    "customer_visible",
    "overdue_q",
    "segment_member_list",
    "segment_members",
    "segment_visible",
    "owner_choices",
    "tag_list",
]
