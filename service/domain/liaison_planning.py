"""Liaison planner 领导干部联系专家: propose leader–expert pairs for a year, then store the confirmed ones.

Who is paired:
- **Year**: this year or the next (`liaisons.check_pair_year`); an earlier or later one is refused.
- **Leaders**: every leader; quotas by rank from Settings (`leader_quota_main` 主要领导, `leader_quota_standing`
  常委, `leader_quota_other` 其他市级). Active pairs a leader already has for the year (confirmed earlier) count
  towards the quota, so the plan only proposes what is still missing; a stopped pair leaves its place free.
- **Experts**: only experts 在库, and only the high-level talent tiers 院士 / 国家级领军 / 地方级领军 / 其他高层次
  (the policy pairs city leaders with high-level talent; 青年 and untiered experts are left to the districts).
  Higher tiers come first: a tier bonus (院士 0.3, 国家级领军 0.2, 地方级领军 0.1, 其他高层次 0.05) is added to the
  affinity. An expert already paired for the year is not proposed again; each expert gets at most one leader.
- **Kept pairs**: last year's active pairs whose expert is still 在库 (whatever the tier) are proposed again
  with the planner's strong keep preference (`matching.liaison_plan`), unless the quotas or other leaders'
  minimums need otherwise.

Affinity of a leader and an expert, in [0, 1] before the tier bonus, kept simple so it can be explained:
    0.5 × share of the leader's portfolio fields that the expert also has (field codes)
  + 0.5 × text score of the portfolio's field names against the expert's profile and documents
          (the platform's `MatchEngine`, the same one that matches needs; 0 for experts it does not rank).
A pair is a candidate only when the affinity is at least `MIN_AFFINITY` (or it is kept from last year). The
exact min-cost-flow planner (`matching.liaison_plan.plan_liaisons`) then fills every leader's minimum first and
spreads the rest evenly.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from matching.liaison_plan import (
    PAIR_REASON_LABELS,
    SHORT_REASON_LABELS,
    LeaderSlot,
    plan_liaisons,
)
from service.config import get_settings
from service.domain.liaisons import check_pair_year, liaison_views, pairs_in_year, quota_message, rank_quota
from service.errors import Conflict, InvalidInput
from service.matcher import MatchIndex
from service.models import Account, Expert, Leader, Liaison, Need
from service.models.common import RecordId
from service.models.leader import LiaisonPublic
from service.reference import fields

HIGH_TIERS: dict[str, float] = {"院士": 0.3, "国家级领军": 0.2, "地方级领军": 0.1, "其他高层次": 0.05}
MIN_AFFINITY = 0.05
FIELD_WEIGHT, TEXT_WEIGHT = 0.5, 0.5
#: Best candidates per leader handed to the planner (enough to choose from, small enough to stay fast).
CANDIDATES_PER_LEADER = 60


class PlanRequest(SQLModel):
    year: int = Field(ge=2000, le=2100)


class ProposedLiaison(SQLModel):
    leader_id: int
    leader_name: str
    leader_rank: str
    expert_id: int
    expert_name: str
    talent_tier: str | None
    shared_fields: list[str] = Field(description="领导分管领域与专家领域的交集（名称）")
    text_score: float
    score: float = Field(description="亲和度（不含人才层次加分）")
    reason: str = Field(description="kept | affinity")
    reason_label: str


class LeaderShort(SQLModel):
    leader_id: int
    leader_name: str
    assigned: int = Field(description="本年已有与本次建议的人数")
    min_experts: int
    reason: str
    reason_label: str


class DroppedPair(SQLModel):
    leader_id: int
    leader_name: str
    expert_id: int
    expert_name: str
    reason: str


class LiaisonProposal(SQLModel):
    year: int
    pairs: list[ProposedLiaison]
    short: list[LeaderShort]
    not_kept: list[DroppedPair] = Field(description="上年联系关系本次未延续的，及原因")
    already_paired: int = Field(description="本年已确定联系关系的专家人数（不再重复建议）")


class ConfirmPair(SQLModel):
    leader_id: RecordId
    expert_id: RecordId
    score: float | None = None


MAX_CONFIRMED_PAIRS = 5000


class ConfirmRequest(SQLModel):
    year: int = Field(ge=2000, le=2100)
    pairs: list[ConfirmPair] = Field(description=f"1 到 {MAX_CONFIRMED_PAIRS} 对")

    @field_validator("pairs")
    @classmethod
    def _some_pairs(cls, value: list[ConfirmPair]) -> list[ConfirmPair]:
        """Said in Chinese here: the message catalogue has no words for a list's length."""
        if not value:
            raise ValueError("请至少确认一对联系关系")
        if len(value) > MAX_CONFIRMED_PAIRS:
            raise ValueError(f"一次最多确认 {MAX_CONFIRMED_PAIRS} 对联系关系")
        return value


class ConfirmConflict(SQLModel):
    leader_id: int
    expert_id: int
    reason: str


class ConfirmResult(SQLModel):
    created: list[LiaisonPublic]
    conflicts: list[ConfirmConflict]


def _portfolio_query(leader: Leader) -> Need:
    """The leader's portfolio as a need-shaped query for the match engine (never stored)."""
    names = [fields()[code].name for code in leader.portfolio or [] if code in fields()]
    return Need(
        id=-(leader.id or 0),
        unit_id=0,
        title=" ".join(names),
        description="",
        service_type="技术服务",
        field=leader.portfolio[0] if leader.portfolio else None,
        district="",
    )


def _text_scores(session: Session, matcher: MatchIndex, leader: Leader) -> dict[int, float]:
    if not leader.portfolio:
        return {}
    matches = matcher.experts_for(session, _portfolio_query(leader), k=0)
    return {int(m.expert_id): max(float(m.reasons.text_score), 0.0) for m in matches}


def plan(*, session: Session, actor: Account, matcher: MatchIndex, year: int) -> LiaisonProposal:
    """Propose leader–expert pairs for `year` (nothing is stored); see the module docstring for the rules."""
    check_pair_year(year)
    settings = get_settings()
    leaders = list(session.exec(select(Leader).order_by(col(Leader.id))).all())
    this_year = list(session.exec(select(Liaison).where(Liaison.year == year)).all())
    taken = {x.expert_id for x in this_year}
    have: dict[int, int] = defaultdict(int)
    for x in this_year:
        if x.active:
            have[x.leader_id] += 1
    experts = {
        e.id or 0: e
        for e in session.exec(select(Expert).where(Expert.status == "在库").order_by(col(Expert.id)))
        if (e.id or 0) not in taken
    }
    leader_by_id = {x.id or 0: x for x in leaders}
    last_year = list(session.exec(select(Liaison).where(Liaison.year == year - 1, col(Liaison.active).is_(True))))
    all_experts = {
        e.id: e for e in session.exec(select(Expert).where(col(Expert.id).in_([x.expert_id for x in last_year])))
    }
    keep: set[tuple[str, str]] = set()
    dropped: list[DroppedPair] = []
    for x in last_year:
        expert = all_experts.get(x.expert_id)
        leader = leader_by_id.get(x.leader_id)
        if leader is None or expert is None:
            continue
        if x.expert_id in taken:
            why = "专家本年已确定联系领导"
        elif expert.status != "在库":
            why = f"专家当前状态为“{expert.status}”"
        else:
            keep.add((str(x.leader_id), str(x.expert_id)))
            continue
        dropped.append(
            DroppedPair(
                leader_id=leader.id or 0,
                leader_name=leader.name,
                expert_id=expert.id or 0,
                expert_name=expert.name,
                reason=why,
            )
        )

    candidates = {i: e for i, e in experts.items() if e.talent_tier in HIGH_TIERS or any(k[1] == str(i) for k in keep)}
    scores: dict[tuple[str, str], float] = {}
    details: dict[tuple[str, str], tuple[list[str], float, float]] = {}
    slots: list[LeaderSlot] = []
    for leader in leaders:
        low, high = rank_quota(settings, leader.rank)
        already = have[leader.id or 0]
        slots.append(LeaderSlot(str(leader.id), max(low - already, 0), max(high - already, 0)))
        portfolio = set(leader.portfolio or [])
        text = _text_scores(session, matcher, leader)
        ranked: list[tuple[float, int]] = []
        for expert_id, expert in candidates.items():
            shared = sorted(portfolio & set(expert.fields or []))
            field_share = len(shared) / len(portfolio) if portfolio else 0.0
            text_score = min(text.get(expert_id, 0.0), 1.0)
            affinity = FIELD_WEIGHT * field_share + TEXT_WEIGHT * text_score
            key = (str(leader.id), str(expert_id))
            details[key] = ([fields()[c].name for c in shared if c in fields()], text_score, affinity)
            if affinity >= MIN_AFFINITY:
                ranked.append((affinity + HIGH_TIERS.get(expert.talent_tier or "", 0.0), expert_id))
        ranked.sort(key=lambda t: (-t[0], t[1]))
        for value, expert_id in ranked[:CANDIDATES_PER_LEADER]:
            scores[(str(leader.id), str(expert_id))] = value

    result = plan_liaisons(slots, [str(i) for i in candidates], scores, keep=keep)
    pairs = []
    for p in result.pairs:
        leader, expert = leader_by_id[int(p.leader_id)], candidates[int(p.expert_id)]
        shared, text_score, affinity = details.get((p.leader_id, p.expert_id), ([], 0.0, 0.0))
        pairs.append(
            ProposedLiaison(
                leader_id=leader.id or 0,
                leader_name=leader.name,
                leader_rank=leader.rank,
                expert_id=expert.id or 0,
                expert_name=expert.name,
                talent_tier=expert.talent_tier,
                shared_fields=shared,
                text_score=round(text_score, 4),
                score=round(affinity, 4),
                reason=p.reason,
                reason_label=PAIR_REASON_LABELS[p.reason],
            )
        )
    for leader_key, expert_key in result.not_kept:
        if (leader_key, expert_key) in keep:
            leader, expert = leader_by_id[int(leader_key)], candidates[int(expert_key)]
            dropped.append(
                DroppedPair(
                    leader_id=leader.id or 0,
                    leader_name=leader.name,
                    expert_id=expert.id or 0,
                    expert_name=expert.name,
                    reason="名额所限，让位于其他领导的最低人数",
                )
            )
    short = []
    for s in result.short:
        leader = leader_by_id[int(s.leader_id)]
        already = have[leader.id or 0]
        short.append(
            LeaderShort(
                leader_id=leader.id or 0,
                leader_name=leader.name,
                assigned=s.assigned + already,
                min_experts=s.min_experts + already,
                reason=s.reason,
                reason_label=SHORT_REASON_LABELS[s.reason],
            )
        )
    return LiaisonProposal(year=year, pairs=pairs, short=short, not_kept=dropped, already_paired=len(taken))


def confirm(*, session: Session, actor: Account, data: ConfirmRequest) -> ConfirmResult:
    """Store the confirmed pairs as Liaison rows for the year; pairs clashing with existing rows are reported."""
    check_pair_year(data.year)
    seen: set[int] = set()
    for p in data.pairs:
        if p.expert_id in seen:
            raise InvalidInput(f"专家 {p.expert_id} 在确认名单中出现多次：每位专家只能由一位领导联系")
        seen.add(p.expert_id)
    # The leaders' rows are held until the commit, taken in the order of their ids (as `liaisons.create_liaison`
    # takes one): pairs made meanwhile for these leaders wait, or are waited for and counted in their limits.
    named = select(Leader).where(col(Leader.id).in_({p.leader_id for p in data.pairs})).order_by(col(Leader.id))
    leaders = {x.id: x for x in session.exec(named.with_for_update().execution_options(populate_existing=True))}
    experts = {x.id: x for x in session.exec(select(Expert).where(col(Expert.id).in_(seen)))}
    unknown = [f"领导 {p.leader_id}" for p in data.pairs if p.leader_id not in leaders]
    unknown += [f"专家 {p.expert_id}" for p in data.pairs if p.expert_id not in experts]
    if unknown:
        raise InvalidInput(f"以下记录不存在：{'、'.join(dict.fromkeys(unknown))}")
    existing = {
        x.expert_id: x
        for x in session.exec(select(Liaison).where(Liaison.year == data.year, col(Liaison.expert_id).in_(seen)))
    }
    last_year = {
        (x.leader_id, x.expert_id)
        for x in session.exec(select(Liaison).where(Liaison.year == data.year - 1, col(Liaison.expert_id).in_(seen)))
    }
    created: list[Liaison] = []
    conflicts: list[ConfirmConflict] = []
    settings = get_settings()
    held = {lid: pairs_in_year(session, lid, data.year) for lid in {p.leader_id for p in data.pairs}}
    for p in data.pairs:
        expert = experts[p.expert_id]
        other = existing.get(p.expert_id)
        if other is not None:
            holder = session.get(Leader, other.leader_id)
            same = other.leader_id == p.leader_id
            why = (
                "该联系关系已存在"
                if same
                else f"{expert.name}在{data.year}年已由{holder.name if holder else '其他领导'}联系"
            )
            conflicts.append(ConfirmConflict(leader_id=p.leader_id, expert_id=p.expert_id, reason=why))
            continue
        if expert.status != "在库":
            conflicts.append(
                ConfirmConflict(
                    leader_id=p.leader_id, expert_id=p.expert_id, reason=f"{expert.name}当前状态为“{expert.status}”"
                )
            )
            continue
        leader = leaders[p.leader_id]
        most = rank_quota(settings, leader.rank)[1]
        if held[p.leader_id] >= most:
            conflicts.append(
                ConfirmConflict(
                    leader_id=p.leader_id,
                    expert_id=p.expert_id,
                    reason=quota_message(leader, data.year, held[p.leader_id], most),
                )
            )
            continue
        held[p.leader_id] += 1
        liaison = Liaison(
            leader_id=p.leader_id,
            expert_id=p.expert_id,
            year=data.year,
            confirmed=True,
            kept_from_last_year=(p.leader_id, p.expert_id) in last_year,
            score=p.score,
        )
        session.add(liaison)
        created.append(liaison)
    try:
        session.commit()
    except IntegrityError as error:
        # Another official confirmed some of these experts for the year in the meantime.
        session.rollback()
        raise Conflict("确认期间名单已被他人修改，请刷新后重新确认") from error
    for x in created:
        session.refresh(x)
    return ConfirmResult(created=liaison_views(session, created), conflicts=conflicts)
