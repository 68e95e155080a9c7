"""The behaviour every backend must show, checked against counts computed here in plain Python."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from search.base import SearchBackend
from search.errors import InvalidDocumentError, InvalidQueryError, UnknownFieldError, UnknownIndexError
from search.query import DateRange, SearchQuery, SearchResult
from tests.search.corpus import HTML_NEED, KIWI_NEED, ZHANG_WEI, expert_documents, need_documents, text_contains

NEEDS = need_documents()
EXPERTS = expert_documents()
NEED_TEXT = ("title", "description", "unit_name")


def ids(result: SearchResult) -> list[str]:
    return [str(h.id) for h in result.hits]


def all_pages(backend: SearchBackend, index: str, query: SearchQuery) -> list[str]:
    """Every hit id over all pages, in order."""
    out: list[str] = []
    page = 1
    while True:
        result = backend.search(index, SearchQuery(**{**query.__dict__, "page": page}))
        out += ids(result)
        if page * query.per_page >= result.total:
            return out
        page += 1


def python_facets(docs: list[dict[str, Any]], name: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for d in docs:
        values = d[name] if isinstance(d[name], list) else [d[name]]
        counts.update(str(v) for v in set(values) if v is not None)
    return dict(counts)


# -- Chinese queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["猕猴桃", "溃疡病", "猕猴桃 溃疡", "猕猴桃溃疡病防治", "溃疡"])
def test_kiwi_need_found_by_its_words(loaded: SearchBackend, q: str) -> None:
    result = loaded.search("needs", SearchQuery(q=q))
    assert KIWI_NEED["id"] in ids(result)


def test_every_word_of_the_query_must_match(loaded: SearchBackend) -> None:
    result = loaded.search("needs", SearchQuery(q="柑橘 培训", per_page=100))
    citrus = {str(d["id"]) for d in NEEDS if text_contains(d, NEED_TEXT, "柑橘")}
    training = {str(d["id"]) for d in NEEDS if text_contains(d, NEED_TEXT, "培训")}
    assert citrus & training, "fixture must have needs with both words"
    assert set(ids(result)) == citrus & training


def test_title_match_ranks_above_description_only_match(backend: SearchBackend) -> None:
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "d", "title": "果园冬季管理", "description": "顺带看看猕猴桃的长势"},
            {**base, "id": "t", "title": "猕猴桃园管理", "description": "冬季清园"},
        ],
    )
    assert ids(backend.search("needs", SearchQuery(q="猕猴桃"))) == ["t", "d"]


def test_query_text_matches_python_substring_oracle(loaded: SearchBackend) -> None:
    result = loaded.search("needs", SearchQuery(q="培训", per_page=100))
    expected = {str(d["id"]) for d in NEEDS if text_contains(d, NEED_TEXT, "培训")}
    assert 0 < len(expected) < len(NEEDS)
    assert result.total == len(expected)
    assert set(ids(result)) == expected


def test_synonym_finds_the_other_word(loaded: SearchBackend) -> None:
    assert KIWI_NEED["id"] in ids(loaded.search("needs", SearchQuery(q="奇异果")))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("big data", {"bigdata-zh", "bigdata-en"}),
        ("Big Data ", {"bigdata-zh", "bigdata-en"}),
        ("大数据", {"bigdata-zh", "bigdata-en"}),
        ("太阳能发电", {"solar"}),
        ("光伏", {"solar"}),
        ("农业技术", {"agri-tech"}),
    ],
)
def test_a_synonym_of_several_words_is_expanded_both_ways(backend: SearchBackend, q: str, expected: set[str]) -> None:
    # `big data` and 太阳能发电 are each cut into two words: typed as a query they must still find the
    # group's other words (大数据, 光伏), as the one-word synonyms do.
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "bigdata-zh", "title": "大数据平台建设", "description": ""},
            {**base, "id": "bigdata-en", "title": "Big Data 平台培训", "description": ""},
            {**base, "id": "solar", "title": "光伏电站运维", "description": ""},
            {**base, "id": "agri-tech", "title": "农技推广", "description": ""},
        ],
    )
    assert set(ids(backend.search("needs", SearchQuery(q=q)))) == expected


@pytest.mark.parametrize(
    ("q", "employer"),
    [
        ("川农大", "四川农业大学"),
        ("西南交大", "西南交通大学"),
        ("电子科大", "电子科技大学"),
        ("四川省农科院", "四川省农业科学院"),
    ],
)
def test_an_employer_is_found_by_its_common_short_name(backend: SearchBackend, q: str, employer: str) -> None:
    # 电子科大 is no substring of 电子科技大学: only the synonym group finds it
    others = {k: v for k, v in ZHANG_WEI.items() if k not in ("id", "employer")}
    backend.index_documents(
        "experts", [{**others, "id": "e1", "employer": employer}, {**others, "id": "e2", "employer": "成都大学"}]
    )
    result = backend.search("experts", SearchQuery(q=q))
    assert ids(result) == ["e1"]
    assert result.dropped == ()  # found as a whole, not by leaving a word out


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kiwifruit", {"kiwi-zh"}),
        ("fruit trees", {"orchard"}),
        ("Mental Health ", {"mind", "mind-en"}),
        ("greenhouse", {"tunnel"}),
        ("rice pest control", {"paddy"}),
        ("心理健康", {"mind", "mind-en"}),  # and a Chinese word finds what is written in English
    ],
)
def test_an_english_query_finds_needs_written_in_chinese(backend: SearchBackend, q: str, expected: set[str]) -> None:
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "kiwi-zh", "title": "猕猴桃冬季清园", "description": ""},
            {**base, "id": "orchard", "title": "果树整形修剪培训", "description": ""},
            {**base, "id": "mind", "title": "中小学生心理健康讲座", "description": ""},
            {**base, "id": "mind-en", "title": "Mental health workshop for teachers", "description": ""},
            {**base, "id": "tunnel", "title": "大棚土壤盐渍化治理", "description": ""},
            {**base, "id": "paddy", "title": "水稻病虫害防治现场指导", "description": ""},
        ],
    )
    assert set(ids(backend.search("needs", SearchQuery(q=q)))) == expected


@pytest.mark.parametrize(
    ("q", "expected", "marked"),
    [
        ("C++", {"cpp"}, "<mark>C++</mark>"),
        ("c++ 培训", {"cpp"}, "<mark>C++</mark>"),
        ("Ｃ＃", {"csharp"}, "<mark>C#</mark>"),
        (".net", {"dotnet"}, "<mark>.NET</mark>"),
    ],
)
def test_programming_names_written_with_symbols_are_words_of_their_own(
    backend: SearchBackend, q: str, expected: set[str], marked: str
) -> None:
    # C++ and C# were both the word `c`: each found the other, C语言 and every C-word
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "cpp", "title": "C++开发培训", "description": ""},
            {**base, "id": "csharp", "title": "C#桌面程序培训", "description": ""},
            {**base, "id": "dotnet", "title": ".NET平台迁移", "description": ""},
            {**base, "id": "c", "title": "C语言入门培训", "description": "ASP.NET 网站维护"},
        ],
    )
    result = backend.search("needs", SearchQuery(q=q))
    assert set(ids(result)) == expected
    assert marked in result.hits[0].highlights["title"]


PASTED = "我们村的猕猴桃得了溃疡病，需要专家来指导防治"


def test_a_pasted_sentence_finds_what_holds_its_rarest_words(loaded: SearchBackend) -> None:
    # No need holds all ten words of the sentence: the words of the best partial match are kept, and the
    # answer says which were left out.
    result = loaded.search("needs", SearchQuery(q=PASTED, per_page=100))
    assert ids(result)[0] == KIWI_NEED["id"]
    assert result.dropped
    assert set(result.dropped) <= {"我们", "村", "得", "了", "需要", "来", "专家", "指导"}
    kept = [w for w in ("猕猴桃", "溃疡病", "防治") if w not in result.dropped]
    assert kept == ["猕猴桃", "溃疡病", "防治"]
    for hit in result.hits:
        assert all(text_contains(hit.document, NEED_TEXT, w) for w in kept)


def test_a_typo_is_left_out_when_the_other_words_find_something(loaded: SearchBackend) -> None:
    result = loaded.search("needs", SearchQuery(q="溃疡病 猕候桃", mend_slips=False))
    assert KIWI_NEED["id"] in ids(result)
    assert result.dropped
    assert "溃疡病" not in result.dropped
    assert result.mended is None


def test_a_slip_of_the_pinyin_input_method_is_mended_when_the_query_as_typed_falls_short(
    loaded: SearchBackend,
) -> None:
    # 猕候桃 alone finds nothing that holds 猕候; beside 溃疡病 it would be left out: both are searched as 猕猴桃
    for typed, searched in (("猕候桃", "猕猴桃"), ("溃疡病 猕候桃", "溃疡病 猕猴桃")):
        result = loaded.search("needs", SearchQuery(q=typed))
        assert result.mended == searched
        assert result.dropped == ()
        assert KIWI_NEED["id"] in ids(result)
        assert all(text_contains(h.document, NEED_TEXT, "猕猴桃") for h in result.hits)
        assert "<mark>猕猴桃</mark>" in result.hits[0].highlights["title"]
        # exactly as typed, on request
        exact = loaded.search("needs", SearchQuery(q=typed, mend_slips=False))
        assert exact.mended is None
        assert KIWI_NEED["id"] not in ids(exact) or exact.dropped


def test_a_query_that_finds_what_it_asks_for_is_never_mended(loaded: SearchBackend) -> None:
    # 溃疡病 finds the kiwi need as typed; 火星 finds nothing and no same-sounding word finds more
    assert loaded.search("needs", SearchQuery(q="猕猴桃 溃疡病")).mended is None
    nothing = loaded.search("needs", SearchQuery(q="火星"))
    assert (nothing.total, nothing.mended) == (0, None)


def test_words_are_left_out_only_when_nothing_holds_them_all(loaded: SearchBackend) -> None:
    assert loaded.search("needs", SearchQuery(q="猕猴桃 溃疡病")).dropped == ()
    assert loaded.search("needs", SearchQuery(q="火星 木星")).total == 0


def test_words_are_left_out_within_the_filters(loaded: SearchBackend) -> None:
    # the kiwi need is in 510131: elsewhere the sentence finds other needs, never one outside the filter
    result = loaded.search("needs", SearchQuery(q=PASTED, filters={"district": "510105"}, per_page=100))
    assert result.hits
    assert KIWI_NEED["id"] not in ids(result)
    assert all(h.document["district"] == "510105" for h in result.hits)
    assert result.total == len(result.hits)


# -- filters and facets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"district": "510131"},
        {"district": ["510104", "GX"]},
        {"status": "open", "service_type": "技术服务"},
        {"field": ["210", "220", "230"], "status": ["open", "submitted"]},
    ],
)
def test_filters_and_facets_match_python_counts(loaded: SearchBackend, filters: dict[str, Any]) -> None:
    facets = ["district", "status", "service_type", "field"]
    result = loaded.search("needs", SearchQuery(filters=filters, facets=facets, per_page=100))

    def keep(d: dict[str, Any]) -> bool:
        return all(d[k] in ([v] if isinstance(v, str) else v) for k, v in filters.items())

    expected = [d for d in NEEDS if keep(d)]
    assert result.total == len(expected)
    assert set(ids(result)) == {str(d["id"]) for d in expected}
    for name in facets:
        assert result.facets[name] == python_facets(expected, name)


def test_facets_count_the_text_matches_only(loaded: SearchBackend) -> None:
    result = loaded.search("needs", SearchQuery(q="培训", facets=["district", "status"], per_page=100))
    expected = [d for d in NEEDS if text_contains(d, NEED_TEXT, "培训")]
    assert result.facets["district"] == python_facets(expected, "district")
    assert result.facets["status"] == python_facets(expected, "status")


def test_date_range_is_inclusive_on_days(loaded: SearchBackend) -> None:
    query = SearchQuery(date_from="2024-03-01", date_to="2024-03-31", per_page=100)
    result = loaded.search("needs", query)
    expected = {str(d["id"]) for d in NEEDS if "2024-03-01" <= d["created_at"][:10] <= "2024-03-31"}
    assert set(ids(result)) == expected
    assert KIWI_NEED["id"] in expected


def test_date_range_on_another_date_field_skips_nulls(loaded: SearchBackend) -> None:
    query = SearchQuery(date_field="wanted_from", date_from="2024-06-01", per_page=100)
    result = loaded.search("needs", query)
    expected = {str(d["id"]) for d in NEEDS if d["wanted_from"] and d["wanted_from"] >= "2024-06-01"}
    assert set(ids(result)) == expected


@pytest.mark.parametrize("or_missing", [True, False])
def test_a_further_date_range_may_let_documents_without_the_date_pass(loaded: SearchBackend, or_missing: bool) -> None:
    # what an expert's need search asks: still wanted on a day, or wanted with no end
    query = SearchQuery(
        q="",
        date_from="2024-01-01",
        date_ranges={"wanted_to": DateRange(start="2024-06-01", or_missing=or_missing)},
        per_page=100,
    )
    result = loaded.search("needs", query)
    expected = {
        str(d["id"])
        for d in NEEDS
        if d["created_at"][:10] >= "2024-01-01"
        and ((d["wanted_to"] or "") >= "2024-06-01" or (or_missing and d["wanted_to"] is None))
    }
    assert any(d["wanted_to"] is None for d in NEEDS if str(d["id"]) in expected) == or_missing
    assert set(ids(result)) == expected
    assert result.total == len(expected)


def test_expert_list_field_filter_and_facet(loaded: SearchBackend) -> None:
    query = SearchQuery(filters={"fields": ["210", "520"]}, facets=["fields", "employer_type"], per_page=100)
    result = loaded.search("experts", query)
    expected = [e for e in EXPERTS if {"210", "520"} & set(e["fields"])]
    assert set(ids(result)) == {str(e["id"]) for e in expected}
    assert result.facets["fields"] == python_facets(expected, "fields")
    assert result.facets["employer_type"] == python_facets(expected, "employer_type")


# -- highlights --------------------------------------------------------------------------------------------


def test_highlights_mark_the_matched_words(loaded: SearchBackend) -> None:
    hit = next(h for h in loaded.search("needs", SearchQuery(q="猕猴桃 溃疡")).hits if h.id == KIWI_NEED["id"])
    assert "<mark>猕猴桃</mark>" in hit.highlights["title"]
    assert "<mark>溃疡</mark>" in hit.highlights["title"]
    assert "<mark>猕猴桃</mark>" in hit.highlights["description"]
    assert "unit_name" not in hit.highlights


def test_highlights_escape_html_in_the_original_text(loaded: SearchBackend) -> None:
    hit = next(h for h in loaded.search("needs", SearchQuery(q="网站安全")).hits if h.id == HTML_NEED["id"])
    title = hit.highlights["title"]
    assert "<script>" not in title
    assert "&lt;script&gt;" in title
    assert "&amp;" in title
    assert "<mark>" in title
    assert hit.document["title"] == HTML_NEED["title"]


def test_names_found_by_pinyin_and_initials(loaded: SearchBackend) -> None:
    for q in ("zhangwei", "zhang wei", "zw", "zhangw", "张伟"):
        result = loaded.search("experts", SearchQuery(q=q))
        assert ZHANG_WEI["id"] in ids(result), q
        hit = next(h for h in result.hits if h.id == ZHANG_WEI["id"])
        assert hit.highlights["name"] == "<mark>张伟</mark>", q


# -- sort and pagination -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("sort", "descending"), [("newest", True), ("oldest", False), ("created_at:desc", True)])
def test_sort_by_creation_date(loaded: SearchBackend, sort: str, descending: bool) -> None:
    hits = loaded.search("needs", SearchQuery(sort=sort, per_page=100)).hits
    dates = [h.document["created_at"] for h in hits]
    assert len(hits) == len(NEEDS)
    assert dates == sorted(dates, reverse=descending)


def test_sort_on_nullable_date_puts_missing_last(loaded: SearchBackend) -> None:
    hits = loaded.search("needs", SearchQuery(sort="wanted_from:asc", per_page=100)).hits
    values = [h.document["wanted_from"] for h in hits]
    present = [v for v in values if v]
    assert values[: len(present)] == sorted(present)
    assert all(v is None for v in values[len(present) :])


def test_text_query_sorted_by_date(loaded: SearchBackend) -> None:
    hits = loaded.search("needs", SearchQuery(q="防控", sort="newest", per_page=100)).hits
    assert hits
    dates = [h.document["created_at"][:10] for h in hits]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(("q", "sort"), [("", "newest"), ("", "relevance"), ("技术", "relevance"), ("专家", "oldest")])
def test_pagination_has_no_duplicates_or_gaps(loaded: SearchBackend, q: str, sort: str) -> None:
    every = ids(loaded.search("needs", SearchQuery(q=q, sort=sort, per_page=100)))
    paged = all_pages(loaded, "needs", SearchQuery(q=q, sort=sort, per_page=7))
    assert len(paged) == len(set(paged))
    assert paged == every


def test_page_past_the_end_is_empty_with_the_total(loaded: SearchBackend) -> None:
    result = loaded.search("needs", SearchQuery(q="猕猴桃", page=50))
    assert result.hits == []
    assert result.total >= 1


# -- writes ------------------------------------------------------------------------------------------------


def test_count_delete_and_upsert(backend: SearchBackend) -> None:
    assert backend.count("needs") == 0
    assert backend.index_documents("needs", NEEDS[:10]) == 10
    assert backend.count("needs") == 10
    backend.delete_documents("needs", [KIWI_NEED["id"], "no-such-id"])
    assert backend.count("needs") == 9
    assert KIWI_NEED["id"] not in ids(backend.search("needs", SearchQuery(q="猕猴桃")))
    changed = {**NEEDS[2], "title": "设施蔬菜连作障碍"}
    backend.index_documents("needs", [changed])
    assert backend.count("needs") == 9
    assert ids(backend.search("needs", SearchQuery(q="连作障碍"))) == [str(changed["id"])]
    stale = backend.search("needs", SearchQuery(q=NEEDS[2]["title"] + " "))
    # the old title's words are no longer all held by it (a partial match may still find it)
    assert str(changed["id"]) not in ids(stale) or stale.dropped
    assert backend.document_ids("needs") == {str(d["id"]) for d in NEEDS[1:10]}


def test_int_and_str_ids_are_the_same_key(backend: SearchBackend) -> None:
    backend.index_documents("needs", [{**KIWI_NEED, "id": 42}])
    backend.delete_documents("needs", ["42"])
    assert backend.count("needs") == 0


def test_reset_empties_one_index_or_both(backend: SearchBackend) -> None:
    backend.index_documents("needs", NEEDS[:5])
    backend.index_documents("experts", EXPERTS[:5])
    backend.reset("needs")
    assert (backend.count("needs"), backend.count("experts")) == (0, 5)
    backend.reset()
    assert (backend.count("needs"), backend.count("experts")) == (0, 0)
    backend.index_documents("needs", NEEDS[:3])
    assert backend.count("needs") == 3


def test_health_reports_ok(loaded: SearchBackend) -> None:
    status = loaded.health()
    assert status.ok, status.detail
    assert status.backend == loaded.name


# -- refusals ----------------------------------------------------------------------------------------------


def test_personal_data_never_enters_the_index(backend: SearchBackend) -> None:
    with pytest.raises(InvalidDocumentError, match="personal data"):
        backend.index_documents("experts", [{**ZHANG_WEI, "phone": "13800001234"}])
    assert backend.count("experts") == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "a b", "title": "x"},
        {"title": "no id"},
        {"id": "x", "title": "t", "created_at": "yesterday"},
        {"id": True, "title": "t"},
    ],
)
def test_bad_documents_refused_before_any_write(backend: SearchBackend, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidDocumentError):
        backend.index_documents("needs", [KIWI_NEED, bad])
    assert backend.count("needs") == 0


@pytest.mark.parametrize(
    ("index", "query", "error"),
    [
        ("projects", SearchQuery(), UnknownIndexError),
        ("needs", SearchQuery(filters={"phone": "1"}), UnknownFieldError),
        ("needs", SearchQuery(facets=["title"]), UnknownFieldError),
        ("needs", SearchQuery(sort="title:asc"), UnknownFieldError),
        ("needs", SearchQuery(sort="sideways"), UnknownFieldError),
        ("experts", SearchQuery(sort="newest"), UnknownFieldError),
        ("experts", SearchQuery(date_from="2024-01-01"), UnknownFieldError),
        ("needs", SearchQuery(date_field="title", date_from="2024-01-01"), UnknownFieldError),
        ("needs", SearchQuery(date_ranges={"title": DateRange(start="2024-01-01")}), UnknownFieldError),
        ("needs", SearchQuery(date_ranges={"wanted_to": DateRange(end="2024-02-30")}), InvalidQueryError),
        ("needs", SearchQuery(page=0), InvalidQueryError),
        ("needs", SearchQuery(per_page=1000), InvalidQueryError),
        ("needs", SearchQuery(date_from="01/02/2024"), InvalidQueryError),
        ("needs", SearchQuery(filters={"status": []}), InvalidQueryError),
    ],
)
def test_unsupported_requests_raise_typed_errors(
    loaded: SearchBackend, index: str, query: SearchQuery, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        loaded.search(index, query)
    assert str(info.value)  # a message a caller can show
