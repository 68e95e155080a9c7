"""What only the embedded backend promises: one file, survives restarts, safe under threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from search import embedded
from search.embedded import EmbeddedBackend
from search.query import SearchQuery
from tests.search.corpus import KIWI_NEED, expert_documents, need_documents


def test_fts5_is_available_in_this_python() -> None:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(a)")


def test_index_persists_in_one_file_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "search" / "index.sqlite"
    first = EmbeddedBackend(path)
    first.index_documents("needs", need_documents(10))
    first.close()
    second = EmbeddedBackend(path)
    assert second.count("needs") == 12
    assert KIWI_NEED["id"] in [h.id for h in second.search("needs", SearchQuery(q="猕猴桃")).hits]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    second.close()


def test_index_from_another_layout_version_is_rebuilt_empty(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    backend = EmbeddedBackend(path)
    backend.index_documents("needs", need_documents(5))
    backend.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE search_meta SET value = 'old' WHERE key = 'layout_version'")
    con.commit()
    con.close()
    rebuilt = EmbeddedBackend(path)
    assert rebuilt.count("needs") == 0
    rebuilt.close()


def _hammer(backend: EmbeddedBackend, errors: list[BaseException], writer: bool) -> None:
    try:
        for i in range(15):
            if writer:
                backend.index_documents("needs", [{**KIWI_NEED, "id": f"w{i}"}])
            else:
                backend.search("needs", SearchQuery(q="猕猴桃", facets=["district"]))
                backend.count("needs")
    except BaseException as exc:  # noqa: BLE001 - collected and re-raised in the main thread
        errors.append(exc)


def test_concurrent_readers_and_writers(tmp_path: Path) -> None:
    for path in (tmp_path / "threads.sqlite", ":memory:"):
        backend = EmbeddedBackend(path)
        backend.index_documents("needs", need_documents(20))
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_hammer, args=(backend, errors, i < 2)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert backend.count("needs") == 22 + 15
        backend.close()


def test_past_the_rank_limit_whole_words_still_come_first() -> None:
    backend = EmbeddedBackend(":memory:", rank_limit=1)
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description", "unit_name")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "whole-old", "title": "问题处理要及时"},
            {**base, "id": "inside", "title": "待处理事项"},
            {**base, "id": "whole-new", "title": "数据 处理"},
        ],
    )
    hits = backend.search("needs", SearchQuery(q="处理")).hits
    assert [h.id for h in hits] == ["whole-new", "whole-old", "inside"]


@pytest.mark.parametrize("rank_limit", [embedded.RANK_LIMIT, 1])
def test_a_single_character_ranks_title_matches_above_a_place_name_jieba_left_in_pieces(rank_limit: int) -> None:
    # 煎茶街道 and 茶店子 are cut 煎 + 茶 + 街道 and 茶 + 店子: 茶 is a "whole word" there only because jieba
    # does not know the place; an official typing 茶 wants the tea gardens first.
    backend = EmbeddedBackend(":memory:", rank_limit=rank_limit)
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description", "unit_name")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "tea-garden", "title": "茶园土壤改良技术指导", "unit_name": "永丰村", "description": ""},
            {
                **base,
                "id": "place-name",
                "title": "农村供水水质提升",
                "unit_name": "天府新区煎茶街道办事处",
                "description": "煎茶街道地处城乡接合部。",
            },
            {**base, "id": "tea-leaf", "title": "茶叶加工培训", "unit_name": "茶店子街道", "description": ""},
        ],
    )
    hits = backend.search("needs", SearchQuery(q="茶")).hits
    assert [h.id for h in hits][:2] in (["tea-garden", "tea-leaf"], ["tea-leaf", "tea-garden"])
    assert hits[2].id == "place-name"
    # with another word the single character still matches anywhere, the other word decides the class
    assert [h.id for h in backend.search("needs", SearchQuery(q="茶 培训")).hits] == ["tea-leaf"]


def test_large_class_orders_title_matches_first_then_newest() -> None:
    backend = EmbeddedBackend(":memory:", rank_limit=1)
    base = {k: v for k, v in KIWI_NEED.items() if k not in ("id", "title", "description", "unit_name")}
    backend.index_documents(
        "needs",
        [
            {**base, "id": "title-old", "title": "猕猴桃园管理", "description": ""},
            {**base, "id": "description-new", "title": "果园管理", "description": "猕猴桃 猕猴桃 猕猴桃"},
            {**base, "id": "title-new", "title": "猕猴桃采摘", "description": ""},
        ],
    )
    hits = backend.search("needs", SearchQuery(q="猕猴桃")).hits
    assert [h.id for h in hits] == ["title-new", "title-old", "description-new"]
    assert [h.id for h in backend.search("needs", SearchQuery(q="猕猴桃", per_page=1, page=3)).hits] == [
        "description-new"
    ]


def _district_counts(backend: EmbeddedBackend) -> tuple[int, dict[str, int]]:
    result = backend.search("needs", SearchQuery(facets=["district"], per_page=100))
    return result.total, result.facets["district"]


def test_a_reader_sees_what_another_connection_wrote(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    reader, writer = EmbeddedBackend(path), EmbeddedBackend(path)
    docs = need_documents(30)
    writer.index_documents("needs", docs[:20])
    assert _district_counts(reader)[0] == 20  # columns loaded for this version
    writer.index_documents("needs", docs[20:])
    writer.delete_documents("needs", [docs[0]["id"], docs[1]["id"]])
    moved = {**docs[2], "district": "NEW"}
    writer.index_documents("needs", [moved])
    total, districts = _district_counts(reader)
    assert total == len(docs) - 2
    assert districts == _district_counts(EmbeddedBackend(path))[1]
    assert districts["NEW"] == 1
    assert moved["id"] in [h.id for h in reader.search("needs", SearchQuery(filters={"district": "NEW"})).hits]
    writer.reset("needs")
    assert _district_counts(reader) == (0, {})
    writer.index_documents("needs", docs[:3])
    assert _district_counts(reader)[0] == 3
    reader.close()
    writer.close()


def test_a_word_seen_before_is_searched_afresh_after_another_connection_writes(tmp_path: Path) -> None:
    """A reader remembers each query word's matches per index version: a write anywhere moves the version."""
    path = tmp_path / "shared.sqlite"
    reader, writer = EmbeddedBackend(path), EmbeddedBackend(path)
    writer.index_documents("needs", [KIWI_NEED])

    def kiwi_ids() -> list[str]:
        return sorted(str(h.id) for h in reader.search("needs", SearchQuery(q="猕猴桃 溃疡病", per_page=100)).hits)

    assert kiwi_ids() == ["kiwi-1"]
    assert kiwi_ids() == ["kiwi-1"]  # the second time from what the reader remembered
    writer.index_documents("needs", [{**KIWI_NEED, "id": "kiwi-2"}])
    assert kiwi_ids() == ["kiwi-1", "kiwi-2"]
    writer.delete_documents("needs", ["kiwi-1"])
    assert kiwi_ids() == ["kiwi-2"]
    writer.index_documents("needs", [{**KIWI_NEED, "id": "kiwi-2", "title": "柑橘黄龙病", "description": "柑橘"}])
    assert kiwi_ids() == []
    reader.close()
    writer.close()


@pytest.mark.parametrize(
    ("index", "sort", "q"),
    [
        ("needs", "newest", ""),
        ("needs", "newest", "技术"),
        ("needs", "oldest", "技术"),
        ("needs", "wanted_from:asc", ""),
        ("needs", "wanted_from:desc", "技术"),
        ("experts", "name:asc", ""),
        ("experts", "name:desc", ""),
    ],
)
def test_a_large_hit_set_is_paged_in_the_same_order_as_a_small_one(
    monkeypatch: pytest.MonkeyPatch, index: str, sort: str, q: str
) -> None:
    """Past SORT_IN_PLACE_MAX hits a page is read off a cached whole-index order: same pages as sorting."""
    backend = EmbeddedBackend(":memory:")
    docs = need_documents(300) if index == "needs" else expert_documents(300)
    for i, doc in enumerate(docs[::7]):  # ties on the sort value, and some documents without one
        for name in ("created_at", "wanted_from", "name"):
            if name in doc:
                doc[name] = None if i % 3 == 0 and name != "name" else docs[0][name]
    backend.index_documents(index, docs)
    backend.delete_documents(index, [docs[5]["id"], docs[50]["id"]])
    filters = {"status": docs[1]["status"]}

    def pages(filters: dict[str, str]) -> list[list[str]]:
        return [
            [str(h.id) for h in backend.search(index, SearchQuery(q=q, filters=filters, sort=sort, page=p)).hits]
            for p in range(1, 18)
        ]

    for where in ({}, filters):
        sorted_in_place = pages(where)
        monkeypatch.setattr(embedded, "SORT_IN_PLACE_MAX", 10)
        from_whole_order = pages(where)
        monkeypatch.setattr(embedded, "SORT_IN_PLACE_MAX", 5_000)
        assert from_whole_order == sorted_in_place
        flat = [i for page in sorted_in_place for i in page]
        total = backend.search(index, SearchQuery(q=q, filters=where)).total
        assert len(flat) == len(set(flat)) == min(total, 17 * 20)
        assert total > 10
    backend.close()
