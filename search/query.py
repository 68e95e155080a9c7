"""The search request and answer shared by every backend, and the one place a request is validated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from search.documents import DocumentId, IndexSchema
from search.errors import InvalidQueryError, UnknownFieldError

MAX_PER_PAGE = 100
MAX_PAGE = 10_000

FilterValue = str | int | list[str] | list[int] | tuple[str, ...]


@dataclass(frozen=True)
class DateRange:
    """Inclusive days on one date field (either end may be open); `or_missing`: a document without that date
    passes too (a need wanted "until further notice")."""

    start: str | dt.date | None = None
    end: str | dt.date | None = None
    or_missing: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """What to look for: text, filters, a date range, facets to count, an order and a page.

    `filters` maps a field to one value or a list (any of them); fields are ANDed. `sort` is `relevance`,
    `newest`, `oldest` (on the index's default date field) or `FIELD:asc` / `FIELD:desc`.
    `date_from` / `date_to` are inclusive ISO dates on `date_field` (default: the index's default date field);
    `date_ranges` adds ranges on other date fields (ANDed), e.g. {"wanted_to": DateRange(today, or_missing=True)}.
    `mend_slips`: when the query as typed finds nothing or leaves words out, search with its pinyin slips mended
    (`search.spelling`) if that finds more; False searches the words exactly as typed.
    """

    q: str = ""
    filters: Mapping[str, FilterValue] = field(default_factory=dict)
    date_field: str | None = None
    date_from: str | dt.date | None = None
    date_to: str | dt.date | None = None
    date_ranges: Mapping[str, DateRange] = field(default_factory=dict)
    facets: tuple[str, ...] | list[str] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    mend_slips: bool = True


@dataclass(frozen=True)
class Hit:
    """One found document: its id, a score (higher is better, comparable within one answer only),
    the document as indexed, and HTML-safe highlighted text per matched field (`<mark>` around matches)."""

    id: DocumentId
    score: float
    document: dict[str, Any]
    highlights: dict[str, str]


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, the total number of matches, facet counts per field and value, and time taken; the
    query words that were left out when no document held them all (empty when every word matched)."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    took_ms: float
    page: int = 1
    per_page: int = 20
    # Query words left out because no document held every word (`search.analysis.keep_best_covered`).
    dropped: tuple[str, ...] = ()
    # The query searched instead of the one typed, its pinyin slips mended (`search.spelling`); None if as typed.
    mended: str | None = None


@dataclass(frozen=True)
class HealthStatus:
    """Whether a backend can serve requests, and a line saying why not."""

    ok: bool
    backend: str
    detail: str = ""


@dataclass(frozen=True)
class SortSpec:
    """One resolved order: a field, or relevance (`field` None)."""

    field: str | None
    descending: bool
    is_date: bool = False


@dataclass(frozen=True)
class ResolvedRange:
    """A `DateRange` in days (YYYYMMDD, inclusive)."""

    field: str
    day_from: int | None
    day_to: int | None
    or_missing: bool


@dataclass(frozen=True)
class ResolvedQuery:
    """A `SearchQuery` checked against an index schema, in the terms backends work with."""

    q: str
    keyword_filters: dict[str, tuple[str, ...]]
    list_filters: dict[str, tuple[str, ...]]
    date_field: str | None
    day_from: int | None  # YYYYMMDD, inclusive
    day_to: int | None
    facets: tuple[str, ...]
    sort: SortSpec
    page: int
    per_page: int
    date_ranges: tuple[ResolvedRange, ...] = ()

    @property
    def offset(self) -> int:
        """Rows to skip before this page."""
        return (self.page - 1) * self.per_page


def _day(value: str | dt.date | None, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            raise InvalidQueryError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from None
    return value.year * 10000 + value.month * 100 + value.day


def _values(name: str, raw: FilterValue) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str | int) else list(raw)
    out = tuple(dict.fromkeys(str(v) for v in items if v is not None and str(v) != ""))
    if not out:
        raise InvalidQueryError(f"filter {name!r} has no value")
    return out


def resolve_sort(schema: IndexSchema, sort: str) -> SortSpec:
    """`relevance`, `newest`, `oldest` or `FIELD:asc|desc` as a SortSpec, or `UnknownFieldError`."""
    sort = (sort or "relevance").strip()
    if sort == "relevance":
        return SortSpec(None, True)
    if sort in ("newest", "oldest"):
        if schema.default_date_field is None:
            raise UnknownFieldError(f"index {schema.name!r} has no date to sort by {sort!r}; use relevance")
        return SortSpec(schema.default_date_field, sort == "newest", is_date=True)
    name, _, direction = sort.partition(":")
    if direction not in ("asc", "desc"):
        raise UnknownFieldError(
            f"sort {sort!r} not understood; use relevance, newest, oldest or FIELD:asc / FIELD:desc"
        )
    if name in schema.date_fields:
        return SortSpec(name, direction == "desc", is_date=True)
    if name in schema.sortable_fields:
        return SortSpec(name, direction == "desc")
    sortable = ", ".join(schema.date_fields + schema.sortable_fields) or "none"
    raise UnknownFieldError(f"index {schema.name!r} cannot sort by {name!r}; sortable fields: {sortable}")


def resolve_query(schema: IndexSchema, query: SearchQuery) -> ResolvedQuery:
    """Check `query` against `schema`; unknown fields and out-of-range pages raise typed errors."""
    if not isinstance(query.page, int) or not 1 <= query.page <= MAX_PAGE:
        raise InvalidQueryError(f"page must be between 1 and {MAX_PAGE}, got {query.page!r}")
    if not isinstance(query.per_page, int) or not 1 <= query.per_page <= MAX_PER_PAGE:
        raise InvalidQueryError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {query.per_page!r}")
    keyword: dict[str, tuple[str, ...]] = {}
    listed: dict[str, tuple[str, ...]] = {}
    for name, raw in (query.filters or {}).items():
        if name in schema.keyword_fields:
            keyword[name] = _values(name, raw)
        elif name in schema.keyword_list_fields:
            listed[name] = _values(name, raw)
        else:
            raise UnknownFieldError(
                f"index {schema.name!r} cannot filter on {name!r}; filterable: {', '.join(schema.filterable)}"
            )
    for name in query.facets:
        if name not in schema.filterable:
            raise UnknownFieldError(
                f"index {schema.name!r} has no facet {name!r}; facets: {', '.join(schema.filterable)}"
            )
    day_from = _day(query.date_from, "date_from")
    day_to = _day(query.date_to, "date_to")
    date_field = None
    if day_from is not None or day_to is not None or query.date_field:
        date_field = query.date_field or schema.default_date_field
        if date_field not in schema.date_fields:
            known = ", ".join(schema.date_fields) or "none"
            raise UnknownFieldError(f"index {schema.name!r} has no date field {date_field!r}; date fields: {known}")
    ranges = []
    for name, wanted in (query.date_ranges or {}).items():
        if name not in schema.date_fields:
            known = ", ".join(schema.date_fields) or "none"
            raise UnknownFieldError(f"index {schema.name!r} has no date field {name!r}; date fields: {known}")
        start, end = _day(wanted.start, f"{name} from"), _day(wanted.end, f"{name} to")
        ranges.append(ResolvedRange(name, start, end, wanted.or_missing))
    return ResolvedQuery(
        q=query.q if isinstance(query.q, str) else "",
        keyword_filters=keyword,
        list_filters=listed,
        date_field=date_field,
        day_from=day_from,
        day_to=day_to,
        facets=tuple(dict.fromkeys(query.facets)),
        sort=resolve_sort(schema, query.sort),
        page=query.page,
        per_page=query.per_page,
        date_ranges=tuple(ranges),
    )
