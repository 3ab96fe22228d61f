"""The set-based computation behind the snapshots.

One step computes every registered metric for a list of periods, as of a day:

1. `facts.build` reads the completed orders once (`GROUP BY customer` with
   conditional aggregates, on the covering index of migration 0003) into a temporary
   table of one row per customer: whether they were active at the end of each
   boundary day, bought (twice) in each period and to date, their orders and revenue
   per bucket between boundary days, the months with an order (cohorts), and their
   dimensions (tier, NPS category, first channel, tracked segments). The nightly
   (a run of one day) keeps each customer's figures from the orders before the month
   between runs (`state.py`, brought up to date from the order changes that triggers
   on crm_order record) and reads only the month's orders;
2. each source (`sources.py`) aggregates that table, or joins it to survey answers,
   cases or ledger lines, in one query grouped by every dimension at once, for all
   periods at once (`groups.rolled_up`; medians run once per group);
3. each metric (`analytics.metrics`) turns its source's components into its value.

No Python loop runs over customers; the SQL is the same on SQLite and PostgreSQL but
for the time-zone conversion, which Django's backend operations write.
"""
