"""Who may see and change what, beyond the role of a route: districts, own records, personal data."""

from __future__ import annotations

from sqlmodel import Session, col, select

from service import clock
from service.errors import Forbidden
from service.models import Account, Expert, Liaison, Need, Visit
from service.models.expert import ExpertPublic
from service.reference import district_name
from service.validation import mask_id_number, mask_numbers_in_text, mask_phone
from service.vocab import VISIT_HOLDS_PLACE, Role


def is_city(account: Account) -> bool:
    return account.role == Role.city_official


def is_official(account: Account) -> bool:
    return account.role in (Role.city_official, Role.district_official)


def district_scope(account: Account) -> str | None:
    """The one district a district official is limited to; None for the city and other roles."""
    return account.district if account.role == Role.district_official else None


def require_district(account: Account, district: str) -> None:
    """District officials act only within their own district."""
    scope = district_scope(account)
    if scope is not None and scope != district:
        raise Forbidden(f"只能处理本辖区（{district_name(scope)}）的记录")


def require_unit(account: Account, unit_id: int) -> None:
    if account.role == Role.unit and account.unit_id != unit_id:
        raise Forbidden("只能处理本单位的需求")


def require_expert(account: Account, expert_id: int) -> None:
    if account.role == Role.expert and account.expert_id != expert_id:
        raise Forbidden("只能处理本人的记录")


def require_need_access(account: Account, need: Need) -> None:
    """Units see their own needs, experts the ones that are open or involve them, officials their district."""
    if is_official(account):
        require_district(account, need.district)
    elif account.role == Role.unit:
        require_unit(account, need.unit_id)
    elif account.role != Role.expert:
        raise Forbidden("无权查看此需求")


def require_expert_visible(session: Session, viewer: Account, expert: Expert) -> None:
    """Who may open an expert's profile: officials; the expert; a leader paired with them (any year); a unit one
    of whose needs the expert was proposed for or took on. Others (another expert, another unit) may not."""
    if is_official(viewer) or viewer.expert_id == expert.id:
        return
    if viewer.role == Role.leader and viewer.leader_id is not None:
        pair = select(Liaison.id).where(Liaison.leader_id == viewer.leader_id, Liaison.expert_id == expert.id)
        if session.exec(pair).first() is not None:
            return
    if viewer.role == Role.unit and viewer.unit_id is not None:
        visit = (
            select(Visit.id)
            .join(Need, Need.id == Visit.need_id)  # type: ignore[arg-type]
            .where(Visit.expert_id == expert.id, Need.unit_id == viewer.unit_id)
        )
        if session.exec(visit).first() is not None:
            return
    raise Forbidden("无权查看该专家的信息")


def _entitled_to_phone(session: Session, expert: Expert, viewer: Account) -> bool:
    if is_city(viewer) or viewer.expert_id == expert.id:
        return True
    if viewer.role == Role.district_official:
        return viewer.district == expert.district
    if viewer.role == Role.leader and viewer.leader_id is not None:
        # an active pair of this year (or confirmed for the next): an old pair's leader no longer calls the expert
        this_year = clock.today().year
        pair = select(Liaison.id).where(
            Liaison.leader_id == viewer.leader_id,
            Liaison.expert_id == expert.id,
            Liaison.active,
            col(Liaison.year).in_((this_year, this_year + 1)),
        )
        return session.exec(pair).first() is not None
    if viewer.role == Role.unit and viewer.unit_id is not None:
        # A unit learns an expert's phone once the expert has accepted a visit to one of its needs.
        visit = (
            select(Visit.id)
            .join(Need, Need.id == Visit.need_id)  # type: ignore[arg-type]
            .where(
                Visit.expert_id == expert.id,
                Need.unit_id == viewer.unit_id,
                Visit.status.in_(VISIT_HOLDS_PLACE),  # type: ignore[attr-defined]
            )
        )
        return session.exec(visit).first() is not None
    return False


def expert_view(session: Session, expert: Expert, viewer: Account, visits_this_year: int) -> ExpertPublic:
    """The expert as `viewer` may see them: phone and ID number in full only where entitled."""
    data = expert.model_dump()
    data["visits_this_year"] = visits_this_year
    if not _entitled_to_phone(session, expert, viewer):
        data["phone"] = mask_phone(expert.phone)
        # and a number the expert wrote into their own texts, which the masked field would not hide (those entitled
        # read them as written: a district's roster exported and imported again keeps them)
        data["specialties"] = mask_numbers_in_text(expert.specialties)
        data["documents"] = [{k: mask_numbers_in_text(v) for k, v in d.items()} for d in expert.documents or []]
    if not (is_city(viewer) or viewer.expert_id == expert.id):
        data["id_number"] = mask_id_number(expert.id_number)
    if viewer.role == Role.unit:
        # a unit chooses an expert for their work: their sex, age and party membership are not its business
        data.update(sex=None, birth_year=None, party_member=None, id_number=None)
    return ExpertPublic.model_validate(data)


def masked_phone_for(viewer: Account | None, phone: str | None, *, entitled: bool) -> str | None:
    return phone if entitled else mask_phone(phone)
