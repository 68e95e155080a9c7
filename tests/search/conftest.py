"""Backends under test: embedded always; Meilisearch only where ZHIQIAO_MEILI_URL points at a server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from search.base import SearchBackend
from search.embedded import EmbeddedBackend
from tests.search.corpus import expert_documents, need_documents

BACKENDS = ("embedded", "meilisearch")
NO_MEILI = "ZHIQIAO_MEILI_URL is not set: no Meilisearch server to run the meilisearch lane against"


def _make(kind: str) -> SearchBackend:
    if kind == "embedded":
        return EmbeddedBackend(":memory:")
    url = os.environ.get("ZHIQIAO_MEILI_URL")
    if not url:
        pytest.skip(NO_MEILI)
    from search.meili import MeilisearchBackend

    # A fresh prefix per backend keeps test runs (and parallel workers) from seeing each other's documents.
    prefix = f"zqtest_{uuid.uuid4().hex[:10]}_"
    return MeilisearchBackend(url, os.environ.get("ZHIQIAO_MEILI_API_KEY"), index_prefix=prefix)


def _drop(backend: SearchBackend) -> None:
    from search.meili import MeilisearchBackend

    if isinstance(backend, MeilisearchBackend):
        for schema_name in ("needs", "experts"):
            backend._client.delete_index(backend.index_prefix + schema_name)
    backend.close()


@pytest.fixture(params=BACKENDS)
def make_backend(request: pytest.FixtureRequest) -> Iterator[Callable[[], SearchBackend]]:
    """A factory of empty backends of the parametrised kind, dropped after the test."""
    made: list[SearchBackend] = []

    def factory() -> SearchBackend:
        backend = _make(request.param)
        made.append(backend)
        return backend

    yield factory
    for backend in made:
        _drop(backend)


@pytest.fixture
def backend(make_backend: Callable[[], SearchBackend]) -> SearchBackend:
    """An empty backend (function scope: for tests that write)."""
    return make_backend()


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest) -> Iterator[SearchBackend]:
    """A backend holding the fixture needs and experts (module scope: for read-only tests)."""
    backend = _make(request.param)
    backend.index_documents("needs", need_documents())
    backend.index_documents("experts", expert_documents())
    yield backend
    _drop(backend)
