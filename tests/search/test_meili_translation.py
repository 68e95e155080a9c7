"""What the Meilisearch backend sends: settings, documents, filters, sorts and query text (no server needed)."""

from __future__ import annotations

import socket

import pytest

from search.analysis import load_vocabulary
from search.documents import EXPERTS, NEEDS, validate_document
from search.errors import BackendUnavailableError
from search.factory import make_backend
from search.meili import (
    MeilisearchBackend,
    filter_expressions,
    index_settings,
    query_text,
    sort_expressions,
    to_meili_document,
)
from search.query import SearchQuery, resolve_query
from tests.search.corpus import KIWI_NEED, ZHANG_WEI

VOCABULARY = load_vocabulary()


def test_settings_cover_the_schema() -> None:
    settings = index_settings(NEEDS, VOCABULARY)
    assert settings["searchableAttributes"][:3] == ["title", "unit_name", "description"]
    assert set(settings["filterableAttributes"]) >= {"district", "field", "service_type", "status", "created_at__day"}
    assert "created_at__ts" in settings["sortableAttributes"]
    assert "奇异果" in settings["synonyms"]["猕猴桃"]
    assert "的" in settings["stopWords"]
    expert_settings = index_settings(EXPERTS, VOCABULARY)
    assert "_pinyin" in expert_settings["searchableAttributes"]
    assert "fields" in expert_settings["filterableAttributes"]


def test_document_gets_date_numbers_and_subwords() -> None:
    doc = validate_document(NEEDS, {**KIWI_NEED, "title": "待处理的猕猴桃溃疡病"})
    out = to_meili_document(NEEDS, doc)
    assert out["created_at__day"] == 20240315
    assert out["wanted_from__day"] == 20240401
    assert "wanted_to__ts" in out
    assert "处理" in out["_subwords"].split()
    assert {k: out[k] for k in doc} == doc


def test_null_dates_are_left_out() -> None:
    out = to_meili_document(NEEDS, validate_document(NEEDS, {**KIWI_NEED, "wanted_from": None}))
    assert "wanted_from__day" not in out


def test_expert_document_gets_pinyin() -> None:
    out = to_meili_document(EXPERTS, validate_document(EXPERTS, ZHANG_WEI))
    assert set(out["_pinyin"].split()) >= {"zhangwei", "zw", "zhang", "wei"}


def test_filters_are_quoted_and_escaped() -> None:
    query = SearchQuery(
        filters={"district": ["510104", 'x" OR status = "open'], "status": "open"},
        date_from="2024-01-01",
        date_to="2024-12-31",
    )
    expressions = filter_expressions(resolve_query(NEEDS, query))
    assert expressions == [
        'district IN ["510104", "x\\" OR status = \\"open"]',
        'status IN ["open"]',
        "created_at__day >= 20240101",
        "created_at__day <= 20241231",
    ]


def test_sorts() -> None:
    assert sort_expressions(resolve_query(NEEDS, SearchQuery(sort="newest"))) == ["created_at__ts:desc"]
    assert sort_expressions(resolve_query(NEEDS, SearchQuery(sort="wanted_to:asc"))) == ["wanted_to__ts:asc"]
    assert sort_expressions(resolve_query(EXPERTS, SearchQuery(sort="name:asc"))) == ["name:asc"]
    assert sort_expressions(resolve_query(NEEDS, SearchQuery())) == []


@pytest.mark.parametrize(
    ("q", "sent"),
    [
        ('"猕猴桃" -溃疡病', "猕猴桃 溃疡病"),
        ("猕猴桃 ", "猕猴桃 "),
        ("AND (猕猴桃) NOT", "猕猴桃 not"),
        ("", ""),
        ("🥝", ""),
    ],
)
def test_query_text_is_plain_words(q: str, sent: str) -> None:
    assert query_text(q, VOCABULARY) == sent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_factory_picks_meilisearch_when_a_url_is_given(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(make_backend("http://127.0.0.1:7700", "key", tmp_path / "x.sqlite"), MeilisearchBackend)
    assert make_backend(None, None, tmp_path / "x.sqlite").name == "embedded"
    assert make_backend("", None, ":memory:").name == "embedded"


def test_unreachable_server_is_unhealthy_and_raises_our_error() -> None:
    backend = MeilisearchBackend(f"http://127.0.0.1:{_closed_port()}", timeout_s=2)
    status = backend.health()
    assert not status.ok
    assert "unreachable" in status.detail
    with pytest.raises(BackendUnavailableError):
        backend.search("needs", SearchQuery(q="猕猴桃"))
    with pytest.raises(BackendUnavailableError):
        backend.index_documents("needs", [KIWI_NEED])
