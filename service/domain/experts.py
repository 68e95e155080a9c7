"""Experts: the roster kept by officials, each profile edited by its expert."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from service import clock
from service.domain.access import expert_view, is_city, require_district, require_expert, require_expert_visible
from service.domain.common import (
    apply_update,
    check_version,
    checked_filter,
    contains_text,
    enqueue_index,
    get_for_update,
    get_or_404,
    json_list_contains,
    paginate,
    place_counts,
)
from service.errors import Conflict, Forbidden, InvalidInput
from service.models import Account, Expert, Visit
from service.models.common import utcnow
from service.models.expert import ExpertCreate, ExpertPublic, ExpertUpdate
from service.validation import check_choice, check_district, check_field
from service.vocab import EXPERT_STATUSES, TALENT_TIERS, TITLE_LEVELS, Role

SORTABLE = {
    "id": Expert.id,
    "name": Expert.name,
    "district": Expert.district,
    "created_at": Expert.created_at,
}
#: Fields an expert may change on their own profile; the rest is the officials' roster.
SELF_EDITABLE = {"specialties", "documents", "field_labels", "available", "phone", "employer", "title"}


@dataclass
class ExpertFilters:
    district: str | None = None
    field: str | None = None
    status: str | None = None
    title_level: str | None = None
    talent_tier: str | None = None
    available: bool | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        self.district = checked_filter(check_district, self.district)
        self.field = checked_filter(check_field, self.field)
        self.status = checked_filter(check_choice(EXPERT_STATUSES, "专家状态"), self.status)
        self.title_level = checked_filter(check_choice(TITLE_LEVELS, "职称级别"), self.title_level)
        self.talent_tier = checked_filter(check_choice(TALENT_TIERS, "人才层次"), self.talent_tier)


def places_used(session: Session, expert_id: int, year: int) -> int:
    """Visits in `year` that hold one of the expert's places."""
    return places_used_by(session, [expert_id], year).get(expert_id, 0)


def places_used_by(session: Session, expert_ids: Iterable[int], year: int) -> dict[int, int]:
    """`places_used` of many experts, one grouped query per `IN_BATCH` of them (experts with none left out)."""
    return place_counts(session, col(Visit.expert_id), expert_ids, Visit.year == year)


def list_experts(
    *,
    session: Session,
    viewer: Account,
    filters: ExpertFilters,
    limit: int,
    offset: int,
    sort: str | None,
) -> tuple[list[ExpertPublic], int]:
    statement = select(Expert)
    district = filters.district
    if viewer.role == Role.district_official and viewer.district:
        district = viewer.district if district is None else district
        require_district(viewer, district)
    if viewer.role == Role.leader:
        from service.models import Liaison

        statement = statement.where(
            col(Expert.id).in_(select(Liaison.expert_id).where(Liaison.leader_id == viewer.leader_id, Liaison.active))
        )
    if district:
        statement = statement.where(Expert.district == district)
    if filters.status:
        statement = statement.where(Expert.status == filters.status)
    if filters.title_level:
        statement = statement.where(Expert.title_level == filters.title_level)
    if filters.talent_tier:
        statement = statement.where(Expert.talent_tier == filters.talent_tier)
    if filters.available is not None:
        statement = statement.where(Expert.available == filters.available)
    if filters.q:
        q = filters.q
        statement = statement.where(
            contains_text(Expert.name, q) | contains_text(Expert.employer, q) | contains_text(Expert.specialties, q)
        )
    if filters.field:
        statement = statement.where(json_list_contains(Expert.fields, filters.field))
    rows, total = paginate(
        session, statement, limit=limit, offset=offset, sort=sort, sortable=SORTABLE, default_sort="id"
    )
    used = places_used_by(session, (e.id or 0 for e in rows), clock.today().year)
    return [expert_view(session, e, viewer, used.get(e.id or 0, 0)) for e in rows], total


def get_expert(*, session: Session, viewer: Account, expert_id: int) -> ExpertPublic:
    expert = get_or_404(session, Expert, expert_id)
    require_expert_visible(session, viewer, expert)
    return expert_view(session, expert, viewer, places_used(session, expert_id, clock.today().year))


def _require_id_number_keeper(actor: Account, id_number: str | None) -> None:
    """Only the city registers or changes ID numbers. A district official sees them masked (first 6 + last 4)
    with the birth year: were they to set one, whether it clashed with another expert's would tell which of its
    few dozen candidates exists (the same rule as their imports, docs/import.md)."""
    if id_number and not is_city(actor):
        raise Forbidden("身份证号码由市委组织部登记和修改，区县组织部门不能填写")


def create_expert(*, session: Session, actor: Account, data: ExpertCreate) -> ExpertPublic:
    require_district(actor, data.district)
    _require_id_number_keeper(actor, data.id_number)
    _ensure_unique_id_number(session, data.id_number, None)
    expert = Expert.model_validate(data)
    session.add(expert)
    enqueue_index(session, "experts", expert)
    session.commit()
    session.refresh(expert)
    return expert_view(session, expert, actor, 0)  # a new expert has served nowhere yet


def update_expert(*, session: Session, actor: Account, expert_id: int, data: ExpertUpdate) -> ExpertPublic:
    # Locked and read afresh: edits of one expert take turns, and one made from an older version is refused.
    expert = get_for_update(session, Expert, expert_id)
    changes = data.model_dump(exclude_unset=True)
    expected_version = changes.pop("version", None)
    if actor.role == Role.expert:
        require_expert(actor, expert_id)
        refused = set(changes) - SELF_EDITABLE
        if refused:
            raise Forbidden(f"以下信息由组织部门维护，本人不能修改：{'、'.join(sorted(refused))}")
    else:
        require_district(actor, expert.district)
        if "district" in changes and changes["district"] is not None:
            require_district(actor, changes["district"])
        _require_id_number_keeper(actor, changes.get("id_number"))
    check_version(expert, expected_version, "专家信息")
    if changes.get("id_number"):
        _ensure_unique_id_number(session, changes["id_number"], expert_id)
    if changes.get("yearly_capacity") is not None:
        _require_capacity_for_places_taken(session, expert, changes["yearly_capacity"])
    apply_update(expert, changes)
    expert.version += 1
    expert.updated_at = utcnow()
    session.add(expert)
    enqueue_index(session, "experts", expert)
    session.commit()
    session.refresh(expert)
    return expert_view(session, expert, actor, places_used(session, expert_id, clock.today().year))


def capacity_shortfall(name: str, capacity: int, used_by_year: Mapping[int, int]) -> str | None:
    """Why `capacity` is too small for the places an expert's visits already hold (by year), or None.

    A yearly capacity may not fall below the places taken this year or next (a campaign plans next year's in
    December): those visits stand, and the expert would be over their limit."""
    for year, used in sorted(used_by_year.items()):
        if capacity < used:
            return f"{name}{year}年已安排{used}次服务，年度服务次数上限不能少于{used}"
    return None


def places_taken_ahead(session: Session, expert_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Per expert, the places their visits hold this year and next (`capacity_shortfall`'s years)."""
    ids = list(expert_ids)
    this_year = clock.today().year
    out: dict[int, dict[int, int]] = {}
    for year in (this_year, this_year + 1):
        for expert_id, used in places_used_by(session, ids, year).items():
            out.setdefault(expert_id, {})[year] = used
    return out


def _require_capacity_for_places_taken(session: Session, expert: Expert, capacity: int) -> None:
    expert_id = expert.id or 0
    problem = capacity_shortfall(expert.name, capacity, places_taken_ahead(session, [expert_id]).get(expert_id, {}))
    if problem:
        raise InvalidInput(problem, field="yearly_capacity")


def _ensure_unique_id_number(session: Session, id_number: str | None, expert_id: int | None) -> None:
    if not id_number:
        return
    other = session.exec(select(Expert.id).where(Expert.id_number == id_number)).first()
    if other is not None and other != expert_id:
        raise Conflict("身份证号码已登记在其他专家名下")
