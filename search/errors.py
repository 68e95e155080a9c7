"""Typed search errors: every failure a caller can act on has its own class, all under `SearchError`."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error raised by a search backend."""

    code = "search_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownIndexError(SearchError):
    """The index name is neither `needs` nor `experts`."""

    code = "unknown_index"


class UnknownFieldError(SearchError):
    """A filter, facet, sort or date field the index does not support."""

    code = "unknown_field"


class InvalidQueryError(SearchError):
    """A query parameter out of range (page, per_page, a date that is not ISO, ...)."""

    code = "invalid_query"


class InvalidDocumentError(SearchError):
    """A document that does not fit its index schema (missing id, unknown or personal field, bad date)."""

    code = "invalid_document"


class BackendUnavailableError(SearchError):
    """The search engine cannot be reached (network down, server stopped, timeout)."""

    code = "search_unavailable"


class BackendTaskError(SearchError):
    """The search engine refused or failed an operation (a Meilisearch task ended `failed`, an API error)."""

    code = "search_task_failed"
