"""The columns an import reads, and its modes."""

HISTORY, LIVE = "history", "live"

CUSTOMER_COLUMNS = [
    "external_id", "first_name", "last_name", "email", "phone", "company", "language",
    "country", "customer_since", "closed_on", "email_consent", "sms_consent", "tags",
]  # fmt: skip
ORDER_COLUMNS = [
    "external_id", "customer_external_id", "customer_email", "placed_at", "total",
    "currency", "status", "channel", "item_count",
]  # fmt: skip
