"""NPS, CSAT and CES surveys that customers answer without logging in (coming next)."""
