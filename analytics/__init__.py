"""Nightly metric snapshots (docs/metrics.md) and the dashboards that read them (coming next)."""
