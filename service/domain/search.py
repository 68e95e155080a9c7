"""Search on behalf of a viewer: the viewer's scope becomes filters the caller cannot lift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from search.base import SearchBackend
from search.errors import BackendTaskError, BackendUnavailableError, SearchError
from search.query import DateRange, SearchQuery, SearchResult
from service import clock
from service.errors import AppError, Forbidden, InvalidInput
from service.models import Account
from service.vocab import NeedStatus, Role

#: What an expert (or a unit) may find among needs: those still taking experts.
PUBLIC_NEED_STATUSES = [NeedStatus.open.value, NeedStatus.matched.value, NeedStatus.in_service.value]
NEED_FACETS = ("district", "field", "service_type", "status")
EXPERT_FACETS = ("district", "fields", "title_level", "talent_tier", "employer_type", "status")


class SearchUnavailable(AppError):
    status_code = 503
    code = "search_unavailable"


@dataclass
class SearchParams:
    q: str = ""
    district: str | None = None
    field: str | None = None
    service_type: str | None = None
    status: str | None = None
    title_level: str | None = None
    talent_tier: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    #: Search the words exactly as typed: no mending of pinyin slips (`SearchQuery.mend_slips`).
    exact: bool = False


def _run(backend: SearchBackend, index: str, query: SearchQuery) -> SearchResult:
    try:
        return backend.search(index, query)
    except (BackendUnavailableError, BackendTaskError) as error:
        raise SearchUnavailable("搜索服务暂不可用，请稍后再试") from error
    except SearchError as error:
        raise InvalidInput(f"搜索条件有误：{error}") from error


def search_needs(*, backend: SearchBackend, viewer: Account, params: SearchParams) -> SearchResult:
    filters: dict[str, Any] = {}
    for name in ("district", "field", "service_type", "status"):
        value = getattr(params, name)
        if value:
            filters[name] = value
    ranges: dict[str, DateRange] = {}
    if viewer.role in (Role.expert, Role.unit):
        wanted = filters.get("status")
        if wanted and wanted not in PUBLIC_NEED_STATUSES:
            raise Forbidden("只能搜索征集中或服务中的需求")
        filters["status"] = wanted or PUBLIC_NEED_STATUSES
        # as recommendations: a need whose wanted period is over takes no volunteers (needs.period_over)
        ranges["wanted_to"] = DateRange(start=clock.today(), or_missing=True)
    if viewer.role == Role.district_official:
        if params.district and params.district != viewer.district:
            raise Forbidden("只能搜索本辖区的需求")
        filters["district"] = viewer.district
    query = SearchQuery(
        q=params.q,
        filters=filters,
        date_from=params.date_from,
        date_to=params.date_to,
        date_ranges=ranges,
        facets=NEED_FACETS,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
        mend_slips=not params.exact,
    )
    return _run(backend, "needs", query)


def search_experts(*, backend: SearchBackend, viewer: Account, params: SearchParams) -> SearchResult:
    filters: dict[str, Any] = {}
    for name, target in (
        ("district", "district"),
        ("field", "fields"),
        ("status", "status"),
        ("title_level", "title_level"),
        ("talent_tier", "talent_tier"),
    ):
        value = getattr(params, name)
        if value:
            filters[target] = value
    if viewer.role == Role.district_official:
        if params.district and params.district != viewer.district:
            raise Forbidden("只能搜索本辖区的专家")
        filters["district"] = viewer.district
    query = SearchQuery(
        q=params.q,
        filters=filters,
        facets=EXPERT_FACETS,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
        mend_slips=not params.exact,
    )
    return _run(backend, "experts", query)
