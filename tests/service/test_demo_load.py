"""`zhiqiao demo`: the demo dataset loads, loads again without duplicating, and every role can log in."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from service.demo.load import DEMO_PASSWORD, load_demo
from service.models import Account, Expert, Liaison, Need, Unit, Visit
from service.paths import DATA_DIR


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_demo_loads_idempotently_and_every_role_logs_in(session: Session, client: TestClient) -> None:
    logins = load_demo(session=session)
    counts = {m.__name__: _count(session, m) for m in (Expert, Unit, Need, Visit, Liaison, Account)}
    load_demo(session=session)
    assert {m.__name__: _count(session, m) for m in (Expert, Unit, Need, Visit, Liaison, Account)} == counts
    assert counts["Expert"] == len(json.loads((DATA_DIR / "demo" / "experts.json").read_text(encoding="utf-8")))
    assert counts["Need"] >= 300
    assert {role for _, _, role in logins} == {"unit", "expert", "district_official", "city_official", "leader"}
    for username, password, _role in logins:
        assert password == DEMO_PASSWORD
        answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert answer.status_code == 200, (username, answer.text)
    # The leader has experts to look after this year.
    token = client.post("/api/v1/auth/token", data={"username": "leader", "password": DEMO_PASSWORD}).json()
    mine = client.get("/api/v1/liaisons", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert mine.json()["count"] >= 2
