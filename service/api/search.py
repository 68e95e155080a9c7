"""/api/v1/search: full-text search over needs (experts and officials) and experts (officials)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, field_validator

from search.base import SearchBackend
from search.query import SearchResult
from service.api.deps import Officials, guard
from service.domain import search as service
from service.models import Account
from service.validation import blank_as_none, check_district, check_field
from service.vocab import Role

router = APIRouter(prefix="/search", tags=["search 搜索"])
NeedSearchers = Annotated[Account, guard(Role.expert, Role.unit, Role.district_official, Role.city_official)]
Text = Annotated[str, Query(max_length=2000, description="搜索词，可含多个词；最后一个词按前缀匹配")]
Page = Annotated[int, Query(ge=1, le=10000)]
PerPage = Annotated[int, Query(ge=1, le=100)]
Sort = Annotated[str, Query(max_length=40, description="relevance | newest | oldest | 字段:asc/desc")]


class SearchFilters(BaseModel):
    """The query parameters both searches take; each route's model adds the filters only its index has.

    FastAPI reads a route's one `Annotated[Model, Query()]` parameter as the model's fields, each its own query
    parameter with its own checks, so the API takes the same parameters as when each route listed them."""

    q: Text = ""
    district: str | None = None
    field: str | None = None
    status: str | None = None
    sort: Sort = "relevance"
    page: Page = 1
    per_page: PerPage = 20
    exact: bool = Field(
        default=False, description="只按输入的词搜索：不按同音字纠正错别字（默认在无结果或需忽略词时纠正，见 mended）"
    )

    # a district's name reads as its code, a field's name as its code; an unknown one answers 422
    _district = field_validator("district")(blank_as_none(check_district))
    _field = field_validator("field")(blank_as_none(check_field))


class NeedFilters(SearchFilters):
    service_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class ExpertFilters(SearchFilters):
    title_level: str | None = None
    talent_tier: str | None = None


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
    dropped: list[str] = Field(
        default_factory=list, description="没有结果同时包含全部搜索词时被忽略的词（如粘贴的整句话）；全部匹配时为空"
    )
    mended: str | None = Field(
        default=None,
        description="输入的词无结果（或需忽略词）时，按同音字纠正错别字后实际搜索的词（如“猕候桃”→“猕猴桃”）；"
        "按原词搜索时为空。exact=true 时不纠正",
    )


SearchOn = Callable[..., SearchResult]  # service.search_needs / search_experts (backend, viewer, params)


async def _search(request: Request, search_on: SearchOn, viewer: Account, filters: SearchFilters) -> SearchAnswer:
    """Run a search in a worker thread (it reads the index, which blocks) and shape the answer.

    The route itself is async and takes no database session: the guard's account comes from the account
    cache, so a search costs one thread hop and no SQL. A process runs `search_threads` searches at a time
    (app.state.search_slots, made in service.app's lifespan): a search is CPU work under the GIL, and sixteen
    of them at once in one process only took turns slower (one uvicorn worker, 16 connections, 100,000 needs,
    `tests.benchmarks search`: 1 thread 667 req/s, p95 28 ms; ZHIQIAO_SEARCH_THREADS=4: 461 req/s, p95 45 ms)."""
    backend: SearchBackend = request.app.state.search
    params = service.SearchParams(**filters.model_dump())
    run = partial(search_on, backend=backend, viewer=viewer, params=params)
    return _answer(await anyio.to_thread.run_sync(run, limiter=request.app.state.search_slots))


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
        dropped=list(result.dropped),
        mended=result.mended,
    )


_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "搜索服务暂不可用"}}


@router.get("/needs", summary="搜索需求（专家、单位只见征集或服务中、期望服务期未结束的需求）", responses=_UNAVAILABLE)
async def search_needs(
    request: Request, viewer: NeedSearchers, filters: Annotated[NeedFilters, Query()]
) -> SearchAnswer:
    return await _search(request, service.search_needs, viewer, filters)


@router.get("/experts", summary="搜索专家（组织部门）", responses=_UNAVAILABLE)
async def search_experts(
    request: Request, viewer: Officials, filters: Annotated[ExpertFilters, Query()]
) -> SearchAnswer:
    return await _search(request, service.search_experts, viewer, filters)
