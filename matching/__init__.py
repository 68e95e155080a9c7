"""Matching engine: text analysis, similarity, scoring and assignment (no web, no database)."""

from matching.engine import MatchEngine, MatchSettings
from matching.types import ExpertProfile, Match, NeedText, Reasons

__all__ = ["ExpertProfile", "Match", "MatchEngine", "MatchSettings", "NeedText", "Reasons"]
