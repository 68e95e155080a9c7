"""What the Meilisearch backend sends: settings, documents, filters, sorts and query text (no server needed)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from matching.text import normalize
from search.analysis import default_vocabulary, load_vocabulary
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
from search.query import DateRange, SearchQuery, resolve_query
from tests.search.corpus import KIWI_NEED, ZHANG_WEI, need_documents

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


def test_a_programming_name_written_with_symbols_reaches_meilisearch_spelled_as_a_word() -> None:
    # Meilisearch reads C++ and C# in the text as `c`; the query sends the spelled name, found in the sub-words
    out = to_meili_document(NEEDS, validate_document(NEEDS, {**KIWI_NEED, "title": "C++与C#开发培训"}))
    assert {"cplusplus", "csharp"} <= set(out["_subwords"].split())
    assert out["title"] == "C++与C#开发培训"
    assert query_text("C++", default_vocabulary()) == "cplusplus"


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


def test_a_further_date_range_letting_missing_dates_pass() -> None:
    query = SearchQuery(
        date_ranges={
            "wanted_to": DateRange(start="2024-06-01", or_missing=True),
            "wanted_from": DateRange(start="2024-01-01", end="2024-03-31"),
        }
    )
    assert filter_expressions(resolve_query(NEEDS, query)) == [
        "((wanted_to__day >= 20240601) OR wanted_to__day NOT EXISTS)",
        "wanted_from__day >= 20240101 AND wanted_from__day <= 20240331",
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
        ("Big  Data", "big data"),
        ("太阳能发电 ", "太阳能发电 "),
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


class _FakeIndex:
    """Enough of a Meilisearch index for the query flow: words matched as substrings of the text fields,
    `matchingStrategy` all (every word) or frequency (any word, those holding more first)."""

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents
        self.sent: list[tuple[str, str]] = []

    def _held(self, document: dict[str, Any], words: list[str]) -> int:
        text = normalize(" ".join(str(document.get(f.name) or "") for f in NEEDS.text_fields))
        return sum(1 for w in words if w in text)

    def matching(self, text: str, strategy: str) -> list[dict[str, Any]]:
        words = text.split()
        if not words:
            return list(self.documents)
        held = [(self._held(d, words), d) for d in self.documents]
        if strategy == "all":
            return [d for n, d in held if n == len(words)]
        return [d for n, d in sorted(held, key=lambda nd: -nd[0]) if n]

    def search(self, text: str, params: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((text, params["matchingStrategy"]))
        found = self.matching(text, params["matchingStrategy"])
        return {"hits": [dict(d) for d in found[: params["hitsPerPage"]]], "totalHits": len(found)}


class _FakeClient:
    def __init__(self, index: _FakeIndex) -> None:
        self.index = index

    def multi_search(self, queries: list[dict[str, Any]]) -> dict[str, Any]:
        return {"results": [{"estimatedTotalHits": len(self.index.matching(q["q"], "all"))} for q in queries]}


def _backend_on_fake_needs() -> tuple[_FakeIndex, MeilisearchBackend]:
    """A Meilisearch backend whose server is `_FakeIndex` over the corpus's needs."""
    fake = _FakeIndex([validate_document(NEEDS, d) for d in need_documents()])
    backend = MeilisearchBackend(f"http://127.0.0.1:{_closed_port()}")
    backend._ensure = lambda schema: fake  # type: ignore[method-assign]
    backend._client = _FakeClient(fake)  # type: ignore[assignment]
    return fake, backend


def test_meilisearch_leaves_out_words_of_a_pasted_sentence_as_the_embedded_backend_does() -> None:
    fake, backend = _backend_on_fake_needs()
    result = backend.search("needs", SearchQuery(q="我们村的猕猴桃得了溃疡病，需要专家来指导防治"))
    assert [str(h.id) for h in result.hits][:1] == [KIWI_NEED["id"]]
    assert "猕猴桃" not in result.dropped
    assert "溃疡病" not in result.dropped
    assert result.dropped
    # all words first; then the partial matches (frequency); then the kept words, all of them again
    assert [strategy for _, strategy in fake.sent] == ["all", "frequency", "all"]
    assert "猕猴桃" in fake.sent[-1][0].split()
    assert "我们" not in fake.sent[-1][0].split()
    assert backend.search("needs", SearchQuery(q="猕猴桃 溃疡病")).dropped == ()


def test_meilisearch_mends_a_pinyin_slip_as_the_embedded_backend_does() -> None:
    fake, backend = _backend_on_fake_needs()
    result = backend.search("needs", SearchQuery(q="猕候桃"))
    assert result.mended == "猕猴桃"
    assert [str(h.id) for h in result.hits][:1] == [KIWI_NEED["id"]]
    # the mended query is the last one the server was sent
    assert fake.sent[-1][0].split() == ["猕猴桃"]
    assert backend.search("needs", SearchQuery(q="猕候桃", mend_slips=False)).mended is None
