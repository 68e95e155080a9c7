"""Concerns for tests that need one already dealt with, without going through the workflow."""

from __future__ import annotations

from datetime import date
from typing import Any

from service import clock
from service.models import Concern
from service.vocab import ConcernStatus
from tests.service.world import World


def raised_concern(
    world: World,
    *,
    content: str,
    category: str = "住房",
    raised_on: date | None = None,
    due_date: date | None = None,
    **fields: Any,
) -> Concern:
    """A concern the world's expert raised at the world's contact, by default raised and due today (not stored)."""
    today = clock.today()
    return Concern(
        contact_id=world.contact.id,
        liaison_id=world.liaison.id or 0,
        expert_id=world.expert.id or 0,
        category=category,
        content=content,
        raised_on=raised_on or today,
        due_date=due_date or today,
        **fields,
    )


def answered_concern(world: World, *, category: str, content: str, department: str, reply: str) -> Concern:
    """A concern the world's expert raised at the world's contact, due and answered today (so on time)."""
    return raised_concern(
        world,
        category=category,
        content=content,
        department=department,
        status=ConcernStatus.answered,
        reply=reply,
        replied_on=clock.today(),
    )
