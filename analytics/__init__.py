"""Nightly metric snapshots (METRICS.md) and the staff dashboards that read them (coming next)."""
