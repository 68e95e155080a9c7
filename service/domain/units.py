"""Units 基层单位: the villages, communities, parks, schools, enterprises and hospitals that post needs."""

from __future__ import annotations

from sqlmodel import Session, select

from service.domain.access import is_official, require_district, require_unit
from service.domain.common import (
    apply_update,
    checked_filter,
    contains_text,
    enqueue_index,
    get_for_update,
    get_or_404,
    paginate,
)
from service.errors import Conflict
from service.models import Account, Need, Unit
from service.models.common import utcnow
from service.models.need import UnitCreate, UnitPublic, UnitUpdate
from service.validation import check_choice, check_district, mask_phone
from service.vocab import UNIT_KINDS, NeedStatus, Role

SORTABLE = {"id": Unit.id, "name": Unit.name, "district": Unit.district, "created_at": Unit.created_at}


# a need in one of these states follows its unit when the unit moves to another district
UNFINISHED = (
    NeedStatus.draft,
    NeedStatus.submitted,
    NeedStatus.open,
    NeedStatus.matched,
    NeedStatus.in_service,
)


def unit_view(unit: Unit, viewer: Account) -> UnitPublic:
    data = unit.model_dump()
    entitled = is_official(viewer) or viewer.unit_id == unit.id
    if not entitled:
        data["contact_phone"] = mask_phone(unit.contact_phone)
    return UnitPublic.model_validate(data)


def list_units(
    *,
    session: Session,
    viewer: Account,
    district: str | None,
    kind: str | None,
    q: str | None,
    limit: int,
    offset: int,
    sort: str | None,
) -> tuple[list[UnitPublic], int]:
    district = checked_filter(check_district, district)
    kind = checked_filter(check_choice(UNIT_KINDS, "单位类别"), kind)
    statement = select(Unit)
    if viewer.role == Role.district_official:
        district = district or viewer.district
        require_district(viewer, district or "")
    if district:
        statement = statement.where(Unit.district == district)
    if kind:
        statement = statement.where(Unit.kind == kind)
    if q:
        statement = statement.where(contains_text(Unit.name, q))
    rows, total = paginate(
        session, statement, limit=limit, offset=offset, sort=sort, sortable=SORTABLE, default_sort="id"
    )
    return [unit_view(u, viewer) for u in rows], total


def get_unit(*, session: Session, viewer: Account, unit_id: int) -> UnitPublic:
    unit = get_or_404(session, Unit, unit_id)
    if viewer.role == Role.unit:
        require_unit(viewer, unit_id)
    else:
        require_district(viewer, unit.district)
    return unit_view(unit, viewer)


def create_unit(*, session: Session, actor: Account, data: UnitCreate) -> UnitPublic:
    require_district(actor, data.district)
    if session.exec(select(Unit.id).where(Unit.name == data.name)).first() is not None:
        raise Conflict(f"单位“{data.name}”已存在")
    unit = Unit.model_validate(data)
    session.add(unit)
    session.commit()
    session.refresh(unit)
    return unit_view(unit, actor)


def update_unit(*, session: Session, actor: Account, unit_id: int, data: UnitUpdate) -> UnitPublic:
    # Locked before its needs are written (the order of `common.get_for_update`: a unit, then its needs).
    unit = get_for_update(session, Unit, unit_id)
    if actor.role == Role.unit:
        require_unit(actor, unit_id)
    else:
        require_district(actor, unit.district)
    changes = data.model_dump(exclude_unset=True)
    if actor.role == Role.unit:
        changes.pop("district", None)
    moved_to = changes.get("district")
    if moved_to is not None and moved_to != unit.district:
        require_district(actor, moved_to)  # a district official moves a unit only within their district
    else:
        moved_to = None
    renamed = bool(changes.get("name")) and changes["name"] != unit.name
    if renamed and session.exec(select(Unit.id).where(Unit.name == changes["name"])).first() is not None:
        raise Conflict(f"单位“{changes['name']}”已存在")
    apply_update(unit, changes)
    session.add(unit)
    if moved_to is not None or renamed:
        for need in session.exec(select(Need).where(Need.unit_id == unit_id)):
            # the unit's needs still in progress follow it; finished ones stay where the work was done (考核问效)
            if moved_to is not None and need.status in UNFINISHED:
                need.district = moved_to
                need.updated_at = utcnow()
                session.add(need)
                enqueue_index(session, "needs", need)
            elif renamed:  # a need's search document carries its unit's name
                enqueue_index(session, "needs", need)
    session.commit()
    session.refresh(unit)
    return unit_view(unit, actor)
