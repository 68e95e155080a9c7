"""Database tables (SQLModel) and their API shapes, one module per aggregate."""

from service.models.account import Account
from service.models.audit import AuditEvent
from service.models.campaign import Campaign, CampaignPair
from service.models.expert import Expert
from service.models.leader import Concern, Contact, Leader, Liaison
from service.models.need import Need, Unit
from service.models.outbox import OutboxEntry
from service.models.visit import Visit

__all__ = [
    "Account",
    "AuditEvent",
    "Campaign",
    "CampaignPair",
    "Concern",
    "Contact",
    "Expert",
    "Leader",
    "Liaison",
    "Need",
    "OutboxEntry",
    "Unit",
    "Visit",
]
