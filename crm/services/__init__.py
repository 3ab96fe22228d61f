"""Writes to customer data. Views, the API, imports and tasks all call these.

Each service validates its input completely before it writes, runs in one
transaction, and raises Django's ValidationError (with field names) or
ApplicationError; nothing is written when it raises. One module per domain:
customers, orders, interactions, tags and cases; `rules` holds what they share.
"""

from crm.services.cases import (
    ALLOWED_TRANSITIONS,
    CASE_FIELDS,
    COMMENT_KINDS,
    case_comment_add,
    case_open,
    case_reopen_deadline,
    case_reply_send,
    case_status_set,
    case_update,
    cases_close_resolved,
)
from crm.services.customers import (
    CUSTOMER_FIELDS,
    customer_create,
    customer_delete,
    customer_merge,
    customer_update,
)
from crm.services.imports import (
    import_job_check,
    import_job_create,
    import_job_map,
    import_job_run,
    import_job_start,
)
from crm.services.interactions import INTERACTION_BODY_MAX_LENGTH, interaction_create
from crm.services.orders import (
    customer_figures_refresh,
    order_record,
    order_status_set,
    order_update,
)
from crm.services.rules import earliest_day
from crm.services.segments import (
    SEGMENT_FIELDS,
    data_export_record,
    segment_create,
    segment_delete,
    segment_update,
)
from crm.services.tags import tag_create, tag_delete, tag_update

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CASE_FIELDS",
    "COMMENT_KINDS",
    "case_comment_add",
    "case_open",
    "case_reopen_deadline",
    "case_reply_send",
    "case_status_set",
    "case_update",
    "cases_close_resolved",
    "CUSTOMER_FIELDS",
    "INTERACTION_BODY_MAX_LENGTH",
    "customer_create",
    "customer_delete",
    "customer_figures_refresh",
    "customer_merge",
    "customer_update",
    "earliest_day",
    "import_job_check",
    "import_job_create",
    "import_job_map",
    "import_job_run",
    "import_job_start",
    "interaction_create",
    "order_record",
    "order_status_set",
    "order_update",
    "SEGMENT_FIELDS",
    "data_export_record",
    "segment_create",
    "segment_delete",
    "segment_update",
    "tag_create",
    "tag_delete",
    "tag_update",
]
