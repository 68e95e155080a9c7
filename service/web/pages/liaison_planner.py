"""The liaison planner page 领导干部联系专家: propose a year's leader–expert pairs, untick some, confirm the rest.

Running the planner stores nothing (`liaison_planning.plan`), so it is a GET with the year in the address; only
confirming (`liaison_planning.confirm`) is a POST. The proposal is drawn again from each run, never kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from service import clock
from service.api.deps import SessionDep
from service.domain import experts as expert_service
from service.domain import liaison_planning as planning
from service.domain import liaisons as liaison_service
from service.errors import AppError, InvalidInput
from service.models import Account
from service.vocab import Role
from service.web.forms import FORM_ERROR, FormState, parse_into
from service.web.matching_view import matcher_of
from service.web.routing import PageRoute
from service.web.session import PostedForm, page_guard
from service.web.templating import render

router = APIRouter(prefix="/official/liaisons/plan", route_class=PageRoute, include_in_schema=False)
CityAccount = Annotated[Account, page_guard(Role.city_official)]

YEAR_LABELS = {"year": "年度"}
NO_PAIR_TICKED = "请至少勾选一对联系关系再确认"
BAD_PAIR = "提交的配对有误，请重新生成方案后再确认"


def pair_value(pair: planning.ProposedLiaison) -> str:
    """What a pair's checkbox sends: leader id, expert id and the affinity the planner gave it."""
    return f"{pair.leader_id}:{pair.expert_id}:{pair.score}"


def _pairs_from(values: list[str], state: FormState) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for value in values:
        parts = value.split(":")
        if len(parts) != 3:
            state.add(FORM_ERROR, BAD_PAIR)
            continue
        pairs.append({"leader_id": parts[0], "expert_id": parts[1], "score": parts[2] or None})
    return pairs


def _by_leader(proposal: planning.LiaisonProposal) -> list[tuple[str, str, list[planning.ProposedLiaison]]]:
    """The proposed pairs grouped per leader: (leader name, rank, pairs), leaders in the planner's order."""
    groups: dict[int, list[planning.ProposedLiaison]] = defaultdict(list)
    for pair in proposal.pairs:
        groups[pair.leader_id].append(pair)
    return [(pairs[0].leader_name, pairs[0].leader_rank, pairs) for pairs in groups.values()]


def _plan_page(
    request: Request,
    account: Account,
    *,
    form: FormState,
    proposal: planning.LiaisonProposal | None = None,
    result: planning.ConfirmResult | None = None,
    conflict_names: dict[tuple[int, int], tuple[str, str]] | None = None,
    ticked: set[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "official/liaison_plan.html",
        {
            "form": form,
            "proposal": proposal,
            "groups": _by_leader(proposal) if proposal else [],
            "pair_value": pair_value,
            "result": result,
            "conflict_names": conflict_names or {},
            "ticked": ticked,
        },
        account=account,
        status_code=status_code,
    )


@router.get("")
def plan_page(request: Request, session: SessionDep, account: CityAccount, year: str = "") -> Response:
    """The year form; with a year, the planner's proposal to tick and confirm."""
    if not year:
        return _plan_page(request, account, form=FormState(values={"year": str(clock.planning_year())}))
    form = FormState(values={"year": year})
    body = parse_into(planning.PlanRequest, form.values, form, labels=YEAR_LABELS)
    if body is None:
        return _plan_page(request, account, form=form, status_code=422)
    try:
        proposal = planning.plan(session=session, actor=account, matcher=matcher_of(request), year=body.year)
    except InvalidInput as error:  # a year pairs cannot be made for: said beside the year
        form.add("year", error.message)
        return _plan_page(request, account, form=form, status_code=error.status_code)
    return _plan_page(request, account, form=form, proposal=proposal)


def _conflict_names(
    session: SessionDep, account: Account, result: planning.ConfirmResult
) -> dict[tuple[int, int], tuple[str, str]]:
    """Leader and expert names of each refused pair (the result itself carries only their ids)."""
    leader_names: dict[int, str] = {}
    names: dict[tuple[int, int], tuple[str, str]] = {}
    for c in result.conflicts:
        if c.leader_id not in leader_names:
            leader_names[c.leader_id] = liaison_service.get_leader(
                session=session, viewer=account, leader_id=c.leader_id
            ).name
        expert = expert_service.get_expert(session=session, viewer=account, expert_id=c.expert_id)
        names[(c.leader_id, c.expert_id)] = (leader_names[c.leader_id], expert.name)
    return names


@router.post("/confirm")
def confirm(request: Request, session: SessionDep, account: CityAccount, form: PostedForm) -> Response:
    """Store the ticked pairs; the page then lists what was stored and each pair refused, with why."""
    raw_year = form.get("year")
    state = FormState(values={"year": raw_year if isinstance(raw_year, str) else ""})
    ticked = [v for v in form.getlist("pair") if isinstance(v, str) and v]
    if not ticked:
        state.add(FORM_ERROR, NO_PAIR_TICKED)
    pairs = _pairs_from(ticked, state)
    body = None
    if state.ok:
        body = parse_into(planning.ConfirmRequest, {"year": state.values["year"], "pairs": pairs}, state, YEAR_LABELS)
        if body is None and FORM_ERROR not in state.errors and "pairs" in state.errors:
            state.errors[FORM_ERROR] = BAD_PAIR
    if body is not None:
        try:
            result = planning.confirm(session=session, actor=account, data=body)
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            names = _conflict_names(session, account, result)
            return _plan_page(request, account, form=state, result=result, conflict_names=names)
    # Drawn again so that the official can tick pairs and try once more; their ticks are kept.
    proposal = None
    year = parse_into(planning.PlanRequest, state.values, FormState())
    if year is not None:
        try:
            proposal = planning.plan(session=session, actor=account, matcher=matcher_of(request), year=year.year)
        except InvalidInput:
            proposal = None  # the refusal is already on the page, from the confirmation
    return _plan_page(request, account, form=state, proposal=proposal, ticked=set(ticked), status_code=422)
