"""This process's match index: built from the database, refreshed when the database changes.

Each app process holds its own `MatchEngine` (nothing is shared between processes but the database). Before
each query the holder compares a cheap fingerprint of the experts, needs and visits tables, and of the service
year, with the one it was built from; if anything changed, it upserts the records changed since, so an edit is
visible to the next query in every process, and on 1 January every expert's places are counted afresh.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from matching import ExpertProfile, Match, MatchEngine, NeedText
from matching.analysis_cache import AnalysisCache
from service import clock
from service.db import in_batches
from service.models import Expert, Need, Unit, Visit
from service.reference import neighbours_map
from service.vocab import VISIT_HOLDS_PLACE, NeedStatus, VisitStatus

#: Needs that are matched against: those still taking experts.
MATCHABLE_NEEDS = (NeedStatus.open, NeedStatus.matched, NeedStatus.in_service)


def need_text(need: Need) -> NeedText:
    return NeedText(id=str(need.id), text=f"{need.title}\n{need.description}", field=need.field, district=need.district)


def _document_text(document: dict[str, str]) -> str:
    return f"{document.get('title', '')} {document.get('text', '')}".strip()


def matched_documents(expert: Expert) -> list[dict[str, str]]:
    """The expert's documents the engine holds, in its order (empty ones left out); its visit records follow
    them in the engine's `ExpertProfile.documents`."""
    return [d for d in expert.documents or [] if _document_text(d)]


def best_document_label(expert: Expert, index: int | None) -> str:
    """What the UI shows for `Reasons.best_document`: the document's title (its text's start when untitled), or
    服务记录 for one of the expert's visit records, or "" for none."""
    if index is None:
        return ""
    documents = matched_documents(expert)
    if index >= len(documents):
        return "服务记录"
    d = documents[index]
    return (d.get("title") or "").strip() or _document_text(d)[:40]


@dataclass(frozen=True)
class _Fingerprint:
    year: int  # the service year whose visits use up the experts' places (`capacity_left`)
    experts: tuple[Any, ...]
    needs: tuple[Any, ...]
    visits: tuple[Any, ...]


def _fingerprint(session: Session, year: int) -> _Fingerprint:
    experts = session.exec(select(func.count(), func.max(Expert.updated_at))).one()
    needs = session.exec(select(func.count(), func.max(Need.updated_at))).one()
    visits = session.exec(
        select(Visit.status, func.count(), func.max(Visit.id)).group_by(Visit.status).order_by(Visit.status)
    ).all()
    return _Fingerprint(year, tuple(experts), tuple(needs), tuple(tuple(v) for v in visits))


class MatchIndex:
    """A `MatchEngine` kept in step with the database; safe to call from several threads."""

    def __init__(self, analysis_cache: AnalysisCache | None = None) -> None:
        #: analysed expert text kept across fits and processes (see `matching.analysis_cache`)
        self.analysis_cache = analysis_cache
        self._lock = threading.Lock()
        self._engine: MatchEngine | None = None
        self._fingerprint: _Fingerprint | None = None
        self._experts: dict[str, ExpertProfile] = {}
        self._needs: dict[str, tuple[datetime, NeedText]] = {}

    def _profiles(self, session: Session, year: int) -> dict[str, ExpertProfile]:
        used: dict[int, int] = defaultdict(int)
        ratings: dict[int, list[int]] = defaultdict(list)
        records: dict[int, list[str]] = defaultdict(list)
        for visit in session.exec(select(Visit)):
            expert_id, status, rating, content, visit_year = (
                visit.expert_id,
                visit.status,
                visit.rating,
                visit.content,
                visit.year,
            )
            if status in VISIT_HOLDS_PLACE and visit_year == year:
                used[expert_id] += 1
            if status == VisitStatus.confirmed and rating:
                ratings[expert_id].append(rating)
            if content:
                records[expert_id].append(content)
        out = {}
        for e in session.exec(select(Expert)):
            key = e.id or 0
            documents = [_document_text(d) for d in matched_documents(e)]
            profile = " ".join(
                part for part in (e.title, e.employer, " ".join(e.field_labels or []), e.specialties) if part
            )
            out[str(key)] = ExpertProfile(
                id=str(key),
                profile=profile,
                documents=tuple(d for d in documents + records[key] if d),
                fields=tuple(e.fields or []),
                district=e.district,
                capacity_left=max(e.yearly_capacity - used[key], 0),
                available=e.available and e.status == "在库",
                rating=sum(ratings[key]) / len(ratings[key]) if ratings[key] else None,
            )
        return out

    def _matchable_needs(self, session: Session) -> dict[str, tuple[datetime, NeedText]]:
        rows = session.exec(select(Need).where(col(Need.status).in_(MATCHABLE_NEEDS)))
        return {str(n.id): (n.updated_at, need_text(n)) for n in rows}

    @property
    def built(self) -> bool:
        """Whether an engine has been built (by a request or by the start-up warm-up); waits for a build under
        way."""
        with self._lock:
            return self._engine is not None

    def refresh(self, session: Session) -> MatchEngine:
        """The engine, brought up to date with the database first if anything changed."""
        with self._lock:
            year = clock.today().year
            now = _fingerprint(session, year)
            if self._engine is not None and now == self._fingerprint:
                return self._engine
            experts = self._profiles(session, year)
            needs = self._matchable_needs(session)
            if self._engine is None or not set(self._experts) <= set(experts):
                engine = MatchEngine(neighbours=neighbours_map(), analysis_cache=self.analysis_cache)
                engine.fit(experts.values(), [n for _, n in needs.values()])
                self._engine = engine
            else:
                engine = self._engine
                for key, profile in experts.items():
                    if profile != self._experts.get(key):
                        engine.upsert_expert(profile)
                for key in set(self._needs) - set(needs):
                    engine.remove_need(key)
                for key, (stamp, text) in needs.items():
                    if key not in self._needs or self._needs[key][0] != stamp:
                        engine.upsert_need(text)
            self._experts, self._needs, self._fingerprint = experts, needs, now
            return engine

    def experts_for(self, session: Session, need: Need, k: int, exclude: Sequence[str] = ()) -> list[Match]:
        engine = self.refresh(session)
        with self._lock:
            return engine.experts_for(need_text(need), k=k, exclude=exclude) if engine.n_experts else []

    def needs_for(self, session: Session, expert_id: int, k: int) -> list[Match]:
        engine = self.refresh(session)
        with self._lock:
            try:
                return engine.needs_for(str(expert_id), k=k)
            except KeyError:
                return []

    def candidate_pairs(
        self,
        session: Session,
        needs: Sequence[Need],
        k: int,
        named: bool = True,
        exclude: Sequence[str] = (),
        skip_full: bool = True,
    ) -> list[Match]:
        """Top-k experts per need (`MatchEngine.candidate_pairs`). `skip_full` leaves out the experts whose places
        of this year are used up; a caller that plans another year's places passes False and counts them itself."""
        engine = self.refresh(session)
        texts = [need_text(n) for n in needs]
        with self._lock:
            if not engine.n_experts:
                return []
            return engine.candidate_pairs(texts, k=k, named=named, exclude=exclude, skip_full=skip_full)

    def shared_terms(
        self, session: Session, chosen: Sequence[tuple[Need, Sequence[str]]]
    ) -> dict[tuple[str, str], tuple[str, ...]]:
        """The shared key terms of each (need, expert id) pair in `chosen` (a need with its experts), by (need id,
        expert id): what `candidate_pairs(..., named=False)` left out, for the pairs a solver kept."""
        engine = self.refresh(session)
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        with self._lock:
            if not engine.n_experts:
                return out
            named = engine.shared_terms([(need_text(need), expert_ids) for need, expert_ids in chosen])
            for (need, _), terms_of in zip(chosen, named, strict=True):
                for expert_id, terms in terms_of.items():
                    out[(str(need.id), expert_id)] = terms
        return out


def conflicted_experts(session: Session, need: Need) -> set[str]:
    """Experts who may not serve this need: they work for the unit that posted it (conflict of interest)."""
    return conflicted_experts_by_need(session, [need]).get(need.id or 0, set())


def conflicted_experts_by_need(session: Session, needs: Sequence[Need]) -> dict[int, set[str]]:
    """`conflicted_experts` of many needs in two queries: their units' names, then the experts employed there."""
    names: dict[int, str] = {}
    for unit_ids in in_batches(n.unit_id for n in needs):
        names.update(
            (int(i or 0), name)
            for i, name in session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(unit_ids)))
        )
    employed: dict[str, set[str]] = {}
    for employers in in_batches(names.values()):
        for expert_id, employer in session.exec(
            select(Expert.id, Expert.employer).where(col(Expert.employer).in_(employers))
        ):
            employed.setdefault(employer, set()).add(str(expert_id))
    return {n.id or 0: set(employed.get(names.get(n.unit_id, ""), ())) for n in needs}
