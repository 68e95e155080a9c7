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
    match_cache_bytes: int | None = None,
) -> SearchBackend:
    """A `MeilisearchBackend` on `url` when it is set, else an `EmbeddedBackend` stored at `path`
    (`match_cache_bytes`: its per-process memory for query words' matches; None: the default)."""
    if url:
        from search.meili import MeilisearchBackend

        return MeilisearchBackend(url, api_key, index_prefix=index_prefix)
    from search.embedded import MATCH_CACHE_BYTES, EmbeddedBackend

    return EmbeddedBackend(
        path, match_cache_bytes=MATCH_CACHE_BYTES if match_cache_bytes is None else match_cache_bytes
    )
