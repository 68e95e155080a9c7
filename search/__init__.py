"""Search backends behind one interface: `make_backend` gives a `SearchBackend` for `needs` and `experts`.

Typical use (the service's is `service.search_sync.open_search_backend`)::

    backend = make_backend(meili_url, meili_api_key, Path("var/search.db"))
    backend.index_documents("needs", [need_document, ...])
    query = SearchQuery(q="猕猴桃", filters={"district": "510131"}, facets=["status"])
    result = backend.search("needs", query)
"""

from search.base import INDEXES, SearchBackend
from search.documents import EXPERTS, NEEDS, SCHEMAS, DocumentId, ExpertDocument, IndexSchema, NeedDocument
from search.errors import (
    BackendTaskError,
    BackendUnavailableError,
    InvalidDocumentError,
    InvalidQueryError,
    SearchError,
    UnknownFieldError,
    UnknownIndexError,
)
from search.factory import make_backend
from search.query import DateRange, HealthStatus, Hit, SearchQuery, SearchResult

__all__ = [
    "EXPERTS",
    "INDEXES",
    "NEEDS",
    "SCHEMAS",
    "BackendTaskError",
    "BackendUnavailableError",
    "DateRange",
    "DocumentId",
    "ExpertDocument",
    "HealthStatus",
    "Hit",
    "IndexSchema",
    "InvalidDocumentError",
    "InvalidQueryError",
    "NeedDocument",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "UnknownFieldError",
    "UnknownIndexError",
    "make_backend",
]
