"""Loyalty points programmes: earn rules, tiers, rewards and the points ledger (coming next)."""
