"""Who can reach whom once an expert has accepted a visit: the expert's phone for the unit, the unit's contact
for the expert. Before acceptance (and for declined or cancelled visits) neither is shown.

The expert's phone goes through `experts.get_expert`, so the access rule (`access._entitled_to_phone`) decides
whether it is shown in full. The need has no contact of its own, so the expert is given the unit's contact
person and phone; only the visit's own expert gets them, and only while the visit holds a place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from service.domain import experts as expert_service
from service.models import Account, Unit
from service.models.need import NeedPublic
from service.models.visit import VisitPublic
from service.vocab import VISIT_HOLDS_PLACE, Role


@dataclass
class UnitContact:
    unit_name: str
    person: str
    phone: str


def expert_phones(session: Session, viewer: Account, visits: list[VisitPublic]) -> dict[int, str]:
    """Per visit id, the phone of the expert for the visits they have accepted (or served, or been rated for)."""
    phones: dict[int, str] = {}
    for visit in visits:
        if visit.status not in VISIT_HOLDS_PLACE:
            continue
        expert = expert_service.get_expert(session=session, viewer=viewer, expert_id=visit.expert_id)
        if expert.phone:
            phones[visit.id] = expert.phone
    return phones


def unit_contact(session: Session, viewer: Account, visit: VisitPublic, need: NeedPublic) -> UnitContact | None:
    """The unit's contact person and phone for the visit's own expert once they accepted it; None otherwise."""
    own = viewer.role == Role.expert and viewer.expert_id == visit.expert_id
    if not own or visit.status not in VISIT_HOLDS_PLACE or visit.need_id != need.id:
        return None
    unit = session.get(Unit, need.unit_id)
    if unit is None or not (unit.contact_name or unit.contact_phone):
        return None
    return UnitContact(unit_name=unit.name, person=unit.contact_name, phone=unit.contact_phone or "")
