"""List and search filters: a value the field would refuse on input answers 422 with its reason (not an empty list
that reads as "nothing there"), and a district may be given by name as by code."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.service.workflows.helpers import API, refused
from tests.service.world import DISTRICT, World

BAD_FILTERS = [
    ("city_official", "/needs?status=bogus", "需求状态“bogus”无效"),
    ("city_official", "/needs?district=火星", "区县“火星”不是成都市的区（市）县或功能区"),
    ("city_official", "/needs?service_type=打扫", "服务类型“打扫”无效"),
    ("city_official", "/needs?created_from=2026-12-01&created_to=2026-01-01", "结束日期不能早于开始日期"),
    ("city_official", "/visits?status=bogus", "服务状态“bogus”无效"),
    ("city_official", "/experts?title_level=博士", "职称级别“博士”无效"),
    ("city_official", "/experts?status=离职", "专家状态“离职”无效"),
    ("city_official", "/units?kind=农场", "单位类别“农场”无效"),
    ("city_official", "/concerns?status=bogus", "诉求状态“bogus”无效"),
    ("city_official", "/search/needs?district=火星", "区县“火星”"),
    ("city_official", "/search/experts?district=火星", "区县“火星”"),
]


@pytest.mark.parametrize(("role", "path", "message"), BAD_FILTERS, ids=[b[1] for b in BAD_FILTERS])
def test_a_filter_value_the_field_would_refuse_answers_422(
    client: TestClient, world: World, role: str, path: str, message: str
) -> None:
    assert message in refused(client.get(API + path, headers=world.headers(role)), 422)


@pytest.mark.parametrize("path", ["/needs", "/experts", "/units", "/visits"])
def test_a_district_reads_the_same_by_name_as_by_code(client: TestClient, world: World, path: str) -> None:
    for role in ("district_official", "city_official"):
        headers = world.headers(role)
        by_code = client.get(f"{API}{path}", params={"district": DISTRICT}, headers=headers)
        by_name = client.get(f"{API}{path}", params={"district": "蒲江县"}, headers=headers)
        assert by_code.status_code == 200, by_code.text
        assert by_name.status_code == 200, by_name.text
        assert by_name.json()["count"] == by_code.json()["count"] > 0


def test_an_empty_filter_means_any(client: TestClient, world: World) -> None:
    headers = world.headers("city_official")
    everything = client.get(f"{API}/needs", headers=headers).json()["count"]
    blank = client.get(f"{API}/needs", params={"status": "", "district": ""}, headers=headers)
    assert blank.status_code == 200, blank.text
    assert blank.json()["count"] == everything


@pytest.mark.parametrize("path", ["/experts", "/needs", "/units"])
def test_a_wildcard_in_the_search_words_matches_itself(client: TestClient, world: World, path: str) -> None:
    headers = world.headers("city_official")
    for text in ("%", "_", "\\"):
        answer = client.get(f"{API}{path}", params={"q": text}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["count"] == 0, text
    word = {"/experts": world.expert.name, "/needs": "猕猴桃", "/units": "五星村"}[path]
    assert client.get(f"{API}{path}", params={"q": word}, headers=headers).json()["count"] >= 1
