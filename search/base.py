"""The one interface every search backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from search.documents import SCHEMAS, DocumentId, IndexSchema, schema_for, validate_document
from search.query import HealthStatus, ResolvedQuery, SearchQuery, SearchResult, resolve_query
from search.spelling import mend_query

INDEXES: tuple[str, ...] = tuple(SCHEMAS)


class SearchBackend(ABC):
    """Index, delete, search, count, reset and health-check the `needs` and `experts` indexes.

    Every method validates its index name and arguments first and raises a `search.errors.SearchError`
    subclass for anything it cannot do; a backend never silently ignores a filter, facet or sort.
    """

    name: ClassVar[str]

    @abstractmethod
    def _index(self, schema: IndexSchema, documents: list[dict[str, Any]]) -> None: ...

    @abstractmethod
    def _delete(self, schema: IndexSchema, ids: list[str]) -> None: ...

    @abstractmethod
    def _search(self, schema: IndexSchema, query: ResolvedQuery) -> SearchResult: ...

    @abstractmethod
    def _count(self, schema: IndexSchema) -> int: ...

    @abstractmethod
    def _reset(self, schema: IndexSchema) -> None: ...

    @abstractmethod
    def _ids(self, schema: IndexSchema) -> set[str]: ...

    @abstractmethod
    def health(self) -> HealthStatus:
        """Whether the backend can serve requests now; never raises."""

    def index_documents(self, index: str, documents: Sequence[Mapping[str, Any]]) -> int:
        """Insert or replace a batch of documents (by id); all are validated before any is written."""
        schema = schema_for(index)
        checked = [validate_document(schema, d) for d in documents]
        # The last version of an id in one batch wins, as it would over two batches.
        unique = list({str(d["id"]): d for d in checked}.values())
        if unique:
            self._index(schema, unique)
        return len(unique)

    def delete_documents(self, index: str, ids: Iterable[DocumentId]) -> None:
        """Remove documents by id; ids not in the index are ignored."""
        schema = schema_for(index)
        keys = list(dict.fromkeys(str(i) for i in ids))
        if keys:
            self._delete(schema, keys)

    def search(self, index: str, query: SearchQuery | None = None) -> SearchResult:
        """One page of documents matching `query`, with facet counts and highlights.

        When the query as typed finds nothing, or finds something only by leaving words out, and mending its
        pinyin slips changes it (`search.spelling.mend_query`), the mended query is searched too; its answer is
        kept, with `mended` set, when it finds documents while leaving fewer words out."""
        schema = schema_for(index)
        query = query or SearchQuery()
        result = self._search(schema, resolve_query(schema, query))
        if not query.mend_slips or not (result.dropped or result.total == 0):
            return result
        mended = mend_query(query.q)
        if mended is None:
            return result
        second = self._search(schema, resolve_query(schema, replace(query, q=mended)))
        if second.total and (result.total == 0 or len(second.dropped) < len(result.dropped)):
            return replace(second, mended=mended, took_ms=result.took_ms + second.took_ms)
        return result

    def count(self, index: str) -> int:
        """How many documents `index` holds."""
        return self._count(schema_for(index))

    def document_ids(self, index: str) -> set[str]:
        """The ids (as strings) of every document in `index`, for comparing the index with the database."""
        return self._ids(schema_for(index))

    def reset(self, index: str | None = None) -> None:
        """Empty one index, or both when `index` is None (settings are re-applied)."""
        for name in [index] if index is not None else list(INDEXES):
            self._reset(schema_for(name))

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release connections; the backend must not be used afterwards."""
