"""The unit's side of "who can reach whom once an expert has accepted a visit": the expert's phone on the unit's
need page. It goes through `experts.get_expert`, so the access rule (`access._entitled_to_phone`) decides whether
it is shown in full. (The expert's side, the unit's contact, is `VisitPublic.unit_contact`, set by
`visits.get_visit` for the visit's own expert.)
"""

from __future__ import annotations

from sqlmodel import Session

from service.domain import experts as expert_service
from service.models import Account
from service.models.visit import VisitPublic
from service.vocab import VISIT_HOLDS_PLACE


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
