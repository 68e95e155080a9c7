"""A small, complete world for API tests: records of every kind and one account per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlmodel import Session

from service import clock
from service.models import Account, Contact, Expert, Leader, Liaison, Need, Unit, Visit
from service.security import create_access_token, hash_password
from service.vocab import NeedStatus, Role, VisitStatus

PASSWORD = "correct-horse-9"
DISTRICT = "510131"  # 蒲江县
OTHER_DISTRICT = "510104"  # 锦江区


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hashed once per run: Argon2 is slow on purpose."""
    return hash_password(PASSWORD)


@dataclass
class World:
    unit: Unit
    other_unit: Unit
    expert: Expert
    other_expert: Expert
    leader: Leader
    liaison: Liaison
    contact: Contact
    need: Need
    draft_need: Need
    visit: Visit
    accounts: dict[str, Account] = field(default_factory=dict)

    def headers(self, role: str | None) -> dict[str, str]:
        """Bearer header for the account of `role` (None: anonymous)."""
        if role is None:
            return {}
        account = self.accounts[role]
        return {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}


def add(session: Session, record: object) -> None:
    session.add(record)
    session.flush()


def make_account(session: Session, username: str, role: Role, **scope: object) -> Account:
    account = Account(username=username, password_hash=password_hash(), role=role, **scope)
    add(session, account)
    return account


def make_world(session: Session) -> World:
    unit = Unit(name="蒲江县寿安镇五星村村民委员会", kind="村", district=DISTRICT, contact_phone="13900001111")
    other_unit = Unit(name="锦江区春熙路社区", kind="社区", district=OTHER_DISTRICT, contact_phone="13900002222")
    add(session, unit)
    add(session, other_unit)
    expert = Expert(
        name="李果",
        employer="四川农业大学",
        employer_type="高校",
        title="教授",
        title_level="正高",
        fields=["210"],
        specialties="猕猴桃栽培与病虫害防治，溃疡病综合防控",
        district=DISTRICT,
        phone="13812345678",
        id_number="510131197001011234",
        yearly_capacity=10,
    )
    other_expert = Expert(
        name="王建",
        employer="中铁二院",
        title="高级工程师",
        fields=["560"],
        district=OTHER_DISTRICT,
        phone="13712345678",
    )
    add(session, expert)
    add(session, other_expert)
    leader = Leader(name="赵市长", rank="常委", portfolio=["210"], assistant_phone="13600001111")
    add(session, leader)
    liaison = Liaison(leader_id=leader.id or 0, expert_id=expert.id or 0, year=clock.today().year, confirmed=True)
    add(session, liaison)
    contact = Contact(liaison_id=liaison.id or 0, date=clock.today(), mode="走访慰问", summary="走访了解科研条件")
    add(session, contact)
    need = Need(
        unit_id=unit.id or 0,
        title="猕猴桃溃疡病综合防治技术指导",
        description="村里 300 亩猕猴桃今年溃疡病发病严重，希望专家现场指导防治。",
        service_type="技术服务",
        field="210",
        district=DISTRICT,
        status=NeedStatus.open,
    )
    draft_need = Need(
        unit_id=unit.id or 0,
        title="电商直播培训",
        service_type="人才培训",
        district=DISTRICT,
        status=NeedStatus.draft,
    )
    add(session, need)
    add(session, draft_need)
    visit = Visit(need_id=need.id or 0, expert_id=expert.id or 0, year=clock.today().year, status=VisitStatus.proposed)
    add(session, visit)
    world = World(unit, other_unit, expert, other_expert, leader, liaison, contact, need, draft_need, visit)
    world.accounts = {
        Role.unit: make_account(session, "unit", Role.unit, unit_id=unit.id),
        Role.expert: make_account(session, "expert", Role.expert, expert_id=expert.id),
        Role.district_official: make_account(session, "district", Role.district_official, district=DISTRICT),
        Role.city_official: make_account(session, "city", Role.city_official),
        Role.leader: make_account(session, "leader", Role.leader, leader_id=leader.id),
    }
    session.commit()
    return world
