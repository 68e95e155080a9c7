"""/api/v1/search: full-text search over needs (experts and officials) and experts (officials)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from search.base import SearchBackend
from search.query import SearchResult
from service.api.deps import Officials, SessionDep, guard
from service.domain import search as service
from service.models import Account
from service.vocab import Role

router = APIRouter(prefix="/search", tags=["search 搜索"])
NeedSearchers = Annotated[Account, guard(Role.expert, Role.unit, Role.district_official, Role.city_official)]
Text = Annotated[str, Query(max_length=2000, description="搜索词，可含多个词；最后一个词按前缀匹配")]
Page = Annotated[int, Query(ge=1, le=10000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
Sort = Annotated[str, Query(max_length=40, description="relevance | newest | oldest | 字段:asc/desc")]


class SearchHit(BaseModel):
    id: str
    score: float
    document: dict[str, Any]
    highlights: dict[str, str]


class SearchAnswer(BaseModel):
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    took_ms: float
    page: int
    per_page: int


def _backend(request: Request, session: SessionDep) -> SearchBackend:
    """The search backend, once the request's database session is done with.

    Search reads only the index; the guard's account lookup opened a database transaction (on SQLite, BEGIN
    IMMEDIATE: the write lock), which would otherwise be held for the whole search and serialise every
    concurrent search. Closing the session ends it; the account stays usable (its columns are loaded)."""
    session.close()
    backend: SearchBackend = request.app.state.search
    return backend


def _answer(result: SearchResult) -> SearchAnswer:
    return SearchAnswer(
        hits=[
            SearchHit(id=str(h.id), score=h.score, document=h.document, highlights=h.highlights) for h in result.hits
        ],
        total=result.total,
        facets=result.facets,
        took_ms=result.took_ms,
        page=result.page,
        per_page=result.per_page,
    )


_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "搜索服务暂不可用"}}


@router.get("/needs", summary="搜索需求（专家、单位只见征集中的需求）", responses=_UNAVAILABLE)
def search_needs(
    request: Request,
    session: SessionDep,
    viewer: NeedSearchers,
    q: Text = "",
    district: str | None = None,
    field: str | None = None,
    service_type: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: Sort = "relevance",
    page: Page = 1,
    per_page: PerPage = 20,
) -> SearchAnswer:
    params = service.SearchParams(
        q=q,
        district=district,
        field=field,
        service_type=service_type,
        status=status,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    return _answer(service.search_needs(backend=_backend(request, session), viewer=viewer, params=params))


@router.get("/experts", summary="搜索专家（组织部门）", responses=_UNAVAILABLE)
def search_experts(
    request: Request,
    session: SessionDep,
    viewer: Officials,
    q: Text = "",
    district: str | None = None,
    field: str | None = None,
    status: str | None = None,
    title_level: str | None = None,
    talent_tier: str | None = None,
    sort: Sort = "relevance",
    page: Page = 1,
    per_page: PerPage = 20,
) -> SearchAnswer:
    params = service.SearchParams(
        q=q,
        district=district,
        field=field,
        status=status,
        title_level=title_level,
        talent_tier=talent_tier,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    return _answer(service.search_experts(backend=_backend(request, session), viewer=viewer, params=params))
