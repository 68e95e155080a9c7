"""The 考核问效 page: the report tables per district, department and leader, the filters, the .xlsx links."""

from __future__ import annotations

import html
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from service import clock
from service.models import Visit
from service.vocab import Role, VisitStatus
from tests.service.concerns import answered_concern
from tests.service.world import World
from tests.web.conftest import login_as

YEAR = clock.today().year
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


def _table(page: str, key: str) -> list[list[str]]:
    """The rows (header first) of one report table as the page shows them."""
    section = page.split(f'id="report-{key}"')[1].split("</section>")[0]
    return [[html.unescape(c).strip() for c in _CELL.findall(row)] for row in _ROW.findall(section)]


def _export_href(page: str, key: str) -> str:
    section = page.split(f'id="report-{key}"')[1].split("</section>")[0]
    found = re.search(r'href="([^"]+\.xlsx[^"]*)"', section)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.fixture
def served(session: Session, world: World) -> World:
    """The world's visit confirmed with a service record and 4 stars; a concern answered on time."""
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    visit.status, visit.service_date, visit.service_days = VisitStatus.confirmed, clock.today(), 1.5
    visit.people_trained, visit.rating = 20, 4
    session.add(visit)
    session.add(answered_concern(world, category="住房", content="人才公寓", department="市住建局", reply="已安排"))
    session.commit()
    return world


def test_officials_nav_leads_to_the_reports(client: TestClient, world: World) -> None:
    for role in (Role.district_official, Role.city_official):
        login_as(client, world, role)
        assert 'href="/official/reports"' in client.get("/official").text
    login_as(client, world, Role.expert)
    assert client.get("/official/reports").status_code == 403


def test_city_sees_every_district_and_the_page_equals_the_workbook(client: TestClient, served: World) -> None:
    login_as(client, served, Role.city_official)
    page = client.get(f"/official/reports?year={YEAR}").text
    districts = _table(page, "districts")
    assert districts[0][:2] == ["区县", "发布需求数"]
    assert len(districts) > 10  # every district of the city, and the total
    pujiang = next(r for r in districts if r[0] == "蒲江县")
    assert pujiang == ["蒲江县", "1", "1", "0", "1", "1.5", "20", "4", "1"]
    assert districts[-1][0] == "合计"
    departments = _table(page, "departments")
    assert ["市住建局", "1", "1", "1", "1", "0", "100.0%"] in departments
    leaders = _table(page, "liaisons")
    assert leaders[1][:4] == [served.leader.name, served.leader.rank, "1", "1"]

    answer = client.get(_export_href(page, "districts"))  # the page's cookie signs the API in
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    workbook_rows = [["—" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in workbook_rows] == [r[0] for r in districts]
    assert next(r for r in workbook_rows if r[0] == "蒲江县")[1:5] == pujiang[1:5]


def test_city_narrows_to_one_district_and_the_exports_follow(client: TestClient, served: World) -> None:
    login_as(client, served, Role.city_official)
    page = client.get(f"/official/reports?year={YEAR}&district=锦江区").text
    assert [r[0] for r in _table(page, "districts")] == ["区县", "锦江区", "合计"]
    assert _table(page, "districts")[1][1] == "0"
    assert _export_href(page, "liaisons") == f"/api/v1/reports/liaisons.xlsx?year={YEAR}&district=510104"
    assert '<option value="510104" selected>' in page


def test_district_official_sees_only_their_district(client: TestClient, served: World) -> None:
    login_as(client, served, Role.district_official)
    page = client.get(f"/official/reports?year={YEAR}&district=510104")
    assert page.status_code == 200
    assert [r[0] for r in _table(page.text, "districts")] == ["区县", "蒲江县", "合计"]
    assert 'name="district"' not in page.text  # no district filter for a district official
    assert "district=" not in _export_href(page.text, "districts")


def test_a_bad_year_or_district_is_flagged_beside_the_field(client: TestClient, world: World) -> None:
    login_as(client, world, Role.city_official)
    answer = client.get("/official/reports?year=20x6&district=火星区")
    assert answer.status_code == 422
    assert 'id="f-year-error"' in answer.text
    assert "火星区" in answer.text.split('id="f-district-error">')[1].split("</p>")[0]
    assert f"考核问效 · {YEAR} 年 · 全市" in answer.text  # this year's figures meanwhile
