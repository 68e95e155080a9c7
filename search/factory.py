"""Pick the backend that is configured: Meilisearch when a server URL is given, else the embedded one."""

from __future__ import annotations

from pathlib import Path

from search.base import SearchBackend


def make_backend(
    url: str | None,
    api_key: str | None = None,
    path: str | Path = ":memory:",
    *,
    index_prefix: str = "zhiqiao_",
) -> SearchBackend:
    """A `MeilisearchBackend` on `url` when it is set, else an `EmbeddedBackend` stored at `path`."""
    if url:
        from search.meili import MeilisearchBackend

        return MeilisearchBackend(url, api_key, index_prefix=index_prefix)
    from search.embedded import EmbeddedBackend

    return EmbeddedBackend(path)
