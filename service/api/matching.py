"""/api/v1/needs/{id}/candidates and /api/v1/experts/{id}/recommendations: the matching engine at work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.api.deps import SessionDep, guard
from service.api.paging import PathId
from service.domain import matching as service
from service.matcher import MatchIndex
from service.models import Account
from service.vocab import Role

router = APIRouter(tags=["matching 匹配"])
NeedViewers = Annotated[Account, guard(Role.unit, Role.district_official, Role.city_official)]
ExpertOrOfficials = Annotated[Account, guard(Role.expert, Role.district_official, Role.city_official)]
TopK = Annotated[int, Query(ge=1, le=100, description="返回条数")]


def _matcher(request: Request) -> MatchIndex:
    matcher: MatchIndex = request.app.state.matcher
    return matcher


@router.get("/needs/{need_id}/candidates", summary="为需求推荐专家（附匹配理由）")
def candidates(
    request: Request, session: SessionDep, viewer: NeedViewers, need_id: PathId, k: TopK = 10
) -> list[service.Candidate]:
    return service.candidates_for_need(session=session, viewer=viewer, matcher=_matcher(request), need_id=need_id, k=k)


@router.get("/experts/{expert_id}/recommendations", summary="为专家推荐需求（为我推荐）")
def recommendations(
    request: Request, session: SessionDep, viewer: ExpertOrOfficials, expert_id: PathId, k: TopK = 10
) -> list[service.Recommendation]:
    return service.recommendations_for_expert(
        session=session, viewer=viewer, matcher=_matcher(request), expert_id=expert_id, k=k
    )
