"""Staff pages of crm: customers (list, profile, editing, history) and support cases."""

from crm.views.cases import (
    case_comment,
    case_create,
    case_detail,
    case_edit,
    case_list,
    case_status,
)
from crm.views.customers import (
    customer_create,
    customer_delete,
    customer_detail,
    customer_edit,
    customer_list,
    customer_merge,
    history_list,
    interaction_add,
    quick_search,
)
from crm.views.imports import (
    import_detail,
    import_errors,
    import_list,
    import_map,
    import_start,
)
from crm.views.segments import (
    customer_export,
    order_export,
    segment_create,
    segment_delete,
    segment_detail,
    segment_edit,
    segment_export,
    segment_list,
)

__all__ = [
    "case_comment",
    "case_create",
    "case_detail",
    "case_edit",
    "case_list",
    "case_status",
    "customer_create",
    "customer_delete",
    "customer_detail",
    "customer_edit",
    "customer_export",
    "customer_list",
    "customer_merge",
    "history_list",
    "import_detail",
    "import_errors",
    "import_list",
    "import_map",
    "import_start",
    "interaction_add",
    "order_export",
    "quick_search",
    "segment_create",
    "segment_delete",
    "segment_detail",
    "segment_edit",
    "segment_export",
    "segment_list",
]
