"""Queries with search syntax, junk or huge input are searched as text and never raise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.base import SearchBackend
from search.query import SearchQuery, SearchResult
from tests.search.corpus import KIWI_NEED

HOSTILE = [
    '"',
    '""',
    '"猕猴桃',
    "*",
    "猕猴*",
    "NEAR(猕猴桃 溃疡病, 2)",
    "AND",
    "OR",
    "NOT",
    "猕猴桃 AND NOT 溃疡病",
    "(((",
    ")",
    "^猕猴桃",
    "title:猕猴桃",
    "{title}: 猕猴桃",
    "- 猕猴桃",
    "猕猴桃" * 700,
    "a" * 2000,
    "测试 " * 400,
    "🥝🍑🚜",
    "\x00\x01\x1b[31m猕猴桃\x7f",
    "",
    "   ",
    "\t\n",
    "'; DROP TABLE needs_doc; --",
    "%_%",
    "\\",
    "\ud7ff\ufffd\U0010ffff",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_query_is_searched_as_text(loaded: SearchBackend, q: str) -> None:
    result = loaded.search("needs", SearchQuery(q=q, facets=["district"], sort="relevance"))
    assert isinstance(result, SearchResult)
    assert result.total >= len(result.hits)


@pytest.mark.parametrize("q", ['"猕猴桃"', "猕猴桃*", "^猕猴桃", "猕猴桃:", "(猕猴桃)", "🥝猕猴桃🥝"])
def test_syntax_around_a_word_is_ignored(loaded: SearchBackend, q: str) -> None:
    assert KIWI_NEED["id"] in [h.id for h in loaded.search("needs", SearchQuery(q=q)).hits]


def test_index_survives_hostile_queries(loaded: SearchBackend) -> None:
    loaded.search("needs", SearchQuery(q="'; DROP TABLE needs_doc; --"))
    assert loaded.count("needs") > 0


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=st.text(max_size=300), per_page=st.integers(1, 100), page=st.integers(1, 50))
def test_arbitrary_text_never_raises(loaded: SearchBackend, q: str, per_page: int, page: int) -> None:
    result = loaded.search("needs", SearchQuery(q=q, page=page, per_page=per_page, facets=["status"]))
    assert len(result.hits) <= per_page
    for hit in result.hits:
        for marked in hit.highlights.values():
            assert "<script" not in marked
