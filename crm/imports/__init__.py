"""CSV imports of customers and orders (crm.imports.importers), read by crm.imports.reading."""

from crm.imports.importers import (
    CUSTOMER_COLUMNS,
    HISTORY,
    LIVE,
    ORDER_COLUMNS,
    ImportReport,
    RowError,
    customers_import,
    orders_import,
)

__all__ = [
    "CUSTOMER_COLUMNS",
    "HISTORY",
    "LIVE",
    "ORDER_COLUMNS",
    "ImportReport",
    "RowError",
    "customers_import",
    "orders_import",
]
