"""Matching on behalf of a viewer: experts for a need (units, officials) and needs for an expert (为我推荐)."""

from __future__ import annotations

from sqlmodel import Session, SQLModel, col, select

from service import clock
from service.domain.access import expert_view, require_expert, require_need_access
from service.domain.common import get_or_404
from service.domain.experts import places_used_by
from service.domain.needs import need_view, period_over
from service.errors import Conflict
from service.matcher import MATCHABLE_NEEDS, MatchIndex, best_document_label, conflicted_experts
from service.models import Account, Expert, Need, Visit
from service.models.expert import ExpertPublic
from service.models.need import NeedPublic
from service.reference import district_name, fields
from service.vocab import Role, VisitStatus


class MatchReasons(SQLModel):
    shared_terms: list[str]
    field_match: bool
    field_name: str = ""
    district: str | None
    district_name: str = ""
    capacity_left: int | None
    text_score: float
    best_document: str = ""  # the expert's document that matched best (title), 服务记录, or ""
    topic_similarity: float = 0.0  # how close the need's and the expert's topics are (word vectors), 0..1


#: How many recommended experts a unit sees for its need (officials choose among more).
UNIT_CANDIDATES = 10


class Candidate(SQLModel):
    expert: ExpertPublic
    score: float
    reasons: MatchReasons
    visit_status: str | None = None


class Recommendation(SQLModel):
    need: NeedPublic
    score: float
    reasons: MatchReasons


def _reasons(match_reasons: object, field_code: str | None, district: str | None, expert: Expert) -> MatchReasons:
    r = match_reasons
    field = fields().get(field_code or "")
    return MatchReasons(
        shared_terms=list(r.shared_terms),  # type: ignore[attr-defined]
        field_match=r.field_match,  # type: ignore[attr-defined]
        field_name=field.name if field and r.field_match else "",  # type: ignore[attr-defined]
        district=r.district,  # type: ignore[attr-defined]
        district_name=district_name(district) if r.district else "",  # type: ignore[attr-defined]
        capacity_left=r.capacity_left,  # type: ignore[attr-defined]
        text_score=r.text_score,  # type: ignore[attr-defined]
        best_document=best_document_label(expert, r.best_document),  # type: ignore[attr-defined]
        topic_similarity=r.topic_similarity,  # type: ignore[attr-defined]
    )


def candidates_for_need(
    *, session: Session, viewer: Account, matcher: MatchIndex, need_id: int, k: int = 10
) -> list[Candidate]:
    """The best experts for a need, with reasons; experts of the posting unit are left out (conflict)."""
    need = get_or_404(session, Need, need_id)
    require_need_access(viewer, need)
    if viewer.role == Role.unit:
        k = min(k, UNIT_CANDIDATES)
    if need.status not in MATCHABLE_NEEDS:
        raise Conflict("只有征集中或服务中的需求可以匹配专家")
    matches = matcher.experts_for(session, need, k, exclude=sorted(conflicted_experts(session, need)))
    visits = {v.expert_id: v.status for v in session.exec(select(Visit).where(Visit.need_id == need_id))}
    year = clock.today().year  # the year whose places the match index counts (`capacity_left`)
    used = places_used_by(session, (int(m.expert_id) for m in matches), year)
    out = []
    for m in matches:
        expert = session.get(Expert, int(m.expert_id))
        if expert is None:
            continue
        out.append(
            Candidate(
                expert=expert_view(session, expert, viewer, used.get(expert.id or 0, 0)),
                score=round(m.score, 6),
                reasons=_reasons(m.reasons, need.field, need.district, expert),
                visit_status=visits.get(expert.id or 0),
            )
        )
    return out


def recommendations_for_expert(
    *, session: Session, viewer: Account, matcher: MatchIndex, expert_id: int, k: int = 10
) -> list[Recommendation]:
    """Needs still taking experts, ranked for this expert (为我推荐). A need the expert already has a visit on
    (invited, serving, served or declined: it is on their 我的服务 list) is not offered again; one whose visit an
    official cancelled may be."""
    expert = get_or_404(session, Expert, expert_id)
    if viewer.role == Role.expert:
        require_expert(viewer, expert_id)
    today = clock.today()
    involved = set(
        session.exec(
            select(Visit.need_id).where(Visit.expert_id == expert_id, Visit.status != VisitStatus.cancelled)
        ).all()
    )
    # needs whose wanted period is over are still open, but no longer something to offer an expert (nor are those
    # the expert is already on): ask the index for more until k current ones are found or it has no more to give
    wanted, current = 2 * k, []
    while True:
        matches = matcher.needs_for(session, expert_id, wanted)
        needs = {n.id: n for n in session.exec(select(Need).where(col(Need.id).in_([int(m.need_id) for m in matches])))}
        current = [
            (m, need)
            for m in matches
            if (need := needs.get(int(m.need_id))) is not None
            and not period_over(need.wanted_to, today)
            and need.id not in involved
        ]
        if len(current) >= k or len(matches) < wanted:
            break
        wanted *= 4
    out: list[Recommendation] = []
    for m, need in current[:k]:
        out.append(
            Recommendation(
                need=need_view(session, need, viewer),
                score=round(m.score, 6),
                reasons=_reasons(m.reasons, need.field, expert.district, expert),
            )
        )
    return out
