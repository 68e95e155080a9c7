"""Needs 需求 and their workflow: draft → submitted → open → matched → in_service → done | withdrawn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service import clock
from service.domain.access import is_city, is_official, require_district, require_need_access, require_unit
from service.domain.common import (
    apply_update,
    check_version,
    checked_filter,
    checked_period,
    contains_text,
    enqueue_index,
    get_for_update,
    get_or_404,
    names_by_id,
    paginate,
    place_counts,
)
from service.errors import Conflict, InvalidInput, NotFound
from service.models import Account, Need, Unit, Visit
from service.models.common import utcnow
from service.models.need import NeedCreate, NeedPublic, NeedUpdate
from service.validation import check_choice, check_district, check_field, mask_numbers_in_text, mask_phone
from service.vocab import SERVICE_TYPES, NeedStatus, Role, VisitStatus, need_state_label

SORTABLE = {
    "id": Need.id,
    "created_at": Need.created_at,
    "wanted_from": Need.wanted_from,
    "title": Need.title,
    "district": Need.district,
    "status": Need.status,
}
#: Which states each action may start from.
TRANSITIONS: dict[str, tuple[NeedStatus, ...]] = {
    "submit": (NeedStatus.draft,),
    "approve": (NeedStatus.submitted,),
    "reject": (NeedStatus.submitted,),
    "withdraw": (NeedStatus.draft, NeedStatus.submitted, NeedStatus.open, NeedStatus.matched),
    "edit_by_unit": (NeedStatus.draft, NeedStatus.submitted),
    "edit_by_official": (NeedStatus.draft, NeedStatus.submitted, NeedStatus.open, NeedStatus.matched),
}
#: States in which a need takes visits.
SERVABLE = (NeedStatus.open, NeedStatus.matched, NeedStatus.in_service)
_ACTION_LABELS = {"submit": "提交", "approve": "审核通过", "reject": "退回", "withdraw": "撤回"}


@dataclass
class NeedFilters:
    district: str | None = None
    field: str | None = None
    status: str | None = None
    service_type: str | None = None
    unit_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        self.district = checked_filter(check_district, self.district)
        self.field = checked_filter(check_field, self.field)
        self.status = checked_filter(check_choice(tuple(NeedStatus), "需求状态"), self.status)
        self.service_type = checked_filter(check_choice(SERVICE_TYPES, "服务类型"), self.service_type)
        checked_period(self.created_from, self.created_to)


def entitled_to_contact(viewer: Account, need: Need) -> bool:
    """The need's own contact phone is shown in full to its unit and to the officials over its district; the
    expert who serves it gets it with the visit (`visits.get_visit`), everyone else masked."""
    if viewer.role == Role.unit:
        return viewer.unit_id == need.unit_id
    if viewer.role == Role.district_official:
        return viewer.district == need.district
    return is_city(viewer)


def need_view(session: Session, need: Need, viewer: Account) -> NeedPublic:
    return need_views(session, [need], viewer)[0]


def need_views(session: Session, needs: Sequence[Need], viewer: Account) -> list[NeedPublic]:
    """The needs as `viewer` may see them, with their units' names read in one query."""
    units = names_by_id(session, Unit.id, Unit.name, {n.unit_id for n in needs})
    views = []
    for need in needs:
        data = {**need.model_dump(), "unit_name": units.get(need.unit_id, "")}
        if not entitled_to_contact(viewer, need):
            data["contact_phone"] = mask_phone(need.contact_phone)
            data["title"] = mask_numbers_in_text(need.title)
            data["description"] = mask_numbers_in_text(need.description)
        views.append(NeedPublic.model_validate(data))
    return views


def list_needs(
    *, session: Session, viewer: Account, filters: NeedFilters, limit: int, offset: int, sort: str | None
) -> tuple[list[NeedPublic], int]:
    statement = select(Need)
    if viewer.role == Role.unit:
        statement = statement.where(Need.unit_id == viewer.unit_id)
    elif viewer.role == Role.expert:
        involved = select(Visit.need_id).where(Visit.expert_id == viewer.expert_id)
        statement = statement.where(
            col(Need.status).in_(SERVABLE) | col(Need.id).in_(involved)  # type: ignore[arg-type]
        )
    elif viewer.role == Role.district_official:
        statement = statement.where(Need.district == viewer.district)
    if filters.district:
        statement = statement.where(Need.district == filters.district)
    if filters.field:
        statement = statement.where(Need.field == filters.field)
    if filters.status:
        statement = statement.where(Need.status == filters.status)
    if filters.service_type:
        statement = statement.where(Need.service_type == filters.service_type)
    if filters.unit_id:
        statement = statement.where(Need.unit_id == filters.unit_id)
    # days are the city's (the reports count so): a need posted at 00:30 on 1 January in the city is of that day
    if filters.created_from:
        statement = statement.where(col(Need.created_at) >= clock.day_start(filters.created_from))
    if filters.created_to:
        end = clock.day_end(filters.created_to)
        statement = statement.where(col(Need.created_at) < end)
    if filters.q:
        statement = statement.where(contains_text(Need.title, filters.q) | contains_text(Need.description, filters.q))
        if viewer.role == Role.expert and any(c.isdigit() for c in filters.q):
            statement = statement.where(col(Need.id).in_(_found_as_shown(session, statement, viewer, filters.q)))
    rows, total = paginate(
        session,
        statement,
        limit=limit,
        offset=offset,
        sort=sort,
        sortable=SORTABLE,
        default_sort="-created_at",
    )
    return need_views(session, rows, viewer), total


def _found_as_shown(session: Session, statement: SelectOfScalar[Need], viewer: Account, q: str) -> list[int]:
    """The needs of `statement` whose text, as `viewer` reads it (numbers masked), holds `q`: a search with digits
    run over the stored text would tell an expert a masked phone number digit by digit."""
    wanted = q.strip().lower()
    return [
        view.id
        for view in need_views(session, session.exec(statement).all(), viewer)
        if wanted in view.title.lower() or wanted in view.description.lower()
    ]


def get_need(*, session: Session, viewer: Account, need_id: int) -> NeedPublic:
    need = get_or_404(session, Need, need_id)
    require_need_access(viewer, need)
    if viewer.role == Role.expert and need.status not in SERVABLE:
        involved = session.exec(
            select(Visit.id).where(Visit.need_id == need_id, Visit.expert_id == viewer.expert_id)
        ).first()
        if involved is None:
            raise NotFound(f"需求 {need_id} 不存在或尚未公开")
    return need_view(session, need, viewer)


def period_over(wanted_to: date | None, today: date | None = None) -> bool:
    """Whether a need's wanted period ended before `today` (the city's): such a need is neither posted nor
    re-dated, recommended to experts, nor open to volunteering; an official may still arrange it."""
    return wanted_to is not None and wanted_to < (today or clock.today())


def _require_period_not_over(wanted_to: date | None) -> None:
    """A need is posted or re-dated for service still to come (imports may carry past ones)."""
    if period_over(wanted_to):
        raise InvalidInput("期望服务时间的结束日期不能早于今天", field="wanted_to")


def create_need(*, session: Session, actor: Account, data: NeedCreate) -> NeedPublic:
    unit_id = actor.unit_id if actor.role == Role.unit else data.unit_id
    if unit_id is None:
        raise InvalidInput("请指定发布需求的单位（unit_id）")
    # The unit's row is held until the commit: the same form posted twice stores one need (the title check below
    # sees the first one's), not a database error.
    unit = get_for_update(session, Unit, unit_id)
    require_unit(actor, unit.id or 0)
    if is_official(actor):
        require_district(actor, unit.district)
    _require_period_not_over(data.wanted_to)
    duplicate = select(Need.id).where(Need.unit_id == unit_id, Need.title == data.title)
    if session.exec(duplicate).first() is not None:
        raise Conflict(f"本单位已有标题为“{data.title}”的需求", field="title")
    need = Need.model_validate(
        {**data.model_dump(exclude={"unit_id", "submit"}), "unit_id": unit_id, "district": unit.district}
    )
    if data.submit:
        need.status = NeedStatus.submitted
    session.add(need)
    enqueue_index(session, "needs", need)
    session.commit()
    session.refresh(need)
    return need_view(session, need, actor)


def update_need(*, session: Session, actor: Account, need_id: int, data: NeedUpdate, commit: bool = True) -> NeedPublic:
    """Change a need's content; with `commit=False` only flushed, for the caller to commit with the next step
    (the unit's 保存并提交审核) or to roll back with it."""
    need = get_or_404(session, Need, need_id)
    require_need_access(actor, need)
    changes = data.model_dump(exclude_unset=True)
    expected_version = changes.pop("version", None)
    if changes.get("title"):
        get_for_update(session, Unit, need.unit_id)  # as `create_need`: one unit's titles are checked in turn
    # Locked and read again: a review or an expert's acceptance committed meanwhile is seen (places are never cut
    # below the experts who accepted; a unit's edit does not land on a need just approved).
    need = get_for_update(session, Need, need_id)
    allowed = TRANSITIONS["edit_by_unit" if actor.role == Role.unit else "edit_by_official"]
    _require_state(need, allowed, "修改")
    check_version(need, expected_version, "需求")
    merged_from = changes.get("wanted_from", need.wanted_from)
    merged_to = changes.get("wanted_to", need.wanted_to)
    if merged_from and merged_to and merged_to < merged_from:
        raise InvalidInput("期望服务时间的结束日期不能早于开始日期", field="wanted_to")
    if "wanted_to" in changes:
        _require_period_not_over(changes["wanted_to"])
    if changes.get("title") and changes["title"] != need.title:
        clash = select(Need.id).where(Need.unit_id == need.unit_id, Need.title == changes["title"])
        if session.exec(clash).first() is not None:
            raise Conflict(f"本单位已有标题为“{changes['title']}”的需求", field="title")
    wanted = changes.get("experts_wanted")
    if wanted is not None:
        held = places_held(session, [need_id]).get(need_id, 0)
        if wanted < held:
            raise Conflict(f"已有 {held} 位专家接受该需求，所需专家人数不能少于 {held}", field="experts_wanted")
    apply_update(need, changes)
    need.version += 1
    need.updated_at = utcnow()
    session.add(need)
    enqueue_index(session, "needs", need)
    if not commit:
        session.flush()
        return need_view(session, need, actor)
    session.commit()
    session.refresh(need)
    return need_view(session, need, actor)


def change_need_state(*, session: Session, actor: Account, need_id: int, action: str, note: str = "") -> NeedPublic:
    """submit | approve | reject | withdraw, each from the states listed in TRANSITIONS (one decision at a time:
    the need's row is locked)."""
    need = get_for_update(session, Need, need_id)
    require_need_access(actor, need)
    _require_state(need, TRANSITIONS[action], _ACTION_LABELS[action])
    if action == "submit":
        need.status = NeedStatus.submitted
    elif action == "approve":
        need.status = NeedStatus.open
        need.review_note = note
    elif action == "reject":
        if not note.strip():
            raise InvalidInput("退回需求时请填写退回原因")
        need.status = NeedStatus.draft
        need.review_note = note
    elif action == "withdraw":
        need.status = NeedStatus.withdrawn
        pending = select(Visit).where(
            Visit.need_id == need_id,
            col(Visit.status).in_((VisitStatus.proposed, VisitStatus.accepted, VisitStatus.scheduled)),
        )
        for visit in session.exec(pending):
            visit.status = VisitStatus.cancelled
            session.add(visit)
    need.updated_at = utcnow()
    session.add(need)
    enqueue_index(session, "needs", need)
    session.commit()
    session.refresh(need)
    return need_view(session, need, actor)


def _require_state(need: Need, allowed: tuple[NeedStatus, ...], action: str) -> None:
    if need.status not in allowed:
        now = need_state_label(need.status)
        can = "、".join(need_state_label(s) for s in allowed)
        raise Conflict(f"需求当前为“{now}”，不能{action}（仅限：{can}）")


def places_held(session: Session, need_ids: Sequence[int]) -> dict[int, int]:
    """For each need (by id), how many of its visits hold one of the places it asked for (accepted and on)."""
    return place_counts(session, col(Visit.need_id), need_ids)


def require_open_place(session: Session, need: Need) -> None:
    """Refuse when every expert the need asked for has already accepted (`experts_wanted`)."""
    held, wanted = places_held(session, [need.id or 0]).get(need.id or 0, 0), need.experts_wanted
    if held >= wanted:
        raise Conflict(f"需求“{need.title}”所需的 {wanted} 位专家已全部落实（{held}/{wanted}）")


def refresh_need_status(session: Session, need: Need) -> None:
    """Derive a need's progress from its visits (the caller commits)."""
    if need.status not in SERVABLE:
        return
    live = [
        v.status
        for v in session.exec(select(Visit).where(Visit.need_id == need.id))
        if v.status not in (VisitStatus.declined, VisitStatus.cancelled)
    ]
    if live and all(s == VisitStatus.confirmed for s in live):
        status = NeedStatus.done
    elif any(s in (VisitStatus.scheduled, VisitStatus.done, VisitStatus.confirmed) for s in live):
        status = NeedStatus.in_service
    elif VisitStatus.accepted in live:
        status = NeedStatus.matched
    else:
        status = NeedStatus.open
    if status != need.status:
        need.status = status
        need.updated_at = utcnow()
        session.add(need)
        enqueue_index(session, "needs", need)
