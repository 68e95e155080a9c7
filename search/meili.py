"""The Meilisearch backend, on the official `meilisearch` client (used when ZHIQIAO_MEILI_URL is set).

Index settings come from code (`index_settings`) and are applied, and awaited, before the first write or
search. Every write is a Meilisearch task that is awaited; a failed task or an API error becomes a
`BackendTaskError`, an unreachable or slow server a `BackendUnavailableError`.

Documents get hidden helper fields so Meilisearch can do what the schema asks:
`<date>__day` (YYYYMMDD integer, for range filters) and `<date>__ts` (epoch seconds, for sorting),
`_subwords` (the search-mode sub-words of all text, so 处理 finds 待处理 where Meilisearch's own
segmentation keeps the long word whole) and `_pinyin` (pinyin of names). Highlights are computed by
`search.highlight` on the returned document, so both backends mark and escape text the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from search.analysis import (
    SPELLED_SYMBOL_WORDS,
    QueryTerm,
    Vocabulary,
    analyse_field,
    default_vocabulary,
    keep_best_covered,
    name_pinyin,
    parse_query,
)
from search.base import INDEXES, SearchBackend
from search.documents import IndexSchema, date_keys
from search.errors import BackendTaskError, BackendUnavailableError, SearchError
from search.highlight import find_spans, highlight
from search.query import HealthStatus, Hit, ResolvedQuery, SearchResult

T = TypeVar("T")
BATCH_SIZE = 10_000
MAX_TOTAL_HITS = 100_000
MAX_FACET_VALUES = 1_000
SUBWORDS = "_subwords"
# Partial matches read to choose which words of a query no document holds whole are kept.
PARTIAL_CANDIDATES = 20
PINYIN = "_pinyin"


def _day_field(name: str) -> str:
    return f"{name}__day"


def _ts_field(name: str) -> str:
    return f"{name}__ts"


def index_settings(schema: IndexSchema, vocabulary: Vocabulary) -> dict[str, Any]:
    """The Meilisearch settings of one index: what is searched (in rank order), filtered, sorted."""
    text = [f.name for f in sorted(schema.text_fields, key=lambda f: -f.weight)]
    searchable = text + [SUBWORDS] + ([PINYIN] if schema.pinyin_fields else [])
    synonyms = {word: list(others) for word, others in vocabulary.synonyms.items()}
    return {
        "searchableAttributes": searchable,
        "filterableAttributes": list(schema.filterable) + [_day_field(f) for f in schema.date_fields],
        "sortableAttributes": [_ts_field(f) for f in schema.date_fields] + list(schema.sortable_fields),
        "displayedAttributes": ["*"],
        "synonyms": synonyms,
        "stopWords": sorted(vocabulary.stop_words),
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": MAX_FACET_VALUES},
        # Short Chinese text is otherwise sometimes detected as Japanese and segmented as such.
        "localizedAttributes": [{"attributePatterns": searchable, "locales": ["cmn"]}],
    }


def to_meili_document(schema: IndexSchema, document: dict[str, Any]) -> dict[str, Any]:
    """A validated document plus the hidden helper fields (dates as numbers, sub-words, pinyin)."""
    out = dict(document)
    for name in schema.date_fields:
        day, ts = date_keys(document.get(name))
        if day is not None:
            out[_day_field(name)] = day
            out[_ts_field(name)] = ts
    subwords: list[str] = []
    for f in schema.text_fields:
        analysed = analyse_field(document.get(f.name) or "")
        subwords += analysed.subwords.split()
        # Meilisearch reads C++ in the text as `c`: the spelled name goes in with the sub-words
        subwords += [w for w in analysed.words.split() if w in SPELLED_SYMBOL_WORDS]
    out[SUBWORDS] = " ".join(dict.fromkeys(subwords))
    if schema.pinyin_fields:
        out[PINYIN] = " ".join(name_pinyin(document.get(f) or "") for f in schema.pinyin_fields)
    return out


def _literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expressions(query: ResolvedQuery) -> list[str]:
    """Meilisearch filter expressions (ANDed) for the filters and date range of a resolved query."""
    out = []
    for name, values in {**query.keyword_filters, **query.list_filters}.items():
        out.append(f"{name} IN [{', '.join(_literal(v) for v in values)}]")
    if query.date_field is not None:
        if query.day_from is not None:
            out.append(f"{_day_field(query.date_field)} >= {query.day_from}")
        if query.day_to is not None:
            out.append(f"{_day_field(query.date_field)} <= {query.day_to}")
    for wanted in query.date_ranges:
        day = _day_field(wanted.field)
        bounds = [f"{day} >= {wanted.day_from}"] if wanted.day_from is not None else []
        bounds += [f"{day} <= {wanted.day_to}"] if wanted.day_to is not None else []
        inside = " AND ".join(bounds) or f"{day} EXISTS"
        # a document without the date has no `<date>__day` field at all (see to_meili_document)
        out.append(f"(({inside}) OR {day} NOT EXISTS)" if wanted.or_missing else inside)
    return out


def sort_expressions(query: ResolvedQuery) -> list[str]:
    """Meilisearch sort expressions for a resolved sort (empty for relevance)."""
    sort = query.sort
    if sort.field is None:
        return []
    name = _ts_field(sort.field) if sort.is_date else sort.field
    return [f"{name}:{'desc' if sort.descending else 'asc'}"]


def query_text(q: str, vocabulary: Vocabulary) -> str:
    """The query as plain words: quotes, minus signs and operators gone; a trailing space when the last
    word is complete (Meilisearch treats the last word as a prefix otherwise)."""
    return terms_text(parse_query(q, vocabulary))


def terms_text(terms: Sequence[QueryTerm]) -> str:
    """Parsed query words as the text sent to Meilisearch (see `query_text`)."""
    if not terms:
        return ""
    text = " ".join(t.text for t in terms)
    return text if terms[-1].prefix else text + " "


class MeilisearchBackend(SearchBackend):
    """Search on a Meilisearch server; index names are `<index_prefix><index>`."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        index_prefix: str = "zhiqiao_",
        vocabulary: Vocabulary | None = None,
        timeout_s: int = 10,
        task_timeout_ms: int = 120_000,
    ) -> None:
        self.url = url
        self.index_prefix = index_prefix
        self.vocabulary = vocabulary or default_vocabulary()
        self.task_timeout_ms = task_timeout_ms
        self._client = meilisearch.Client(url, api_key, timeout=timeout_s)
        self._ready: set[str] = set()

    def uid(self, schema: IndexSchema) -> str:
        """The Meilisearch index uid of one of our indexes."""
        return f"{self.index_prefix}{schema.name}"

    # -- plumbing ----------------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (MeilisearchCommunicationError, MeilisearchTimeoutError, requests.RequestException) as exc:
            raise BackendUnavailableError(f"meilisearch at {self.url} unreachable ({what}): {exc}") from exc
        except MeilisearchApiError as exc:
            raise BackendTaskError(f"meilisearch refused {what}: {exc.code}: {exc.message}") from exc
        except MeilisearchError as exc:
            raise BackendTaskError(f"meilisearch error during {what}: {exc}") from exc

    def _wait(self, what: str, task: Any, *, allow: Sequence[str] = ()) -> None:
        """Wait for a task; a failed task raises unless its error code is in `allow`."""
        done = self._call(what, lambda: self._client.wait_for_task(task.task_uid, timeout_in_ms=self.task_timeout_ms))
        if done.status == "succeeded":
            return
        error = done.error or {}
        if error.get("code") in allow:
            return
        raise BackendTaskError(
            f"meilisearch task {task.task_uid} ({what}) ended {done.status}: "
            f"{error.get('code', '?')}: {error.get('message', '')}"
        )

    def _ensure(self, schema: IndexSchema) -> Any:
        uid = self.uid(schema)
        index = self._client.index(uid)
        if uid in self._ready:
            return index
        created = self._call(f"create {uid}", lambda: self._client.create_index(uid, {"primaryKey": "id"}))
        self._wait(f"create {uid}", created, allow=("index_already_exists",))
        settings = index_settings(schema, self.vocabulary)
        task = self._call(f"settings of {uid}", lambda: index.update_settings(settings))
        self._wait(f"settings of {uid}", task)
        self._ready.add(uid)
        return index

    # -- operations --------------------------------------------------------------------------------------

    def _index(self, schema: IndexSchema, documents: list[dict[str, Any]]) -> None:
        index = self._ensure(schema)
        payload = [to_meili_document(schema, d) for d in documents]
        for start in range(0, len(payload), BATCH_SIZE):
            batch = payload[start : start + BATCH_SIZE]
            task = self._call("add documents", lambda b=batch: index.add_documents(b, primary_key="id"))  # type: ignore[misc]
            self._wait("add documents", task)

    def _delete(self, schema: IndexSchema, ids: list[str]) -> None:
        index = self._ensure(schema)
        task = self._call("delete documents", lambda: index.delete_documents(ids=list(ids)))
        self._wait("delete documents", task)

    def _reset(self, schema: IndexSchema) -> None:
        uid = self.uid(schema)
        task = self._call(f"delete {uid}", lambda: self._client.delete_index(uid))
        self._wait(f"delete {uid}", task, allow=("index_not_found",))
        self._ready.discard(uid)
        self._ensure(schema)

    def _count(self, schema: IndexSchema) -> int:
        index = self._ensure(schema)
        return int(self._call("stats", lambda: index.get_stats()).number_of_documents)

    def _ids(self, schema: IndexSchema) -> set[str]:
        index = self._ensure(schema)
        ids: set[str] = set()
        offset = 0
        while True:
            params = {"fields": ["id"], "limit": 1000, "offset": offset}
            page = self._call("list ids", lambda p=params: index.get_documents(p))  # type: ignore[misc]
            ids.update(str(dict(doc)["id"]) for doc in page.results)
            offset += len(page.results)
            if not page.results or offset >= page.total:
                return ids

    def health(self) -> HealthStatus:
        """OK when the server answers `available` and both indexes exist with our settings."""
        try:
            status = self._call("health", self._client.health)
            if status.get("status") != "available":
                return HealthStatus(False, self.name, f"{self.url}: status {status}")
            counts = {name: self.count(name) for name in INDEXES}
        except SearchError as exc:
            return HealthStatus(False, self.name, exc.message)
        return HealthStatus(True, self.name, ", ".join(f"{k}={v}" for k, v in counts.items()))

    def _search(self, schema: IndexSchema, query: ResolvedQuery) -> SearchResult:
        started = time.perf_counter()
        index = self._ensure(schema)
        params: dict[str, Any] = {
            "page": query.page,
            "hitsPerPage": query.per_page,
            "attributesToRetrieve": list(schema.all_fields),
            "showRankingScore": True,
            "matchingStrategy": "all",
        }
        filters = filter_expressions(query)
        if filters:
            params["filter"] = filters
        sort = sort_expressions(query)
        if sort:
            params["sort"] = sort
        if query.facets:
            params["facets"] = list(query.facets)
        words = parse_query(query.q, self.vocabulary)
        answer = self._call("search", lambda: index.search(terms_text(words), params))
        dropped: list[QueryTerm] = []
        if len(words) > 1 and not _total(answer):
            # No document holds every word (a pasted sentence): keep the words of the best partial match.
            words, dropped = self._best_covered(schema, index, words, filters)
            answer = self._call("search", lambda: index.search(terms_text(words), params))
        terms = [alt for t in words for alt in t.alternatives]
        hits = []
        for raw in answer.get("hits", []):
            score = float(raw.pop("_rankingScore", 0.0))
            document = {k: v for k, v in raw.items() if not k.startswith("_")}
            marked = {}
            for f in schema.text_fields if terms else ():
                text_value = document.get(f.name) or ""
                found = highlight(text_value, terms, snippet=f.snippet, pinyin=f.pinyin)
                if found is not None:
                    marked[f.name] = found
            hits.append(Hit(document["id"], score, document, marked))
        distribution = answer.get("facetDistribution") or {}
        facets = {}
        for name in query.facets:
            counts = ((str(v), int(n)) for v, n in distribution.get(name, {}).items())
            facets[name] = dict(sorted(counts, key=lambda kv: (-kv[1], kv[0])))
        return SearchResult(
            hits=hits,
            total=_total(answer),
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=query.page,
            per_page=query.per_page,
            dropped=tuple(t.text for t in dropped),
        )

    def _best_covered(
        self, schema: IndexSchema, index: Any, words: list[QueryTerm], filters: list[str]
    ) -> tuple[list[QueryTerm], list[QueryTerm]]:
        """`keep_best_covered` over the first partial matches Meilisearch ranks (its `frequency` strategy
        ranks documents holding more of the words first); which words a document holds is read off its text,
        how many documents hold each word is counted in one multi-search."""
        uid = self.uid(schema)
        where = {"filter": filters} if filters else {}
        counted: list[dict[str, Any]] = [{"indexUid": uid, "q": terms_text([t]), "limit": 0, **where} for t in words]
        counted.append({"indexUid": uid, "q": "", "limit": 0, **where})
        answers = self._call("count words", lambda: self._client.multi_search(counted))["results"]
        frequency, documents = [_total(a) for a in answers[:-1]], _total(answers[-1])
        params: dict[str, Any] = {
            "page": 1,
            "hitsPerPage": PARTIAL_CANDIDATES,
            "attributesToRetrieve": [f.name for f in schema.text_fields],
            "matchingStrategy": "frequency",
        }
        if filters:
            params["filter"] = filters
        answer = self._call("search", lambda: index.search(terms_text(words), params))
        held = []
        for raw in answer.get("hits", []):
            text = " ".join(str(raw.get(f.name) or "") for f in schema.text_fields)
            held.append(sum(1 << i for i, t in enumerate(words) if find_spans(text, t.alternatives)))
        return keep_best_covered(words, held, frequency, documents)


def _total(answer: dict[str, Any]) -> int:
    return int(answer.get("totalHits", answer.get("estimatedTotalHits", 0)))
