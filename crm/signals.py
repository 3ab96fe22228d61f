"""Events the crm app announces; higher apps (loyalty, analytics) listen.

Each is sent after the transaction commits. Order events carry `order_id` and
`customer_id` keyword arguments; receivers must be idempotent, keyed by
`order_id`: an event can arrive twice.
"""

from django.dispatch import Signal

order_completed = Signal()
order_refunded = Signal()
order_cancelled = Signal()
# An order's placed_at was corrected; also carries `previous_placed_at`.
order_corrected = Signal()
# A duplicate customer was merged into another: `survivor_id` and `merged_id` (gone now;
# higher apps move their rows of merged_id to survivor_id).
customers_merged = Signal()
# Support cases: each carries `case_id` and `customer_id`. Surveys listen to
# case_resolved (a CSAT survey); analytics reads the stamps, not the events.
case_opened = Signal()
case_resolved = Signal()
case_reopened = Signal()
# seed_demo loaded the demo customers and orders (sent at once, with `today`): higher apps
# add their own demo data (a loyalty programme, surveys) on top.
demo_data_loaded = Signal()
