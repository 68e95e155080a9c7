"""The cast the liaison planner is tested with, through the API and through its page: two leaders, experts of
every tier, and last year's liaisons."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from service.models import Expert, Leader, Liaison
from tests.service.world import DISTRICT


@dataclass
class Cast:
    chief: Leader  # 主要领导, clinical medicine: new experts to pair, and one kept from last year
    deputy: Leader  # 其他市级, linguistics: nobody fits, so short of the minimum
    experts: dict[str, Expert]


def expert(name: str, tier: str | None, field: str, text: str, status: str = "在库") -> Expert:
    """An expert of the world's district, found by `text`."""
    return Expert(name=name, talent_tier=tier, fields=[field], specialties=text, district=DISTRICT, status=status)


def make_cast(session: Session, year: int, more: dict[str, Expert] | None = None) -> Cast:
    """Store the two leaders and the clinical-medicine experts (with `more` before the retired one, so ids keep
    that order), and last year's liaisons of 钱书记: 领军乙 (still 在库: kept) and 退出辛 (retired: not kept)."""
    chief = Leader(name="钱书记", rank="主要领导", portfolio=["320"])
    deputy = Leader(name="孙副市长", rank="其他市级", portfolio=["740"])
    experts = {
        "academician": expert("院士甲", "院士", "320", "心血管内科临床医学研究"),
        "national_med": expert("领军乙", "国家级领军", "320", "肿瘤临床诊疗与临床医学研究"),
        "local_med": expert("领军丙", "地方级领军", "320", "呼吸内科临床医学"),
        **(more or {}),
        "retired": expert("退出辛", "院士", "320", "临床医学", status="退出"),
    }
    session.add_all([chief, deputy, *experts.values()])
    session.commit()
    for record in (chief, deputy, *experts.values()):
        session.refresh(record)
    session.add(Liaison(leader_id=chief.id or 0, expert_id=experts["national_med"].id or 0, year=year - 1))
    session.add(Liaison(leader_id=chief.id or 0, expert_id=experts["retired"].id or 0, year=year - 1))
    session.commit()
    return Cast(chief, deputy, experts)
