"""crm's models: customers with their orders, interactions and tags; support cases.

Rules the code relies on are backed by the database (STYLE.md rule 6); writes
go through `crm.services`, reads through `crm.selectors`.
"""

from crm.models.cases import Case, CaseCounter, Team
from crm.models.customers import (
    END_STORABLE_MOMENT,
    FIRST_STORABLE_DAY,
    FIRST_STORABLE_MOMENT,
    LAST_STORABLE_DAY,
    Customer,
    Interaction,
    Order,
    Tag,
)
from crm.models.imports import ImportJob, ImportLayout
from crm.models.segments import DataExport, Segment

__all__ = [
    "END_STORABLE_MOMENT",
    "FIRST_STORABLE_DAY",
    "FIRST_STORABLE_MOMENT",
    "LAST_STORABLE_DAY",
    "Case",
    "CaseCounter",
    "Customer",
    "DataExport",
    "ImportJob",
    "ImportLayout",
    "Interaction",
    "Order",
    "Segment",
    "Tag",
    "Team",
]
