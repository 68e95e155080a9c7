"""Concerns for tests that need one already dealt with, without going through the workflow."""

from __future__ import annotations

from datetime import date

from service.models import Concern
from service.vocab import ConcernStatus
from tests.service.world import World


def answered_concern(world: World, *, category: str, content: str, department: str, reply: str) -> Concern:
    """A concern the world's expert raised at the world's contact, due and answered today (so on time)."""
    today = date.today()
    return Concern(
        contact_id=world.contact.id,
        liaison_id=world.liaison.id or 0,
        expert_id=world.expert.id or 0,
        category=category,
        content=content,
        department=department,
        raised_on=today,
        due_date=today,
        status=ConcernStatus.answered,
        reply=reply,
        replied_on=today,
    )
