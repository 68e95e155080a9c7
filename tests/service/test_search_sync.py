"""Search kept in step with the database through the outbox; the search API on top of it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from search.base import SearchBackend
from search.embedded import EmbeddedBackend
from search.errors import BackendUnavailableError
from service.api.deps import SESSION_COOKIE
from service.cli import app as cli
from service.domain.common import enqueue_index
from service.models import Expert, Need, OutboxEntry
from service.search_sync import check, drain_outbox, pending, reindex
from service.security import create_access_token
from tests.conftest import ON_POSTGRES
from tests.service.world import World


class Flaky(EmbeddedBackend):
    """A real embedded index that can be switched off (down) or made to die half-way through a batch."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.down = False
        self.die_after: int | None = None

    def index_documents(self, index: str, documents: Any) -> int:
        if self.down:
            raise BackendUnavailableError("switched off by the test")
        if self.die_after is not None:
            written = super().index_documents(index, list(documents)[: self.die_after])
            raise KeyboardInterrupt(f"process killed after {written} documents")
        return super().index_documents(index, documents)


def _post_need(client: TestClient, world: World, title: str) -> int:
    body = {"title": title, "description": "猕猴桃溃疡病防治与果园管理", "service_type": "技术服务", "field": "210"}
    answer = client.post("/api/v1/needs", json=body, headers=world.headers("unit"))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _clean(session: Session, backend: SearchBackend) -> bool:
    return all(d.clean for d in check(session, backend))


def test_writes_succeed_while_the_backend_is_down_and_drain_once_it_is_back(
    client: TestClient, world: World, session: Session
) -> None:
    backend = Flaky()
    reindex(session, backend)
    backend.down = True
    for i in range(100):
        _post_need(client, world, f"需求 {i:03d}")
    with pytest.raises(BackendUnavailableError):
        drain_outbox(session, backend)
    assert pending(session) == 100
    failed = session.exec(select(OutboxEntry)).first()
    assert failed is not None
    assert failed.attempts == 1
    assert "switched off" in failed.last_error
    assert not _clean(session, backend)

    backend.down = False
    assert drain_outbox(session, backend) == 100
    assert pending(session) == 0
    assert _clean(session, backend)


def test_a_process_killed_mid_sync_loses_nothing(client: TestClient, world: World, session: Session) -> None:
    backend = Flaky()
    reindex(session, backend)
    ids = [_post_need(client, world, f"批量需求 {i}") for i in range(20)]
    backend.die_after = 7
    with pytest.raises(KeyboardInterrupt):
        drain_outbox(session, backend)
    session.rollback()
    assert pending(session) == 20  # nothing was marked done
    backend.die_after = None
    drain_outbox(session, backend)
    assert backend.document_ids("needs") >= {str(i) for i in ids}
    assert _clean(session, backend)


def test_edits_and_status_changes_reach_the_index(client: TestClient, world: World, session: Session) -> None:
    backend = Flaky()
    reindex(session, backend)
    need_id = _post_need(client, world, "茶园绿色防控")
    client.patch(f"/api/v1/needs/{need_id}", json={"title": "茶园病虫害绿色防控"}, headers=world.headers("unit"))
    client.post(f"/api/v1/needs/{need_id}/submit", headers=world.headers("unit"))
    drain_outbox(session, backend)
    from search.query import SearchQuery

    found = backend.search("needs", SearchQuery(q="病虫害", filters={"status": "submitted"}))
    assert [str(h.id) for h in found.hits] == [str(need_id)]
    assert _clean(session, backend)


def test_a_renamed_unit_is_found_by_its_new_name_in_its_needs(
    client: TestClient, world: World, session: Session
) -> None:
    from search.query import SearchQuery

    backend = Flaky()
    reindex(session, backend)
    answer = client.patch(
        f"/api/v1/units/{world.unit.id}",
        json={"name": "蒲江县寿安街道新星社区"},
        headers=world.headers("city_official"),
    )
    assert answer.status_code == 200, answer.text
    drain_outbox(session, backend)
    own_needs = {str(world.need.id), str(world.draft_need.id)}
    renamed = backend.search("needs", SearchQuery(q="新星社区"))
    assert {str(h.id) for h in renamed.hits} == own_needs
    assert {h.document["unit_name"] for h in renamed.hits} == {"蒲江县寿安街道新星社区"}
    assert backend.search("needs", SearchQuery(q="五星村")).total == 0


def test_check_reports_a_missing_and_a_stale_document(world: World, session: Session) -> None:
    backend = Flaky()
    reindex(session, backend)
    need = session.get(Need, world.need.id)
    assert need is not None
    need.status = "done"  # changed behind the outbox's back
    session.add(need)
    session.commit()
    backend.delete_documents("experts", [world.expert.id or 0])
    differences = {d.index: d for d in check(session, backend)}
    assert differences["needs"].stale == [str(world.need.id)]
    assert differences["experts"].missing == [str(world.expert.id)]


def test_search_api_scopes_and_finds(client: TestClient, world: World, session: Session) -> None:
    backend = client.app.state.search  # type: ignore[attr-defined]
    reindex(session, backend)
    as_expert = client.get("/api/v1/search/needs", params={"q": "猕猴桃"}, headers=world.headers("expert"))
    assert as_expert.status_code == 200, as_expert.text
    body = as_expert.json()
    assert [h["id"] for h in body["hits"]] == [str(world.need.id)]
    assert "<mark>" in "".join(body["hits"][0]["highlights"].values())
    assert body["facets"]["status"] == {"open": 1}
    # The draft need is not visible to an expert, even when asked for by status.
    refused = client.get("/api/v1/search/needs", params={"status": "draft"}, headers=world.headers("expert"))
    assert refused.status_code == 403
    as_city = client.get("/api/v1/search/needs", params={"status": "draft"}, headers=world.headers("city_official"))
    assert as_city.json()["total"] == 1
    experts = client.get("/api/v1/search/experts", params={"q": "猕猴桃"}, headers=world.headers("city_official"))
    assert [h["id"] for h in experts.json()["hits"]] == [str(world.expert.id)]
    assert "phone" not in experts.json()["hits"][0]["document"]
    assert client.get("/api/v1/search/experts", headers=world.headers("expert")).status_code == 403
    hostile = client.get("/api/v1/search/needs", params={"q": '"猕猴桃 AND (x* NEAR'}, headers=world.headers("expert"))
    assert hostile.status_code == 200


def test_search_api_says_which_words_of_a_pasted_sentence_it_left_out(
    client: TestClient, world: World, session: Session
) -> None:
    reindex(session, client.app.state.search)  # type: ignore[attr-defined]
    sentence = "我们村的猕猴桃得了溃疡病，想请专家来看看"
    answer = client.get("/api/v1/search/needs", params={"q": sentence}, headers=world.headers("expert"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [h["id"] for h in body["hits"]] == [str(world.need.id)]
    assert body["dropped"]
    assert not {"猕猴桃", "溃疡病"} & set(body["dropped"])
    whole = client.get("/api/v1/search/needs", params={"q": "猕猴桃 溃疡病"}, headers=world.headers("expert"))
    assert whole.json()["dropped"] == []


def test_search_api_and_page_mend_a_pinyin_slip_and_offer_the_words_as_typed(
    client: TestClient, world: World, session: Session
) -> None:
    reindex(session, client.app.state.search)  # type: ignore[attr-defined]
    mended = client.get("/api/v1/search/needs", params={"q": "猕候桃"}, headers=world.headers("expert")).json()
    assert (mended["mended"], mended["dropped"]) == ("猕猴桃", [])
    assert [h["id"] for h in mended["hits"]] == [str(world.need.id)]
    exact = client.get(
        "/api/v1/search/needs", params={"q": "猕候桃", "exact": "true"}, headers=world.headers("expert")
    ).json()
    assert exact["mended"] is None
    assert exact["total"] == 0 or exact["dropped"]
    right = client.get("/api/v1/search/needs", params={"q": "猕猴桃"}, headers=world.headers("expert")).json()
    assert right["mended"] is None
    experts = client.get("/api/v1/search/experts", params={"q": "猕候桃"}, headers=world.headers("city_official"))
    assert experts.json()["mended"] == "猕猴桃"
    assert [h["id"] for h in experts.json()["hits"]] == [str(world.expert.id)]

    expert = world.accounts["expert"]
    client.cookies.set(SESSION_COOKIE, create_access_token(expert.id or 0, expert.role))
    page = client.get("/expert/needs", params={"q": "猕候桃"})
    assert page.status_code == 200
    assert "已按“<strong>猕猴桃</strong>”搜索" in page.text
    assert "exact=1" in page.text
    assert f"/expert/needs/{world.need.id}" in page.text
    as_typed = client.get("/expert/needs", params={"q": "猕候桃", "exact": "1"})
    assert "已按" not in as_typed.text


def test_an_expert_does_not_find_a_need_whose_wanted_period_is_over(
    client: TestClient, world: World, session: Session
) -> None:
    from datetime import timedelta

    from service import clock

    need = session.get(Need, world.need.id)
    assert need is not None
    need.wanted_to = clock.today() - timedelta(days=1)  # as imports may carry; volunteering refuses it
    session.add(need)
    session.commit()
    reindex(session, client.app.state.search)  # type: ignore[attr-defined]
    params = {"q": "猕猴桃"}
    as_expert = client.get("/api/v1/search/needs", params=params, headers=world.headers("expert"))
    assert as_expert.json()["total"] == 0
    as_official = client.get("/api/v1/search/needs", params=params, headers=world.headers("city_official"))
    assert [h["id"] for h in as_official.json()["hits"]] == [str(world.need.id)]
    # still wanted today, or with no end: found
    for wanted_to in (clock.today(), None):
        need.wanted_to = wanted_to
        session.add(need)
        session.commit()
        reindex(session, client.app.state.search)  # type: ignore[attr-defined]
        found = client.get("/api/v1/search/needs", params=params, headers=world.headers("expert"))
        assert [h["id"] for h in found.json()["hits"]] == [str(world.need.id)]


def test_cli_reindex_then_check(world: World) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["search", "reindex"]).exit_code == 0
    result = runner.invoke(cli, ["search", "check"])
    assert result.exit_code == 0, result.output
    assert "needs: in step with the database" in result.output


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite writers take turns: no change commits during a rebuild")
def test_a_change_committed_during_a_reindex_stays_in_the_outbox(
    engine: Engine, world: World, session: Session
) -> None:
    """A change whose outbox row was numbered before the rebuild started but committed while it ran (after the
    rebuild read that record) is not dropped with the rows the rebuild covered: the next drain applies it."""
    need_id = world.need.id or 0
    writer = Session(engine)
    need = writer.get(Need, need_id)
    assert need is not None
    need.title = "猕猴桃溃疡病防治（修改后）"
    writer.add(need)
    enqueue_index(writer, "needs", need)
    writer.flush()  # its outbox row has the lower id, uncommitted
    with Session(engine) as other:
        expert = other.get(Expert, world.expert.id)
        assert expert is not None
        enqueue_index(other, "experts", expert)
        other.commit()  # a later change, committed first

    class CommitsMidway(EmbeddedBackend):
        def index_documents(self, index: str, documents: Any) -> int:
            written = super().index_documents(index, documents)
            if writer.in_transaction():
                writer.commit()  # after the rebuild read the need as it was
            return written

    backend = CommitsMidway(":memory:")
    with Session(engine) as rebuilding:
        reindex(rebuilding, backend)
    writer.close()
    session.expire_all()
    left = session.exec(select(OutboxEntry.index_name, OutboxEntry.record_id)).all()
    assert [tuple(row) for row in left] == [("needs", need_id)]
    assert drain_outbox(session, backend) == 1
