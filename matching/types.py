"""Plain dataclasses the matching engine takes and returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExpertProfile:
    """An expert as the matcher sees them: free-text profile, past documents, field labels and logistics."""

    id: str
    profile: str = ""
    documents: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    district: str | None = None
    capacity_left: int | None = None
    available: bool = True
    rating: float | None = None


@dataclass(frozen=True)
class NeedText:
    """A need (or a benchmark request): its text, optional field label and district."""

    id: str
    text: str
    field: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class Reasons:
    """Why a pair scored as it did: shared key terms, field agreement, district relation, capacity, which of the
    expert's documents matched the need best, and how close their topics are (word vectors: `matching.topics`)."""

    shared_terms: tuple[str, ...]
    field_match: bool
    district: str | None  # "same" | "neighbour" | None
    capacity_left: int | None
    text_score: float
    best_document: int | None = None  # index into the expert's `documents`; None: the profile, or no text shares a term
    topic_similarity: float = 0.0  # max(0, cosine) of the two topic vectors; 0 when topics are off or no word has one


@dataclass(frozen=True)
class Match:
    """One scored (need, expert) pair; `score` is absolute and comparable across needs."""

    need_id: str
    expert_id: str
    score: float
    reasons: Reasons
