"""Load the demo dataset (data/demo/*.json) into the database: idempotent, keyed on natural keys."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select
from tqdm import tqdm

from service import audit, clock
from service.domain.common import enqueue_index
from service.models import Account, Concern, Contact, Expert, Leader, Liaison, Need, Unit, Visit
from service.paths import DATA_DIR
from service.security import hash_password
from service.vocab import ConcernStatus, Role, VisitOrigin, VisitStatus

DEMO_PASSWORD = "zhiqiao2026"
DEMO_DISTRICT = "510131"  # 蒲江县: the demo district official's district


def _read(name: str) -> Any:
    return json.loads((DATA_DIR / "demo" / f"{name}.json").read_text(encoding="utf-8"))


class _Table:
    """The rows of one table keyed by a natural key, so that loading twice updates instead of duplicating."""

    def __init__(self, session: Session, model: type[Any], key: tuple[str, ...]) -> None:
        self.session, self.model, self.key = session, model, key
        self.rows = {tuple(getattr(r, k) for k in key): r for r in session.exec(select(model))}

    def upsert(self, where: dict[str, Any], values: dict[str, Any]) -> Any:
        record = self.rows.get(tuple(where[k] for k in self.key))
        if record is None:
            record = self.model(**where, **values)
            self.rows[tuple(where[k] for k in self.key)] = record
        else:
            for name, value in values.items():
                setattr(record, name, value)
        self.session.add(record)
        return record


def load_demo(*, session: Session, progress: bool = False) -> list[tuple[str, str, str]]:
    """Insert or refresh every demo record, then the demo logins; returns (username, password, role) rows.
    The invented records and their invented history leave no 操作记录 (service/audit.py)."""
    with audit.paused():
        return _load(session, progress)


def _load(session: Session, progress: bool) -> list[tuple[str, str, str]]:
    expert_rows = _Table(session, Expert, ("id_number",))
    experts: dict[str, Expert] = {}
    for raw in tqdm(_read("experts"), desc="experts", disable=not progress):
        values = {k: v for k, v in raw.items() if k not in ("key", "id_number")}
        experts[raw["key"]] = expert_rows.upsert({"id_number": raw["id_number"]}, values)
    unit_rows = _Table(session, Unit, ("name",))
    units = {
        raw["key"]: unit_rows.upsert({"name": raw["name"]}, {k: v for k, v in raw.items() if k not in ("key", "name")})
        for raw in _read("units")
    }
    session.flush()
    need_rows = _Table(session, Need, ("unit_id", "title"))
    needs: dict[str, Need] = {}
    for raw in tqdm(_read("needs"), desc="needs", disable=not progress):
        values = {k: v for k, v in raw.items() if k not in ("key", "unit", "title")}
        for day in ("wanted_from", "wanted_to"):
            values[day] = date.fromisoformat(values[day]) if values.get(day) else None
        needs[raw["key"]] = need_rows.upsert({"unit_id": units[raw["unit"]].id, "title": raw["title"]}, values)
    leader_rows = _Table(session, Leader, ("name",))
    leaders = {
        raw["key"]: leader_rows.upsert(
            {"name": raw["name"]}, {k: v for k, v in raw.items() if k not in ("key", "name")}
        )
        for raw in _read("leaders")
    }
    session.flush()
    for expert in experts.values():
        enqueue_index(session, "experts", expert)
    for need in needs.values():
        enqueue_index(session, "needs", need)
    _load_history(session, experts, needs, leaders)
    logins = _demo_accounts(session, experts, units, leaders)
    session.commit()
    return logins


def _load_history(
    session: Session, experts: dict[str, Expert], needs: dict[str, Need], leaders: dict[str, Leader]
) -> None:
    history = _read("history")
    visit_rows = _Table(session, Visit, ("need_id", "expert_id"))
    liaison_rows = _Table(session, Liaison, ("expert_id", "year"))
    contact_rows = _Table(session, Contact, ("liaison_id", "date", "mode"))
    concern_rows = _Table(session, Concern, ("liaison_id", "raised_on", "category"))
    for raw in history["visits"]:
        need, expert = needs[raw["need"]], experts[raw["expert"]]
        served = date.fromisoformat(raw["date"])
        visit_rows.upsert(
            {"need_id": need.id, "expert_id": expert.id},
            {
                "year": served.year,
                "origin": VisitOrigin.official,
                "status": VisitStatus.confirmed,
                "service_date": served,
                "service_days": raw["days"],
                "content": raw["content"],
                "people_trained": raw["people_trained"],
                "technologies": raw["technologies"],
                "problems_solved": raw["problems_solved"],
                "rating": raw["rating"],
                "comment": raw["comment"],
            },
        )
    # Last year's pairs, and this year's: the same pairs kept (the planner would propose them again).
    this_year = clock.today().year
    liaisons: dict[tuple[str, str, int], Liaison] = {}
    for raw in history["liaisons_last_year"]:
        leader, expert = leaders[raw["leader"]], experts[raw["expert"]]
        for year, kept in ((raw["year"], False), (this_year, True)):
            liaison = liaison_rows.upsert(
                {"expert_id": expert.id, "year": year},
                {"leader_id": leader.id, "confirmed": True, "kept_from_last_year": kept, "active": True},
            )
            liaisons[(raw["leader"], raw["expert"], year)] = liaison
    session.flush()
    for raw in history["contacts"]:
        day = date.fromisoformat(raw["date"])
        liaison = liaisons.get((raw["leader"], raw["expert"], day.year))
        if liaison is None:
            continue
        contact_rows.upsert(
            {"liaison_id": liaison.id, "date": day, "mode": raw["mode"]},
            {"summary": raw["summary"]},
        )
    for raw in history["concerns"]:
        raised = date.fromisoformat(raw["raised_on"])
        liaison = liaisons.get((raw["leader"], raw["expert"], raised.year))
        if liaison is None:
            continue
        answered = raw["status"] == "answered"
        concern_rows.upsert(
            {"liaison_id": liaison.id, "raised_on": raised, "category": raw["category"]},
            {
                "expert_id": liaison.expert_id,
                "content": raw["content"],
                "department": raw["department"],
                "due_date": raised + timedelta(days=30),
                "status": ConcernStatus.answered if answered else ConcernStatus.open,
                "reply": raw["reply"] or "",
                "replied_on": raised + timedelta(days=20) if answered else None,
                "satisfaction": raw["satisfaction"],
            },
        )


def _demo_accounts(
    session: Session, experts: dict[str, Expert], units: dict[str, Unit], leaders: dict[str, Leader]
) -> list[tuple[str, str, str]]:
    """One login per role, tied to demo records that have something to show."""
    unit = next(
        (u for u in units.values() if u.district == DEMO_DISTRICT and u.kind == "村"), next(iter(units.values()))
    )
    expert = next(
        (e for e in experts.values() if "210" in (e.fields or []) and e.status == "在库" and e.available),
        next(iter(experts.values())),
    )
    leader = next(iter(leaders.values()))
    wanted: list[tuple[str, Role, dict[str, Any]]] = [
        ("city", Role.city_official, {"display_name": "市委组织部人才办"}),
        ("district", Role.district_official, {"district": DEMO_DISTRICT, "display_name": "蒲江县委组织部"}),
        ("unit", Role.unit, {"unit_id": unit.id, "display_name": unit.name}),
        ("expert", Role.expert, {"expert_id": expert.id, "display_name": expert.name}),
        ("leader", Role.leader, {"leader_id": leader.id, "display_name": leader.name}),
    ]
    password_hash = hash_password(DEMO_PASSWORD)
    rows = []
    for username, role, scope in wanted:
        existing = session.exec(select(Account).where(Account.username == username)).first()
        if existing is None:
            session.add(Account(username=username, password_hash=password_hash, role=role, **scope))
        rows.append((username, DEMO_PASSWORD, role.value))
    session.flush()
    return rows
