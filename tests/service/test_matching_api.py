"""The matching engine inside the platform: candidates for a need, recommendations for an expert."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from matching import text
from matching.analysis_cache import AnalysisCache
from service import clock, config
from service.matcher import MatchIndex, best_document_label
from service.models import Expert, Need
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.world import DISTRICT, World


def _add_experts(session: Session) -> dict[str, int]:
    people = {
        "tea": Expert(
            name="陈茶", specialties="茶树栽培与茶叶加工，名优绿茶品质提升", fields=["210"], district="510104"
        ),
        "pig": Expert(
            name="周牧", specialties="生猪规模养殖，非洲猪瘟防控与猪场生物安全", fields=["230"], district=DISTRICT
        ),
        "own": Expert(
            name="吴村",
            specialties="猕猴桃溃疡病防治，果园管理",
            fields=["210"],
            district=DISTRICT,
            employer="蒲江县寿安镇五星村村民委员会",
        ),
    }
    for expert in people.values():
        session.add(expert)
    session.commit()
    return {key: e.id or 0 for key, e in people.items()}


def test_candidates_rank_the_fitting_expert_first_with_reasons(
    client: TestClient, world: World, session: Session
) -> None:
    ids = _add_experts(session)
    answer = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=world.headers("district_official"))
    assert answer.status_code == 200, answer.text
    ranked = answer.json()
    assert ranked[0]["expert"]["id"] == world.expert.id
    reasons = ranked[0]["reasons"]
    assert "猕猴桃" in reasons["shared_terms"]
    assert reasons["field_match"] is True
    assert reasons["district"] == "same"
    topics = {c["expert"]["id"]: c["reasons"]["topic_similarity"] for c in ranked}
    assert topics[world.other_expert.id] < topics[world.expert.id] <= 1  # a railway engineer, a kiwi-canker expert
    assert ranked[0]["visit_status"] == "proposed"
    # The expert who works for the posting unit is never proposed (conflict of interest).
    assert ids["own"] not in [c["expert"]["id"] for c in ranked]
    scores = [c["score"] for c in ranked]
    assert scores == sorted(scores, reverse=True)


def test_a_candidate_shows_the_visits_that_use_their_places_this_year(
    client: TestClient, world: World, session: Session
) -> None:
    world.visit.status = VisitStatus.accepted
    session.add(world.visit)
    session.commit()
    answer = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=world.headers("district_official"))
    assert answer.status_code == 200, answer.text
    candidate = next(c for c in answer.json() if c["expert"]["id"] == world.expert.id)
    assert candidate["expert"]["visits_this_year"] == 1
    assert candidate["reasons"]["capacity_left"] == world.expert.yearly_capacity - 1


def test_candidates_name_the_experts_document_that_matched_best(
    client: TestClient, world: World, session: Session
) -> None:
    papers = [
        {"title": "名优绿茶加工工艺", "text": "绿茶杀青与揉捻"},
        {"title": "", "text": ""},
        {"title": "猕猴桃溃疡病菌的田间综合防治", "text": "溃疡病菌株鉴定与药剂筛选"},
    ]
    author = Expert(name="郑果", specialties="果树栽培", fields=["210"], district="510104", documents=papers)
    session.add(author)
    session.commit()
    ranked = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=world.headers("city_official")).json()
    (candidate,) = [c for c in ranked if c["expert"]["id"] == author.id]
    assert candidate["reasons"]["best_document"] == "猕猴桃溃疡病菌的田间综合防治"


def test_best_document_labels() -> None:
    expert = Expert(name="郑果", documents=[{"title": "", "text": "溃疡病菌株鉴定与药剂筛选，田间试验三年"}])
    assert best_document_label(expert, None) == ""
    assert best_document_label(expert, 0) == "溃疡病菌株鉴定与药剂筛选，田间试验三年"
    assert best_document_label(expert, 1) == "服务记录"  # past the documents: one of the expert's visit records


def test_an_edited_expert_is_visible_to_the_next_query(client: TestClient, world: World, session: Session) -> None:
    ids = _add_experts(session)
    headers = world.headers("city_official")
    first = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=headers).json()
    assert first[0]["expert"]["id"] == world.expert.id
    # Make the tea expert a kiwi canker specialist, and the original one a bridge engineer.
    client.patch(
        f"/api/v1/experts/{ids['tea']}",
        json={"specialties": "猕猴桃溃疡病综合防治，猕猴桃果园土壤改良与病害监测"},
        headers=headers,
    )
    client.patch(f"/api/v1/experts/{world.expert.id}", json={"specialties": "桥梁结构设计"}, headers=headers)
    second = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=headers).json()
    assert second[0]["expert"]["id"] == ids["tea"]


def _cancel_the_invitation(session: Session, world: World) -> None:
    """The world's expert is invited to the kiwi need, and 为我推荐 leaves out a need the expert is already on;
    once an official cancels that visit, the need is offered to the expert again."""
    world.visit.status = VisitStatus.cancelled
    session.add(world.visit)
    session.commit()


def test_recommendations_for_the_expert(client: TestClient, world: World, session: Session) -> None:
    _add_experts(session)
    invited = client.get(f"/api/v1/experts/{world.expert.id}/recommendations", headers=world.headers("expert"))
    assert invited.json() == []  # the expert's invitation is on their own list, not offered again
    _cancel_the_invitation(session, world)
    answer = client.get(f"/api/v1/experts/{world.expert.id}/recommendations", headers=world.headers("expert"))
    assert answer.status_code == 200, answer.text
    assert [r["need"]["id"] for r in answer.json()] == [world.need.id]  # the draft need is not offered
    other = client.get(f"/api/v1/experts/{world.other_expert.id}/recommendations", headers=world.headers("expert"))
    assert other.status_code == 403


def test_a_need_whose_wanted_period_is_over_is_not_offered_to_experts(
    client: TestClient, world: World, session: Session
) -> None:
    need = session.get(Need, world.need.id)
    assert need is not None
    need.wanted_from, need.wanted_to = date(2026, 1, 1), clock.today() - timedelta(days=1)
    session.add(need)
    _cancel_the_invitation(session, world)  # so that the expert could volunteer
    expert = world.headers("expert")
    answer = client.get(f"/api/v1/experts/{world.expert.id}/recommendations", headers=expert)
    assert answer.status_code == 200, answer.text
    assert answer.json() == []
    volunteered = client.post("/api/v1/visits", json={"need_id": world.need.id}, headers=expert)
    assert volunteered.status_code == 409
    assert "期望的服务时间已于" in volunteered.json()["detail"]
    # an official may still arrange it (the unit may have moved its dates)
    proposal = {"need_id": world.need.id, "expert_id": world.expert.id}
    city = world.headers("city_official")
    proposed = client.post("/api/v1/visits", json=proposal, headers=city)
    assert proposed.status_code == 201
    assert client.post(f"/api/v1/visits/{proposed.json()['id']}/cancel", headers=city).status_code == 200
    need.wanted_to = None
    session.add(need)
    session.commit()
    again = client.get(f"/api/v1/experts/{world.expert.id}/recommendations", headers=expert).json()
    assert [r["need"]["id"] for r in again] == [world.need.id]


def test_a_unit_sees_candidates_of_its_own_need_with_masked_phones(client: TestClient, world: World) -> None:
    answer = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=world.headers("unit"))
    assert answer.status_code == 200
    assert answer.json()[0]["expert"]["phone"] == "138****5678"
    assert (
        client.get(f"/api/v1/needs/{world.draft_need.id}/candidates", headers=world.headers("unit")).status_code == 409
    )


def test_a_new_year_gives_an_expert_with_no_place_left_their_places_back(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Places are counted per service year: an expert whose one place this year is taken is not proposed, and
    from 1 January on is proposed again, though nothing in the database changed."""
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.yearly_capacity = 1
    world.visit.status = VisitStatus.accepted  # this year's visit of this expert
    session.add_all([expert, world.visit])
    session.commit()
    index = MatchIndex()
    assert str(world.expert.id) not in [m.expert_id for m in index.experts_for(session, world.need, k=0)]
    new_year = date(clock.today().year + 1, 1, 1)
    monkeypatch.setattr(clock, "today", lambda: new_year)
    assert str(world.expert.id) in [m.expert_id for m in index.experts_for(session, world.need, k=0)]


def test_a_second_process_fits_from_the_analysis_cache(world: World, session: Session, tmp_path: Path) -> None:
    """Two holders of the index (two worker processes, or a restart) sharing var/match-analysis: the second
    reads every expert's analysed text instead of segmenting it again, and ranks alike."""
    _add_experts(session)
    cache_dir = tmp_path / "match-analysis"
    first = MatchIndex(AnalysisCache(cache_dir))
    ranked = [m.expert_id for m in first.experts_for(session, world.need, k=0)]
    segments = sorted(p.name for p in cache_dir.glob("seg-*.npz"))
    assert len(segments) == 1
    assert len(AnalysisCache(cache_dir)) == session.exec(select(func.count()).select_from(Expert)).one()
    second = MatchIndex(AnalysisCache(cache_dir))
    assert [m.expert_id for m in second.experts_for(session, world.need, k=0)] == ranked
    assert sorted(p.name for p in cache_dir.glob("seg-*.npz")) == segments


def test_ids_beyond_the_database_range_are_refused(client: TestClient, world: World) -> None:
    headers = world.headers("city_official")
    for path in ("/api/v1/needs/99999999999/candidates", "/api/v1/experts/99999999999/recommendations"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 422, answer.text
    assert client.get("/api/v1/campaigns?year=99999999999", headers=headers).status_code == 422


def test_the_app_builds_the_match_index_as_it_starts(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(app):
        assert not app.state.matcher.built  # off in the tests: the first match request builds it
    monkeypatch.setenv("ZHIQIAO_MATCH_WARM_UP", "true")
    config.get_settings.cache_clear()
    text.generic_words.cache_clear()
    with TestClient(app) as client:

        def warm() -> bool:
            return bool(app.state.matcher.built and text.generic_words.cache_info().currsize)

        deadline = time.monotonic() + 60
        while not warm() and time.monotonic() < deadline:
            time.sleep(0.05)
        # with no request made: the index, and the word list the first match's reasons read
        assert app.state.matcher.built
        assert text.generic_words.cache_info().currsize == 1
        answer = client.get(f"/api/v1/needs/{world.need.id}/candidates", headers=world.headers(Role.city_official))
        assert answer.status_code == 200
        assert answer.json()[0]["expert"]["name"] == world.expert.name


def test_an_expert_gets_k_current_needs_however_many_better_ones_are_past_their_period(
    client: TestClient, world: World, session: Session
) -> None:
    past = clock.today() - timedelta(days=1)
    for i in range(6):
        session.add(
            Need(
                unit_id=world.other_unit.id or 0,
                title=f"猕猴桃溃疡病综合防控与果园病虫害绿色防治{i}",
                description="猕猴桃栽培与病虫害防治，溃疡病综合防控",
                service_type="技术服务",
                field="210",
                district=DISTRICT,
                status=NeedStatus.open,
                wanted_from=date(2026, 1, 1),
                wanted_to=past,
            )
        )
    session.commit()
    _cancel_the_invitation(session, world)
    answer = client.get(
        f"/api/v1/experts/{world.expert.id}/recommendations", params={"k": 1}, headers=world.headers("expert")
    )
    assert [r["need"]["id"] for r in answer.json()] == [world.need.id]
