"""Metric definitions that need more than a rate or a mean (registered in audit/aggregates.py)."""
