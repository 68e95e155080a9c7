"""Matching engine: text analysis, similarity, scoring and assignment (no web, no database)."""
