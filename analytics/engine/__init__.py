"""The set-based computation behind the snapshots.

One step computes every registered metric for a list of periods, as of a day:

1. `facts.build` reads the orders once (`GROUP BY customer` with conditional
   aggregates) into a temporary table of one row per customer: whether they were
   active at the end of each boundary day, their orders and revenue in each period and
   to date, and their dimensions (tier, NPS category, first channel);
2. each source (`sources.py`) aggregates that table, or joins it to survey answers,
   cases or ledger lines, once per dimension kind, for all periods at once;
3. each metric (`analytics.metrics`) turns its source's components into its value.

No Python loop runs over customers; the SQL is the same on SQLite and PostgreSQL but
for the time-zone conversion, which Django's backend operations write.
"""
