"""Functional core for text: normalising, cleaning, splitting, deduplicating, tagging."""
