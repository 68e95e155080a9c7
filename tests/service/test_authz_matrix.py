"""The authorisation matrix: every /api/v1 route × every role (and anonymous), generated from the app's routes.

Each route's rule is the one `RoleGuard` in its dependency tree. The test calls the route as every role and
checks the guard is enforced, and compares the rules with the table below (DESIGN §5), so that a new route
without a rule, or a rule widened by accident, fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from starlette.routing import BaseRoute, Mount

from service import clock
from service.api.deps import RoleGuard
from service.app import create_app
from service.models import Campaign, CampaignPair, Concern, Contact, Expert, Leader, Liaison, Need, Unit, Visit
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.concerns import raised_concern
from tests.service.world import DISTRICT, OTHER_DISTRICT, World

YEAR = clock.today().year  # the service year of visits made now

API = "/api/v1"
U, E, D, C, L = Role.unit, Role.expert, Role.district_official, Role.city_official, Role.leader
ALL = frozenset(Role)
PUBLIC = "public"
Rule = frozenset[Role] | str
M = TypeVar("M", bound=SQLModel)

# ---- the expected rules (DESIGN §5) ------------------------------------------------------------------------
# A new route needs a line here: the failure message prints the line to add.
EXPECTED: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("GET", "/api/v1/auth/me"): ALL,
    ("POST", "/api/v1/auth/password"): ALL,
    ("GET", "/api/v1/accounts"): frozenset({C}),
    ("POST", "/api/v1/accounts"): frozenset({C}),
    ("GET", "/api/v1/experts"): frozenset({D, C, L}),
    ("POST", "/api/v1/experts"): frozenset({D, C}),
    ("GET", "/api/v1/experts/{expert_id}"): ALL,
    ("PATCH", "/api/v1/experts/{expert_id}"): frozenset({D, C, E}),
    ("GET", "/api/v1/units"): frozenset({D, C}),
    ("POST", "/api/v1/units"): frozenset({D, C}),
    ("PATCH", "/api/v1/accounts/{account_id}"): frozenset({C}),
    ("POST", "/api/v1/accounts/{account_id}/password"): frozenset({C}),
    ("GET", "/api/v1/units/{unit_id}"): frozenset({D, C, U}),
    ("PATCH", "/api/v1/units/{unit_id}"): frozenset({D, C, U}),
    ("GET", "/api/v1/needs"): frozenset({U, E, D, C}),
    ("POST", "/api/v1/needs"): frozenset({U, D, C}),
    ("GET", "/api/v1/needs/{need_id}"): frozenset({U, E, D, C}),
    ("PATCH", "/api/v1/needs/{need_id}"): frozenset({U, D, C}),
    ("POST", "/api/v1/needs/{need_id}/submit"): frozenset({U, D, C}),
    ("POST", "/api/v1/needs/{need_id}/approve"): frozenset({D, C}),
    ("POST", "/api/v1/needs/{need_id}/reject"): frozenset({D, C}),
    ("POST", "/api/v1/needs/{need_id}/withdraw"): frozenset({U, D, C}),
    ("GET", "/api/v1/visits"): frozenset({U, E, D, C}),
    ("POST", "/api/v1/visits"): frozenset({E, D, C}),
    ("GET", "/api/v1/visits/{visit_id}"): frozenset({U, E, D, C}),
    ("POST", "/api/v1/visits/{visit_id}/accept"): frozenset({E}),
    ("POST", "/api/v1/visits/{visit_id}/decline"): frozenset({E}),
    ("POST", "/api/v1/visits/{visit_id}/schedule"): frozenset({E, D, C}),
    ("POST", "/api/v1/visits/{visit_id}/record"): frozenset({E, D, C}),
    ("POST", "/api/v1/visits/{visit_id}/confirm"): frozenset({U}),
    ("POST", "/api/v1/visits/{visit_id}/return"): frozenset({U}),
    ("POST", "/api/v1/visits/{visit_id}/cancel"): frozenset({D, C}),
    ("GET", "/api/v1/leaders"): frozenset({C, L}),
    ("POST", "/api/v1/leaders"): frozenset({C}),
    ("GET", "/api/v1/leaders/{leader_id}"): frozenset({C, L}),
    ("PATCH", "/api/v1/leaders/{leader_id}"): frozenset({C}),
    ("GET", "/api/v1/liaisons"): frozenset({C, L, E}),
    ("POST", "/api/v1/liaisons"): frozenset({C}),
    ("GET", "/api/v1/liaisons/{liaison_id}"): frozenset({C, L, E}),
    ("PATCH", "/api/v1/liaisons/{liaison_id}"): frozenset({C}),
    ("POST", "/api/v1/liaisons/plan"): frozenset({C}),
    ("POST", "/api/v1/liaisons/plan/confirm"): frozenset({C}),
    ("GET", "/api/v1/contacts"): frozenset({C, L, E}),
    ("POST", "/api/v1/contacts"): frozenset({C, L}),
    ("GET", "/api/v1/contacts/{contact_id}"): frozenset({C, L, E}),
    ("GET", "/api/v1/concerns"): frozenset({C, L, E}),
    ("POST", "/api/v1/concerns"): frozenset({C, L}),
    ("GET", "/api/v1/concerns/{concern_id}"): frozenset({C, L, E}),
    ("POST", "/api/v1/concerns/{concern_id}/assign"): frozenset({C}),
    ("POST", "/api/v1/concerns/{concern_id}/reply"): frozenset({C}),
    ("POST", "/api/v1/concerns/{concern_id}/rate"): frozenset({E}),
    ("GET", "/api/v1/search/needs"): frozenset({U, E, D, C}),
    ("GET", "/api/v1/search/experts"): frozenset({D, C}),
    # matching: units and officials see candidates for a need, experts their recommendations
    ("GET", "/api/v1/needs/{need_id}/candidates"): frozenset({U, D, C}),
    ("GET", "/api/v1/experts/{expert_id}/recommendations"): frozenset({E, D, C}),
    # imports and exports: officials (a district official's rows are limited to the district)
    ("POST", "/api/v1/imports/{kind}"): frozenset({D, C}),
    ("GET", "/api/v1/exports/experts.xlsx"): frozenset({D, C}),
    ("GET", "/api/v1/exports/needs.xlsx"): frozenset({D, C}),
    ("GET", "/api/v1/exports/units.xlsx"): frozenset({D, C}),
    ("GET", "/api/v1/exports/visits.xlsx"): frozenset({D, C}),
    # 考核问效 reports: aggregates, a district official's limited to the district
    ("GET", "/api/v1/reports/districts"): frozenset({D, C}),
    ("GET", "/api/v1/reports/districts.xlsx"): frozenset({D, C}),
    ("GET", "/api/v1/reports/departments"): frozenset({D, C}),
    ("GET", "/api/v1/reports/departments.xlsx"): frozenset({D, C}),
    ("GET", "/api/v1/reports/liaisons"): frozenset({D, C}),
    ("GET", "/api/v1/reports/liaisons.xlsx"): frozenset({D, C}),
    # 操作记录: the city's whole log
    ("GET", "/api/v1/audit"): frozenset({C}),
    ("GET", "/api/v1/audit.xlsx"): frozenset({C}),
    # campaigns 千名专家下基层: officials run them in their area
    ("GET", "/api/v1/campaigns"): frozenset({D, C}),
    ("POST", "/api/v1/campaigns"): frozenset({D, C}),
    ("GET", "/api/v1/campaigns/{campaign_id}"): frozenset({D, C}),
    ("GET", "/api/v1/campaigns/{campaign_id}/pairs"): frozenset({D, C}),
    ("POST", "/api/v1/campaigns/{campaign_id}/run"): frozenset({D, C}),
    ("POST", "/api/v1/campaigns/{campaign_id}/publish"): frozenset({D, C}),
    ("POST", "/api/v1/campaigns/{campaign_id}/pairs/{pair_id}/lock"): frozenset({D, C}),
    ("POST", "/api/v1/campaigns/{campaign_id}/pairs/{pair_id}/unlock"): frozenset({D, C}),
    ("POST", "/api/v1/campaigns/{campaign_id}/pairs/{pair_id}/remove"): frozenset({D, C}),
}


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """The test's own session; its objects stay readable after a commit without opening a transaction,
    because on SQLite every transaction takes the write lock and would block the app's requests."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


# ---- the routes, as the app has them -----------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    guards: tuple[RoleGuard, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def rule(self) -> Rule:
        (guard,) = self.guards
        return PUBLIC if guard.public else guard.roles

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _guards_in(dependant: Dependant | None) -> Iterator[RoleGuard]:
    """Every RoleGuard in the dependency tree (a guard is the `.call` of a dependency)."""
    if dependant is None:
        return
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, RoleGuard):
            yield dependency.call
        yield from _guards_in(dependency)


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Dependant | None]]:
    """(method, full path, dependant) for every route, through included routers and mounted apps."""
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, Mount):
            yield from _walk(list(route.routes), prefix + (context.path or ""))
            continue
        methods = context.methods or set()
        dependant = getattr(context, "dependant", None)
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            yield method, prefix + (context.path or ""), dependant


def api_routes(app: FastAPI) -> list[ApiRoute]:
    """Every /api/v1 route of `app`, with the guards found in its dependency tree."""
    found = [
        ApiRoute(method, path, tuple(_guards_in(dependant)))
        for method, path, dependant in _walk(list(app.routes))
        if path == API or path.startswith(API + "/")
    ]
    return sorted(found, key=lambda r: (r.path, r.method))


APP = create_app()
ROUTES = api_routes(APP)


def _rule_source(rule: Rule) -> str:
    if rule == PUBLIC:
        return "PUBLIC"
    if rule == ALL:
        return "ALL"
    letters = {U: "U", E: "E", D: "D", C: "C", L: "L"}
    assert isinstance(rule, frozenset)
    return "frozenset({" + ", ".join(letters[r] for r in sorted(rule)) + "})"


def test_routes_were_found() -> None:
    """The walk sees the routers of app.py (a walk that finds nothing would pass everything)."""
    keys = {r.key for r in ROUTES}
    assert ("GET", "/api/v1/needs/{need_id}") in keys
    assert ("POST", "/api/v1/visits/{visit_id}/accept") in keys
    assert len(ROUTES) >= 45


def test_every_route_has_exactly_one_guard() -> None:
    wrong = {str(r): len(r.guards) for r in ROUTES if len(r.guards) != 1}
    assert not wrong, (
        "each /api/v1 route needs exactly one role guard (a parameter typed Annotated[Account, guard(...)] "
        f"or dependencies=[PUBLIC]); guards found: {wrong}"
    )


def test_rules_equal_the_expected_table() -> None:
    """Widening or narrowing a rule, adding or removing a route: each shows up here with the line to change."""
    actual = {r.key: r.rule for r in ROUTES if len(r.guards) == 1}
    problems = []
    for key, rule in sorted(actual.items()):
        if key not in EXPECTED:
            problems.append(f"new route, add to EXPECTED in {__name__}: {key!r}: {_rule_source(rule)},")
        elif EXPECTED[key] != rule:
            problems.append(
                f"rule changed for {key}: guard admits {_rule_source(rule)}, table says {_rule_source(EXPECTED[key])}"
            )
    for key in sorted(set(EXPECTED) - {r.key for r in ROUTES}):
        problems.append(f"route gone, remove from EXPECTED: {key!r}")
    assert not problems, "\n".join(problems)


# ---- calling every route as every role ---------------------------------------------------------------------


def _concern(session: Session, world: World) -> int:
    concern = raised_concern(world, content="希望协调人才公寓")
    session.add(concern)
    session.commit()
    return concern.id or 0


def _campaign(session: Session, world: World) -> int:
    campaign = Campaign(name="千名专家下基层", district=DISTRICT, year=clock.today().year)
    session.add(campaign)
    session.commit()
    return campaign.id or 0


def _campaign_pair(session: Session, world: World, campaign_id: object) -> int:
    pair = CampaignPair(campaign_id=int(str(campaign_id)), need_id=world.need.id or 0, expert_id=world.expert.id or 0)
    session.add(pair)
    session.commit()
    return pair.id or 0


#: How to fill each path parameter, given the values already filled to its left in the path: from the world,
#: or a record made for the purpose (in the world's district, so that the district official may act on it).
PATH_VALUES: dict[str, Callable[[Session, World, str, dict[str, object]], object]] = {
    "need_id": lambda s, w, path, left: w.need.id,
    "expert_id": lambda s, w, path, left: w.expert.id,
    "visit_id": lambda s, w, path, left: w.visit.id,
    "unit_id": lambda s, w, path, left: w.unit.id,
    "leader_id": lambda s, w, path, left: w.leader.id,
    "liaison_id": lambda s, w, path, left: w.liaison.id,
    "contact_id": lambda s, w, path, left: w.contact.id,
    "concern_id": lambda s, w, path, left: _concern(s, w),
    "campaign_id": lambda s, w, path, left: _campaign(s, w),
    "pair_id": lambda s, w, path, left: _campaign_pair(s, w, left["campaign_id"]),
    "account_id": lambda s, w, path, left: w.accounts[Role.unit].id,
    "kind": lambda s, w, path, left: "experts.xlsx" if "export" in path else "experts",
    "district": lambda s, w, path, left: DISTRICT,
    "year": lambda s, w, path, left: clock.today().year,
}


def _fill_path(route: ApiRoute, session: Session, world: World) -> str:
    names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
    unknown = [n for n in names if n not in PATH_VALUES]
    assert not unknown, f"{route}: no value for path parameter(s) {unknown}; add them to PATH_VALUES in {__name__}"
    filled: dict[str, object] = {}
    for name in names:
        filled[name] = PATH_VALUES[name](session, world, route.path, filled)
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(filled[m.group(1)]), route.path)


def _call(client: TestClient, route: ApiRoute, url: str, headers: dict[str, str]) -> Any:
    if route.method in ("POST", "PATCH", "PUT"):
        return client.request(route.method, url, headers=headers, json={})
    return client.request(route.method, url, headers=headers)


def _problems(client: TestClient, route: ApiRoute, url: str, world: World) -> list[str]:
    """What is wrong with how `route` answers anonymous and each role (empty when its guard holds)."""
    if len(route.guards) != 1:
        return [f"{route} has {len(route.guards)} guards"]
    rule = route.rule
    problems = []
    anonymous = _call(client, route, url, {})
    if rule == PUBLIC and anonymous.status_code in (401, 403):
        problems.append(f"{route} anonymous: {anonymous.status_code} {anonymous.text}")
    if rule != PUBLIC and (anonymous.status_code != 401 or anonymous.json()["detail"] != "请先登录"):
        problems.append(f"{route} anonymous should get 401: {anonymous.status_code} {anonymous.text}")
    allowed = rule if isinstance(rule, frozenset) else ALL
    # Refused roles first: a refusal must change nothing, so the allowed roles then see the same world.
    for role in sorted(ALL - allowed) + sorted(allowed):
        answer = _call(client, route, url, world.headers(role))
        if role in allowed and (answer.status_code in (401, 403) or answer.status_code >= 500):
            problems.append(f"{route} as {role} should pass the guard: {answer.status_code} {answer.text[:200]}")
        if role not in allowed and (
            answer.status_code != 403 or answer.json()["code"] != "forbidden" or "仅限" not in answer.json()["detail"]
        ):
            problems.append(f"{route} as {role} should get 403: {answer.status_code} {answer.text[:200]}")
    return problems


WRITES = [r for r in ROUTES if r.method != "GET"]
READS = [r for r in ROUTES if r.method == "GET"]


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_write_route_admits_only_its_roles(route: ApiRoute, client: TestClient, session: Session, world: World) -> None:
    """Each route that changes things gets a fresh world: the allowed roles' calls may change it."""
    problems = _problems(client, route, _fill_path(route, session, world), world)
    assert not problems, "\n".join(problems)


def test_read_routes_admit_only_their_roles(client: TestClient, session: Session, world: World) -> None:
    """The GET routes change nothing, so they share one world (a fresh database per route costs more than
    the calls)."""
    problems = []
    for route in READS:
        problems += _problems(client, route, _fill_path(route, session, world), world)
    assert len(READS) >= 25
    assert not problems, "\n".join(problems)


# ---- object-level scope ------------------------------------------------------------------------------------


def _other_units_need(
    session: Session, world: World, status: NeedStatus = NeedStatus.submitted, title: str = "社区老年人智能手机培训"
) -> Need:
    need = Need(
        unit_id=world.other_unit.id or 0,
        title=title,
        service_type="人才培训",
        district=OTHER_DISTRICT,
        status=status,
    )
    session.add(need)
    session.commit()
    return need


def _status_of(session: Session, model: type[Need] | type[Visit], record_id: int | None) -> str:
    return _reread(session, model, record_id).status


def _reread(session: Session, model: type[M], record_id: int | None) -> M:
    """The stored record, read in a short transaction of its own (on SQLite each one holds the write lock)."""
    with Session(session.get_bind()) as fresh:
        record = fresh.get(model, record_id)
        assert record is not None
        return record


def test_unit_cannot_see_or_change_another_units_need(client: TestClient, session: Session, world: World) -> None:
    need = _other_units_need(session, world)
    unit = world.headers(U)
    assert client.get(f"{API}/needs/{need.id}", headers=unit).status_code in (403, 404)
    patched = client.patch(f"{API}/needs/{need.id}", json={"title": "改掉别人的标题"}, headers=unit)
    assert patched.status_code in (403, 404)
    assert client.post(f"{API}/needs/{need.id}/withdraw", headers=unit).status_code in (403, 404)
    listed = client.get(f"{API}/needs", params={"unit_id": need.unit_id}, headers=unit).json()
    assert need.id not in [n["id"] for n in listed["data"]]
    stored = _reread(session, Need, need.id)
    assert (stored.title, stored.status) == ("社区老年人智能手机培训", NeedStatus.submitted)


def test_unit_cannot_confirm_another_units_visit(client: TestClient, session: Session, world: World) -> None:
    need = _other_units_need(session, world, NeedStatus.in_service)
    visit = Visit(need_id=need.id or 0, expert_id=world.other_expert.id or 0, year=YEAR, status=VisitStatus.done)
    session.add(visit)
    session.commit()
    answer = client.post(f"{API}/visits/{visit.id}/confirm", json={"rating": 5}, headers=world.headers(U))
    assert answer.status_code in (403, 404)
    assert _status_of(session, Visit, visit.id) == VisitStatus.done


def test_district_official_cannot_act_outside_their_district(
    client: TestClient, session: Session, world: World
) -> None:
    need = _other_units_need(session, world)
    district = world.headers(D)
    assert client.post(f"{API}/needs/{need.id}/approve", headers=district).status_code == 403
    assert _status_of(session, Need, need.id) == NeedStatus.submitted
    assert client.get(f"{API}/needs/{need.id}", headers=district).status_code == 403
    assert client.get(f"{API}/units/{world.other_unit.id}", headers=district).status_code == 403
    assert client.get(f"{API}/units", params={"district": OTHER_DISTRICT}, headers=district).status_code == 403
    assert (
        client.patch(f"{API}/experts/{world.other_expert.id}", json={"title": "x"}, headers=district).status_code == 403
    )
    new_expert = {"name": "张三", "district": OTHER_DISTRICT}
    assert client.post(f"{API}/experts", json=new_expert, headers=district).status_code == 403
    moved = client.patch(f"{API}/experts/{world.expert.id}", json={"district": OTHER_DISTRICT}, headers=district)
    assert moved.status_code == 403
    moved = client.patch(f"{API}/units/{world.unit.id}", json={"district": OTHER_DISTRICT}, headers=district)
    assert moved.status_code == 403
    assert session.get(Unit, world.unit.id).district == DISTRICT  # type: ignore[union-attr]
    new_need = {"unit_id": world.other_unit.id, "title": "越权发布", "service_type": "技术服务"}
    assert client.post(f"{API}/needs", json=new_need, headers=district).status_code == 403
    open_need = _other_units_need(session, world, NeedStatus.open, title="社区垃圾分类宣讲")
    proposal = {"need_id": open_need.id, "expert_id": world.other_expert.id}
    assert client.post(f"{API}/visits", json=proposal, headers=district).status_code == 403
    listed = client.get(f"{API}/visits", headers=district).json()["data"]
    assert all(v["need_id"] == world.need.id for v in listed)
    assert _reread(session, Expert, world.expert.id).district == DISTRICT
    with Session(session.get_bind()) as fresh:
        assert fresh.exec(select(Visit).where(Visit.need_id == open_need.id)).first() is None


def test_expert_cannot_accept_another_experts_visit(client: TestClient, session: Session, world: World) -> None:
    visit = Visit(need_id=world.need.id or 0, expert_id=world.other_expert.id or 0, year=YEAR)
    session.add(visit)
    session.commit()
    expert = world.headers(E)
    assert client.post(f"{API}/visits/{visit.id}/accept", headers=expert).status_code == 403
    assert client.post(f"{API}/visits/{visit.id}/decline", json={"reason": "没空"}, headers=expert).status_code == 403
    assert client.get(f"{API}/visits/{visit.id}", headers=expert).status_code == 403
    assert _status_of(session, Visit, visit.id) == VisitStatus.proposed
    volunteer_for_other = {"need_id": world.need.id, "expert_id": world.other_expert.id}
    assert client.post(f"{API}/visits", json=volunteer_for_other, headers=expert).status_code == 403


def test_leader_cannot_touch_another_leaders_liaison(client: TestClient, session: Session, world: World) -> None:
    other_leader = Leader(name="钱副市长", rank="其他市级")
    session.add(other_leader)
    session.flush()
    liaison = Liaison(leader_id=other_leader.id or 0, expert_id=world.other_expert.id or 0, year=YEAR)
    session.add(liaison)
    session.flush()
    contact = Contact(liaison_id=liaison.id or 0, date=clock.today(), mode="电话")
    session.add(contact)
    session.commit()
    leader = world.headers(L)
    body = {"liaison_id": liaison.id, "date": clock.today().isoformat(), "mode": "走访慰问", "summary": "越权"}
    assert client.post(f"{API}/contacts", json=body, headers=leader).status_code == 403
    concern = {"contact_id": contact.id, "category": "住房", "content": "越权登记"}
    assert client.post(f"{API}/concerns", json=concern, headers=leader).status_code == 403
    assert client.get(f"{API}/liaisons/{liaison.id}", headers=leader).status_code == 403
    assert client.get(f"{API}/leaders/{other_leader.id}", headers=leader).status_code == 403
    # nor open the other leader's expert's profile (their own pair's expert they may)
    assert client.get(f"{API}/experts/{world.other_expert.id}", headers=leader).status_code == 403
    assert client.get(f"{API}/experts/{world.expert.id}", headers=leader).status_code == 200
    with Session(session.get_bind()) as fresh:
        assert len(fresh.exec(select(Contact).where(Contact.liaison_id == liaison.id)).all()) == 1
        assert fresh.exec(select(Concern)).first() is None
    # The world's expert sees their own pair, not this one.
    assert client.get(f"{API}/liaisons/{world.liaison.id}", headers=world.headers(E)).status_code == 200
    assert client.get(f"{API}/liaisons/{liaison.id}", headers=world.headers(E)).status_code == 403


def test_a_unit_moved_to_another_district_takes_its_needs_in_progress_along(
    client: TestClient, session: Session, world: World
) -> None:
    done = Need(unit_id=world.unit.id or 0, title="去年的培训", service_type="人才培训", district=DISTRICT)
    done.status = NeedStatus.done
    session.add(done)
    session.commit()
    answer = client.patch(f"{API}/units/{world.unit.id}", json={"district": OTHER_DISTRICT}, headers=world.headers(C))
    assert answer.status_code == 200, answer.text
    session.expire_all()
    districts = {n.title: n.district for n in session.exec(select(Need).where(Need.unit_id == world.unit.id))}
    # the open need and the draft move with the unit; the finished one stays where the work was done
    assert districts == {
        world.need.title: OTHER_DISTRICT,
        world.draft_need.title: OTHER_DISTRICT,
        "去年的培训": DISTRICT,
    }
    # and the district official the unit left no longer sees them
    assert client.get(f"{API}/needs/{world.need.id}", headers=world.headers(D)).status_code == 403


def test_an_experts_profile_opens_only_to_those_who_deal_with_them(
    client: TestClient, session: Session, world: World
) -> None:
    """Officials, the expert, a leader paired with them, a unit whose need they were proposed for; not another
    expert or unit, whatever the id they try."""
    other_expert_url = f"{API}/experts/{world.other_expert.id}"
    expert_url = f"{API}/experts/{world.expert.id}"
    assert client.get(other_expert_url, headers=world.headers(E)).status_code == 403
    assert client.get(expert_url, headers=world.headers(E)).status_code == 200
    # the world's unit has the world's expert proposed for its need, and nothing to do with the other expert
    assert client.get(expert_url, headers=world.headers(U)).status_code == 200
    assert "无权" in client.get(other_expert_url, headers=world.headers(U)).json()["detail"]
    for official in (D, C):
        assert client.get(other_expert_url, headers=world.headers(official)).status_code == 200
    # once proposed for the unit's need, the other expert opens to the unit too (contact masked)
    session.add(Visit(need_id=world.need.id or 0, expert_id=world.other_expert.id or 0, year=clock.today().year))
    session.commit()
    answer = client.get(other_expert_url, headers=world.headers(U))
    assert answer.status_code == 200
    assert answer.json()["phone"] == "137****5678"
