"""Campaigns 千名专家下基层: select needs and experts, solve, adjust, publish, re-fill declined places.

One campaign moves through these steps, each one transaction:

1. **create** — the official names the round and selects needs (still taking experts) and available experts,
   by filters or explicit ids; the selection is stored as ids.
2. **run** — candidate pairs are the top-k experts per need from the match index (k =
   `Settings.campaign_candidates_per_need`), restricted to the selected experts; the exact min-cost-flow
   solver (`matching.assignment`) picks the pairs. Demand of a need = experts wanted − experts already holding
   a place for it − proposals still awaiting an answer that are not this campaign's; capacity of an expert =
   yearly capacity − places used in the campaign's year. Experts employed by the posting unit are conflicts.
   Locked pairs and this campaign's published pairs still awaiting an answer are kept; removed pairs, and
   every expert who already has a visit for the need (declined, cancelled, or live), are never proposed
   again for it. The unpublished, unlocked pairs of the previous run are replaced.
3. **lock / unlock / remove** a pair (only while it is unpublished).
4. **publish** — every unpublished pair becomes a proposed visit (origin campaign); experts then accept or
   decline through the visit endpoints. A re-run after declines proposes pairs only for the places still
   open; publish again to send them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from matching import Match
from matching.assignment import (
    AssignmentProblem,
    ExpertSlot,
    LockedPairError,
    NeedSlot,
    reason_label,
    solve_assignment,
)
from service import clock
from service.config import get_settings
from service.domain.access import district_scope, is_city, require_district
from service.domain.common import get_or_404, json_list_contains, paginate
from service.domain.experts import places_used_by
from service.domain.needs import SERVABLE, places_held
from service.domain.visits import propose_visit
from service.errors import AppError, Conflict, Forbidden, InvalidInput
from service.matcher import MatchIndex, conflicted_experts_by_need
from service.models import Account, Campaign, CampaignPair, Expert, Need, Unit, Visit
from service.models.campaign import (
    AcceptanceCounts,
    CampaignCreate,
    CampaignDetail,
    CampaignPairPublic,
    CampaignPublic,
    CampaignRunSummary,
    ExpertSelection,
    NeedSelection,
    PairReasons,
    UnfilledNeed,
)
from service.models.common import utcnow
from service.reference import district_name
from service.vocab import VISIT_HOLDS_PLACE, VisitOrigin, VisitStatus, visit_state_label

DRAFT, PUBLISHED = "draft", "published"
CAMPAIGN_STATUS_LABELS = {DRAFT: "方案编制中", PUBLISHED: "已发布"}
SORTABLE = {"id": Campaign.id, "year": Campaign.year, "created_at": Campaign.created_at}
_GONE = (VisitStatus.declined, VisitStatus.cancelled)


# ---- access and views ------------------------------------------------------------------------------------


def _require_campaign_access(viewer: Account, campaign: Campaign) -> None:
    """District officials see and steer only their own district's campaigns; city-wide ones are the city's."""
    if is_city(viewer):
        return
    if campaign.district is None or campaign.district != district_scope(viewer):
        raise Forbidden("只能处理本辖区的活动")


def _campaign_for(session: Session, viewer: Account, campaign_id: int, *, for_update: bool = False) -> Campaign:
    statement = select(Campaign).where(Campaign.id == campaign_id)
    if for_update:
        # Runs and publishes of one campaign take turns (PostgreSQL; SQLite writers serialise anyway).
        statement = statement.with_for_update()
    campaign = session.exec(statement).first()
    if campaign is None:
        get_or_404(session, Campaign, campaign_id)
    assert campaign is not None
    _require_campaign_access(viewer, campaign)
    return campaign


def _pairs_of(
    session: Session, campaign_id: int, *, removed: bool | None = None, limit: int | None = None, offset: int = 0
) -> list[CampaignPair]:
    """A campaign's pairs in the order they were made; `removed` picks the kept or the removed ones."""
    statement = select(CampaignPair).where(CampaignPair.campaign_id == campaign_id)
    if removed is not None:
        statement = statement.where(CampaignPair.removed == removed)
    statement = statement.order_by(col(CampaignPair.id)).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.exec(statement).all())


def _pair_count(session: Session, campaign_id: int, *, removed: bool) -> int:
    statement = select(func.count()).where(CampaignPair.campaign_id == campaign_id, CampaignPair.removed == removed)
    return int(session.exec(statement).one())


def _by_id(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted)))}


def _visit_label(status: str | None) -> str:
    if status is None:
        return ""
    return visit_state_label(status)


def _pair_views(session: Session, pairs: Sequence[CampaignPair]) -> list[CampaignPairPublic]:
    needs = _by_id(session, Need, (p.need_id for p in pairs))
    experts = _by_id(session, Expert, (p.expert_id for p in pairs))
    units = _by_id(session, Unit, (n.unit_id for n in needs.values()))
    visits = _by_id(session, Visit, (p.visit_id for p in pairs if p.visit_id is not None))
    out = []
    for p in pairs:
        need, expert = needs[p.need_id], experts[p.expert_id]
        visit = visits.get(p.visit_id) if p.visit_id is not None else None
        unit = units.get(need.unit_id)
        out.append(
            CampaignPairPublic(
                id=p.id or 0,
                need_id=p.need_id,
                need_title=need.title,
                need_district=need.district,
                need_district_name=district_name(need.district),
                unit_name=unit.name if unit else "",
                expert_id=p.expert_id,
                expert_name=expert.name,
                score=round(p.score, 6),
                reasons=PairReasons.model_validate(p.reasons or {}),
                locked=p.locked,
                removed=p.removed,
                published=p.visit_id is not None,
                visit_id=p.visit_id,
                visit_status=visit.status if visit else None,
                visit_status_label=_visit_label(visit.status if visit else None),
                decline_reason=visit.decline_reason if visit else "",
            )
        )
    return out


def _acceptance(pairs: Iterable[tuple[bool, str | None]]) -> AcceptanceCounts:
    """Counts of a campaign's pairs, each given as (removed, its visit's status or None while a draft)."""
    counts = AcceptanceCounts()
    for removed, visit_status in pairs:
        if removed:
            continue
        if visit_status is None:
            counts.draft += 1
        elif visit_status == VisitStatus.proposed:
            counts.awaiting += 1
        elif visit_status in VISIT_HOLDS_PLACE:
            counts.accepted += 1
        elif visit_status == VisitStatus.declined:
            counts.declined += 1
    return counts


def _acceptance_by_campaign(session: Session, campaign_ids: Sequence[int]) -> dict[int, AcceptanceCounts]:
    """`_acceptance` of many campaigns from one query over their pairs' states (no pair is built)."""
    statement = (
        select(CampaignPair.campaign_id, CampaignPair.removed, Visit.status)
        .outerjoin(Visit, Visit.id == CampaignPair.visit_id)  # type: ignore[arg-type]
        .where(col(CampaignPair.campaign_id).in_(campaign_ids))
    )
    states: dict[int, list[tuple[bool, str | None]]] = defaultdict(list)
    for campaign_id, removed, status in session.exec(statement):
        states[campaign_id].append((removed, status))
    return {i: _acceptance(states[i]) for i in campaign_ids}


def _run_summary(session: Session, campaign: Campaign) -> CampaignRunSummary | None:
    run = campaign.last_run
    if not run:
        return None
    titles = {n.id: n.title for n in _by_id(session, Need, (u["need_id"] for u in run["unfilled"])).values()}
    return CampaignRunSummary(
        ran_at=clock.stored_instant(campaign.last_run_at) if campaign.last_run_at else None,
        filled=run["filled"],
        total=run["total"],
        already_accepted=run["already_accepted"],
        new_pairs=run["new_pairs"],
        unfilled=[
            UnfilledNeed(
                need_id=u["need_id"],
                need_title=titles.get(u["need_id"], ""),
                missing=u["missing"],
                reason=u["reason"],
                reason_label=reason_label(u["reason"]),
            )
            for u in run["unfilled"]
        ],
        skipped_needs=run.get("skipped_needs", []),
    )


def _summary_fields(session: Session, campaign: Campaign, acceptance: AcceptanceCounts) -> dict[str, Any]:
    return {
        "id": campaign.id or 0,
        "name": campaign.name,
        "district": campaign.district,
        "district_name": district_name(campaign.district) if campaign.district else "全市",
        "year": campaign.year,
        "status": campaign.status,
        "status_label": CAMPAIGN_STATUS_LABELS.get(campaign.status, campaign.status),
        "created_at": clock.stored_instant(campaign.created_at),
        "published_at": clock.stored_instant(campaign.published_at) if campaign.published_at else None,
        "need_count": len(campaign.need_ids or []),
        "expert_count": len(campaign.expert_ids or []),
        "acceptance": acceptance,
        "last_run": _run_summary(session, campaign),
    }


#: Pairs a campaign's detail carries unless asked for another page (a city-wide campaign holds thousands).
DETAIL_PAIRS = 100


def campaign_detail(
    session: Session, campaign: Campaign, *, pairs_limit: int = DETAIL_PAIRS, pairs_offset: int = 0
) -> CampaignDetail:
    """The campaign with one page of its kept pairs (current proposal and published ones, in the order they
    were made), how many it holds, and its removed pairs."""
    campaign_id = campaign.id or 0
    acceptance = _acceptance_by_campaign(session, [campaign_id])[campaign_id]
    return CampaignDetail(
        **_summary_fields(session, campaign, acceptance),
        need_ids=list(campaign.need_ids or []),
        expert_ids=list(campaign.expert_ids or []),
        pair_count=_pair_count(session, campaign_id, removed=False),
        pairs=_pair_views(
            session, _pairs_of(session, campaign_id, removed=False, limit=pairs_limit, offset=pairs_offset)
        ),
        removed_pairs=_pair_views(session, _pairs_of(session, campaign_id, removed=True)),
    )


# ---- list, create, get -----------------------------------------------------------------------------------


def list_campaigns(
    *, session: Session, viewer: Account, year: int | None, limit: int, offset: int, sort: str | None
) -> tuple[list[CampaignPublic], int]:
    """Campaigns the viewer may steer: a district official's own district, all of them for the city."""
    statement = select(Campaign)
    scope = district_scope(viewer)
    if scope is not None:
        statement = statement.where(Campaign.district == scope)
    if year is not None:
        statement = statement.where(Campaign.year == year)
    rows, total = paginate(
        session, statement, limit=limit, offset=offset, sort=sort, sortable=SORTABLE, default_sort="-created_at"
    )
    acceptance = _acceptance_by_campaign(session, [c.id or 0 for c in rows])
    return [CampaignPublic(**_summary_fields(session, c, acceptance[c.id or 0])) for c in rows], total


def get_campaign(
    *, session: Session, viewer: Account, campaign_id: int, pairs_limit: int = DETAIL_PAIRS, pairs_offset: int = 0
) -> CampaignDetail:
    """One campaign with a page of its pairs and each published pair's acceptance status."""
    campaign = _campaign_for(session, viewer, campaign_id)
    return campaign_detail(session, campaign, pairs_limit=pairs_limit, pairs_offset=pairs_offset)


def list_pairs(
    *, session: Session, viewer: Account, campaign_id: int, removed: bool, limit: int, offset: int
) -> tuple[list[CampaignPairPublic], int]:
    """A page of a campaign's kept (or removed) pairs, in the order they were made, and how many there are."""
    campaign = _campaign_for(session, viewer, campaign_id)
    pairs = _pairs_of(session, campaign.id or 0, removed=removed, limit=limit, offset=offset)
    return _pair_views(session, pairs), _pair_count(session, campaign.id or 0, removed=removed)


def _select_needs(session: Session, district: str | None, selection: NeedSelection) -> list[int]:
    """Needs still taking experts with places open, from explicit ids (all must qualify) or filters."""
    if selection.ids is not None:
        ids = sorted(set(selection.ids))
        found = _by_id(session, Need, ids)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise InvalidInput(f"需求不存在：{'、'.join(missing)}")
        # named by the ids the caller sent, not by title: a district official may not read another district's needs
        outside = [str(i) for i in ids if district is not None and found[i].district != district]
        if outside:
            raise InvalidInput(f"以下需求不在活动所在区县（{district_name(district)}）：编号 {'、'.join(outside)}")
        closed = [n.title for n in found.values() if n.status not in SERVABLE]
        if closed:
            raise InvalidInput(f"以下需求已不在征集专家：{'、'.join(closed)}")
        return ids
    statement = select(Need).where(col(Need.status).in_(SERVABLE))
    if district is not None:
        statement = statement.where(Need.district == district)
    if selection.district is not None:
        if district is not None and selection.district != district:
            raise InvalidInput(f"筛选的区县须为活动所在区县（{district_name(district)}）")
        statement = statement.where(Need.district == selection.district)
    if selection.field is not None:
        statement = statement.where(Need.field == selection.field)
    if selection.service_type is not None:
        statement = statement.where(Need.service_type == selection.service_type)
    needs = list(session.exec(statement.order_by(col(Need.id))).all())
    held = places_held(session, [n.id or 0 for n in needs])
    return [n.id or 0 for n in needs if held.get(n.id or 0, 0) < n.experts_wanted]


def _select_experts(session: Session, selection: ExpertSelection) -> list[int]:
    """Available experts (在库, accepting visits), from explicit ids (all must qualify) or filters."""
    if selection.ids is not None:
        ids = sorted(set(selection.ids))
        found = _by_id(session, Expert, ids)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise InvalidInput(f"专家不存在：{'、'.join(missing)}")
        unavailable = [e.name for e in found.values() if e.status != "在库" or not e.available]
        if unavailable:
            raise InvalidInput(f"以下专家当前不可安排（非在库或暂不接受服务）：{'、'.join(unavailable)}")
        return ids
    statement = select(Expert.id).where(Expert.status == "在库", col(Expert.available).is_(True))
    if selection.district is not None:
        statement = statement.where(Expert.district == selection.district)
    if selection.field is not None:
        statement = statement.where(json_list_contains(Expert.fields, selection.field))
    return [int(i) for i in session.exec(statement.order_by(col(Expert.id))).all() if i is not None]


def create_campaign(*, session: Session, actor: Account, data: CampaignCreate) -> CampaignDetail:
    """A new campaign (draft) with its selection of needs and experts resolved to ids."""
    district = data.district
    scope = district_scope(actor)
    if scope is not None:
        district = district or scope
        require_district(actor, district)
    campaign = Campaign(
        name=data.name.strip(),
        district=district,
        year=data.year,
        created_by=actor.id,
        need_ids=_select_needs(session, district, data.needs),
        expert_ids=_select_experts(session, data.experts),
    )
    session.add(campaign)
    session.commit()
    session.refresh(campaign)
    return campaign_detail(session, campaign)


# ---- run -------------------------------------------------------------------------------------------------


def _capacity_left(session: Session, experts: Sequence[Expert], year: int) -> dict[int, int]:
    used = places_used_by(session, (e.id or 0 for e in experts), year)
    return {e.id or 0: max(e.yearly_capacity - used.get(e.id or 0, 0), 0) for e in experts}


def _candidates(
    session: Session,
    matcher: MatchIndex,
    needs: Sequence[Need],
    pool: set[str],
    barred: dict[str, set[str]],
    conflicts: dict[str, set[str]],
    k: int,
) -> list[Match]:
    """Top-k experts of the pool per need (barred experts left out, conflicted ones kept and marked), from one
    batched query that excludes every ranked expert outside the pool and has room for each need's barred and
    conflicted ones. The pool holds the experts with a place left in the campaign's year, so the index's own
    count of this year's places is not applied (a campaign for next year may use experts full this year)."""
    ranked = {
        str(i) for i in session.exec(select(Expert.id).where(Expert.status == "在库", col(Expert.available).is_(True)))
    }
    room = max((len(barred[str(n.id)] | conflicts[str(n.id)]) for n in needs), default=0)
    by_need: dict[str, list[Match]] = defaultdict(list)
    for m in matcher.candidate_pairs(
        session, needs, k + room, named=False, exclude=sorted(ranked - pool), skip_full=False
    ):
        by_need[m.need_id].append(m)
    out: list[Match] = []
    for need in needs:
        key = str(need.id)
        free = 0
        for m in sorted(by_need[key], key=lambda m: (-m.score, int(m.expert_id))):
            if m.expert_id not in pool or m.expert_id in barred[key]:
                continue
            if m.expert_id in conflicts[key]:
                out.append(m)
                continue
            if free < k:
                out.append(m)
                free += 1
    return out


def _reasons_json(match: Match, shared_terms: tuple[str, ...]) -> dict[str, Any]:
    r = match.reasons
    return {
        "shared_terms": list(shared_terms),
        "field_match": bool(r.field_match),
        "district": r.district,
        "text_score": round(float(r.text_score), 6),
    }


def run_campaign(*, session: Session, actor: Account, matcher: MatchIndex, campaign_id: int) -> CampaignDetail:
    """Solve the campaign's assignment and store the proposal; see the module docstring for the rules."""
    campaign = _campaign_for(session, actor, campaign_id, for_update=True)
    _require_year_not_over(campaign)
    if not campaign.need_ids:
        raise InvalidInput("活动尚未选择任何需求，无法匹配")
    if not campaign.expert_ids:
        raise InvalidInput("活动尚未选择任何专家，无法匹配")
    selected_needs = _by_id(session, Need, campaign.need_ids)
    needs = [selected_needs[i] for i in sorted(selected_needs) if selected_needs[i].status in SERVABLE]
    skipped = sorted(set(campaign.need_ids) - {n.id for n in needs})
    if not needs:
        raise InvalidInput("所选需求均已不在征集专家，无法匹配")
    experts = [e for e in _by_id(session, Expert, campaign.expert_ids).values() if e.status == "在库" and e.available]
    if not experts:
        raise InvalidInput("所选专家均已不可安排，无法匹配")
    need_ids = [n.id or 0 for n in needs]
    pool = {str(e.id) for e in experts}

    pairs = _pairs_of(session, campaign.id or 0)
    visits = list(session.exec(select(Visit).where(col(Visit.need_id).in_(need_ids))).all())
    own_visit_ids = {p.visit_id for p in pairs if p.visit_id is not None}
    held: Counter[int] = Counter()
    waiting_elsewhere: Counter[int] = Counter()
    barred: dict[str, set[str]] = defaultdict(set)
    for v in visits:
        barred[str(v.need_id)].add(str(v.expert_id))  # any visit, live or declined: never proposed again
        if v.status in VISIT_HOLDS_PLACE:
            held[v.need_id] += 1
        elif v.status == VisitStatus.proposed and v.id not in own_visit_ids:
            waiting_elsewhere[v.need_id] += 1
    for p in pairs:
        if p.removed:
            barred[str(p.need_id)].add(str(p.expert_id))

    visit_status = {v.id: v.status for v in visits}
    in_run = set(need_ids)
    # Published offers still awaiting an answer are kept as they are; locked drafts are kept by choice.
    waiting_own = [p for p in pairs if p.visit_id is not None and visit_status.get(p.visit_id) == VisitStatus.proposed]
    locked_drafts = [p for p in pairs if p.visit_id is None and p.locked and not p.removed]
    for p in locked_drafts:
        if p.need_id not in in_run or str(p.expert_id) not in pool:
            raise Conflict(f"锁定的配对（编号 {p.id}）的需求或专家已不可安排，请先移除该配对再匹配")
    kept = [p for p in waiting_own if p.need_id in in_run and str(p.expert_id) in pool] + locked_drafts

    waiting_per_need = Counter(p.need_id for p in waiting_own)
    waiting_per_expert = Counter(p.expert_id for p in waiting_own)
    capacity = _capacity_left(session, experts, campaign.year)
    need_slots = [
        NeedSlot(
            id=str(n.id),
            # An offer already sent cannot be taken back, so demand never drops below the offers out.
            demand=max(n.experts_wanted - held[n.id or 0] - waiting_elsewhere[n.id or 0], waiting_per_need[n.id or 0]),
            district=n.district,
        )
        for n in needs
    ]
    expert_slots = [
        ExpertSlot(id=str(e.id), capacity=max(capacity[e.id or 0], waiting_per_expert[e.id or 0])) for e in experts
    ]
    kept_per_need = Counter(str(p.need_id) for p in kept)
    # Needs whose places are all taken or kept need no candidates (ranking them is the costly part).
    open_needs = [n for n, slot in zip(needs, need_slots, strict=True) if slot.demand > kept_per_need[slot.id]]
    conflicts = {str(i): c & pool for i, c in conflicted_experts_by_need(session, open_needs).items()}
    k = max(get_settings().campaign_candidates_per_need, 1)
    with_places = {str(e.id) for e in experts if capacity[e.id or 0] > 0}
    matches = _candidates(session, matcher, open_needs, with_places, barred, conflicts, k) if open_needs else []
    match_of = {(m.need_id, m.expert_id): m for m in matches}
    kept_keys = {(str(p.need_id), str(p.expert_id)) for p in kept}
    candidate_triples = [
        (m.need_id, m.expert_id, float(m.score)) for m in matches if (m.need_id, m.expert_id) not in kept_keys
    ]
    candidate_triples += [(str(p.need_id), str(p.expert_id), float(p.score)) for p in kept]
    problem = AssignmentProblem(
        needs=need_slots,
        experts=expert_slots,
        pairs=candidate_triples,
        conflicts=[(need, expert) for need, experts_ in conflicts.items() for expert in sorted(experts_)],
        locked=sorted(kept_keys),
        coverage=campaign.district is None,
    )
    _require_locks_fit(session, kept, need_slots, expert_slots)
    try:
        result = solve_assignment(problem, method="mincostflow")
    except LockedPairError as error:
        # the solver's own words are English and name records by id: the official gets a Chinese message
        raise Conflict("锁定的配对超出需求人数、专家名额或区县名额，请解除部分锁定后再匹配") from error

    # Replace the previous proposal's free pairs; keep locked, removed and published ones.
    for p in pairs:
        if p.visit_id is None and not p.locked and not p.removed:
            session.delete(p)
    session.flush()
    new = [pair for pair in result.assignments if pair not in kept_keys]
    chosen_by_need: dict[str, list[str]] = defaultdict(list)
    for need_key, expert_key in new:
        chosen_by_need[need_key].append(expert_key)
    need_of = {str(n.id): n for n in open_needs}
    terms = matcher.shared_terms(session, [(need_of[key], experts_) for key, experts_ in chosen_by_need.items()])
    fresh = []
    for need_key, expert_key in new:
        m = match_of[(need_key, expert_key)]
        fresh.append(
            {
                "campaign_id": campaign.id or 0,
                "need_id": int(need_key),
                "expert_id": int(expert_key),
                "score": float(m.score),
                "locked": False,
                "removed": False,
                "proposed": True,
                "reasons": _reasons_json(m, terms.get((need_key, expert_key), ())),
            }
        )
    if fresh:
        session.connection().execute(insert(CampaignPair), fresh)  # one statement for the lot, not one per pair
    new_pairs = len(fresh)
    campaign.last_run = {
        "filled": result.filled,
        "total": sum(s.demand for s in need_slots),
        "already_accepted": sum(held[i] for i in need_ids),
        "new_pairs": new_pairs,
        "unfilled": [{"need_id": int(u.need_id), "missing": u.missing, "reason": u.reason} for u in result.unfilled],
        "skipped_needs": skipped,
    }
    campaign.last_run_at = utcnow()
    session.add(campaign)
    session.commit()
    session.refresh(campaign)
    return campaign_detail(session, campaign)


def _require_locks_fit(
    session: Session, kept: Sequence[CampaignPair], needs: Sequence[NeedSlot], experts: Sequence[ExpertSlot]
) -> None:
    """Refuse a run whose kept pairs (locked, or published and awaiting an answer) already exceed a need's open
    places or an expert's places left, naming the need or the expert in Chinese."""
    demand = {slot.id: slot.demand for slot in needs}
    capacity = {slot.id: slot.capacity for slot in experts}
    over_need = _first_over(Counter(str(p.need_id) for p in kept), demand)
    if over_need is not None:
        key, count, left = over_need
        need = session.get(Need, int(key))
        raise Conflict(
            f"需求“{need.title if need else key}”锁定了 {count} 位专家，但只剩 {left} 个待安排的名额，"
            "请解除或移除部分锁定后再匹配"
        )
    over_expert = _first_over(Counter(str(p.expert_id) for p in kept), capacity)
    if over_expert is not None:
        key, count, left = over_expert
        expert = session.get(Expert, int(key))
        raise Conflict(
            f"专家{expert.name if expert else key}锁定了 {count} 个配对，但本活动年度只剩 {left} 个服务名额，"
            "请解除或移除部分锁定后再匹配"
        )


def _first_over(counts: Counter[str], limits: dict[str, int]) -> tuple[str, int, int] | None:
    """The first key (in order) whose count is over its limit (0 when it has none): (key, count, limit)."""
    for key, count in sorted(counts.items()):
        if count > limits.get(key, 0):
            return key, count, limits.get(key, 0)
    return None


def _require_year_not_over(campaign: Campaign) -> None:
    """A campaign plans its year's places: once that year is over it is neither run nor published."""
    this_year = clock.today().year
    if campaign.year < this_year:
        raise Conflict(f"活动年度（{campaign.year}年）已结束，不能再匹配或发布；请新建{this_year}年的活动")


# ---- adjust and publish ----------------------------------------------------------------------------------


def _pair_for(session: Session, campaign: Campaign, pair_id: int) -> CampaignPair:
    pair = session.get(CampaignPair, pair_id)
    if pair is None:
        raise InvalidInput(f"配对 {pair_id} 不存在")
    if pair.campaign_id != campaign.id:
        raise Conflict(f"配对 {pair_id} 不属于活动“{campaign.name}”")
    if pair.visit_id is not None:
        raise Conflict("已发布的配对不能再调整；如需变更，请取消对应的服务")
    return pair


def adjust_pair(*, session: Session, actor: Account, campaign_id: int, pair_id: int, action: str) -> CampaignPairPublic:
    """lock | unlock | remove one unpublished pair; a removed pair is never proposed again in this campaign."""
    campaign = _campaign_for(session, actor, campaign_id, for_update=True)
    pair = _pair_for(session, campaign, pair_id)
    if pair.removed:
        raise Conflict("该配对已移除")
    if action == "lock":
        pair.locked = True
    elif action == "unlock":
        pair.locked = False
    elif action == "remove":
        pair.removed, pair.locked, pair.proposed = True, False, False
    else:  # pragma: no cover - the routes pass one of the three
        raise InvalidInput(f"未知操作：{action}")
    session.add(pair)
    session.commit()
    session.refresh(pair)
    return _pair_views(session, [pair])[0]


def publish_campaign(*, session: Session, actor: Account, campaign_id: int) -> CampaignDetail:
    """Every unpublished pair becomes a proposed visit (origin campaign), all or none."""
    campaign = _campaign_for(session, actor, campaign_id, for_update=True)
    _require_year_not_over(campaign)
    fresh = [p for p in _pairs_of(session, campaign.id or 0, removed=False) if p.visit_id is None]
    if not fresh:
        if campaign.status == PUBLISHED:
            raise Conflict("没有新的配对需要发布：方案已全部发布，请在有专家婉拒后重新匹配")
        raise Conflict("方案中没有配对，请先运行匹配")
    # The needs' rows are held until the commit, taken in the order of their ids (as any other publish takes
    # them, so that two never wait for each other): a manual proposal or an answer for one of these needs waits,
    # or is waited for and then seen.
    locked = select(Need).where(col(Need.id).in_(sorted({p.need_id for p in fresh}))).order_by(col(Need.id))
    needs = {n.id or 0: n for n in session.exec(locked.with_for_update().execution_options(populate_existing=True))}
    experts = _by_id(session, Expert, (p.expert_id for p in fresh))
    for pair in fresh:
        try:
            visit = propose_visit(
                session=session,
                actor=actor,
                need_id=pair.need_id,
                expert_id=pair.expert_id,
                origin=VisitOrigin.campaign,
                score=pair.score,
                campaign_id=campaign.id,
                year=campaign.year,  # the places the run planned with (`_capacity_left`) are the campaign year's
                commit=False,
            )
        except AppError as error:
            who = f"需求“{needs[pair.need_id].title}”—专家{experts[pair.expert_id].name}"
            session.rollback()
            raise Conflict(f"发布未完成（未作任何改动）：{who}：{error.message}。请移除该配对或重新匹配") from error
        pair.visit_id = visit.id
        session.add(pair)
    campaign.status = PUBLISHED
    campaign.published_at = campaign.published_at or utcnow()
    session.add(campaign)
    session.commit()
    session.refresh(campaign)
    return campaign_detail(session, campaign)
