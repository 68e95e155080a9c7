"""Excel exports: the generic sheet writer, masking by the viewer's rights, round trips through the importer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.domain.experts import ExpertFilters
from service.domain.needs import NeedFilters
from service.exporting import (
    content_disposition,
    export_experts,
    export_kind,
    export_needs,
    export_units,
    rows_to_xlsx,
)
from service.importing import ImportKind, import_file
from service.importing.catalogue import ExportKind
from service.models import Account, Expert
from service.vocab import Role
from tests.service.fixtures_excel import (
    EXPERT_HEADERS,
    NEED_HEADERS,
    UNIT_HEADERS,
    expert_row,
    grid,
    id_number,
    need_row,
    phone,
    read_xlsx,
    unit_row,
    xlsx_bytes,
)
from tests.service.world import World

PUJIANG = "510131"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def city() -> Account:
    return Account(username="city-test", password_hash="", role=Role.city_official)


def district(code: str = PUJIANG) -> Account:
    return Account(username="district-test", password_hash="", role=Role.district_official, district=code)


def seed(session: Session) -> None:
    """Experts in two districts, units and needs, all through the importer."""
    experts = [expert_row(i) for i in range(1, 5)] + [expert_row(5, 所在区县="锦江区", 专业领域="畜牧、兽医科学")]
    units = [unit_row(1), unit_row(2, 所在区县="锦江区")]
    needs = [need_row("蒲江县第1村", 1), need_row("蒲江县第2村", 2, 状态="草稿", 期望开始日期=None, 期望结束日期=None)]
    for kind, lines in (
        (ImportKind.experts, grid(EXPERT_HEADERS, experts)),
        (ImportKind.units, grid(UNIT_HEADERS, units)),
        (ImportKind.needs, grid(NEED_HEADERS, needs)),
    ):
        report = import_file(session=session, actor=city(), kind=kind, content=xlsx_bytes(lines), filename="a.xlsx")
        assert report.rejected == []


def test_rows_to_xlsx_freezes_the_header_fits_widths_and_keeps_dates_as_dates() -> None:
    created = datetime(2025, 5, 1, 2, 30, tzinfo=UTC)
    content = rows_to_xlsx(
        "考核/汇总[2025]",
        ["区县", "完成日期", "创建时间", "说明"],
        [["蒲江县", date(2025, 5, 1), created, "=1+1"], ["锦江区", None, None, "很长的说明文字" * 3]],
    )
    sheet, values = read_xlsx(content)

    assert sheet.title == "考核_汇总_2025_"
    assert sheet.freeze_panes == "A2"
    assert values[0] == ["区县", "完成日期", "创建时间", "说明"]
    assert sheet["A1"].font.b
    assert sheet["B2"].is_date
    assert values[1][1] == datetime(2025, 5, 1)
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert values[1][2] == datetime(2025, 5, 1, 10, 30), "shown in China Standard Time"
    assert sheet["D2"].data_type == "s", "formula-looking text stays text"
    assert sheet["D2"].value == "=1+1"
    assert sheet.column_dimensions["D"].width == 44
    assert 6 <= sheet.column_dimensions["A"].width <= 10


def test_control_characters_are_dropped_not_a_failed_export() -> None:
    content = rows_to_xlsx("名单", ["姓名", "专业特长"], [["李\x00果", "猕猴桃\x07溃疡病\x1b防治"]])
    _sheet, values = read_xlsx(content)
    assert values[1] == ["李果", "猕猴桃溃疡病防治"]


def test_content_disposition_carries_the_chinese_name_per_rfc5987() -> None:
    header = content_disposition("专家名单_20250501.xlsx")

    assert header.startswith('attachment; filename="20250501.xlsx"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "专家名单_20250501.xlsx"
    assert encoded.isascii()


def test_experts_export_masks_by_the_viewers_rights(session: Session) -> None:
    seed(session)

    _, full = read_xlsx(export_experts(session=session, viewer=city(), filters=ExpertFilters()))
    _, local = read_xlsx(export_experts(session=session, viewer=district(), filters=ExpertFilters()))

    header = full[0]
    assert header[: len(EXPERT_HEADERS)] == EXPERT_HEADERS
    phone_at, id_at, district_at = header.index("联系电话"), header.index("身份证号码"), header.index("所在区县")
    assert len(full) == 6
    assert [r[phone_at] for r in full[1:]] == [phone(i) for i in range(1, 6)]
    assert [r[id_at] for r in full[1:]] == [id_number(i) for i in range(1, 6)]
    assert full[5][district_at] == "锦江区"
    assert full[5][header.index("专业领域")] == "畜牧、兽医科学"
    assert len(local) == 5, "a district official exports their own district only"
    assert [r[phone_at] for r in local[1:]] == [phone(i) for i in range(1, 5)]
    assert [r[id_at] for r in local[1:]] == [id_number(i)[:6] + "********" + id_number(i)[-4:] for i in range(1, 5)]


def test_export_then_import_updates_every_row_and_creates_none(session: Session) -> None:
    seed(session)
    exports = {
        ImportKind.experts: export_experts(session=session, viewer=city(), filters=ExpertFilters()),
        ImportKind.units: export_units(session=session, viewer=city()),
        ImportKind.needs: export_needs(session=session, viewer=city(), filters=NeedFilters()),
    }
    before = {e.id: e.model_dump(exclude={"updated_at"}) for e in session.exec(select(Expert)).all()}

    reports = {
        kind: import_file(session=session, actor=city(), kind=kind, content=content, filename="导出.xlsx")
        for kind, content in exports.items()
    }

    assert {k: (r.created, r.updated, r.rejected, r.ignored_columns) for k, r in reports.items()} == {
        ImportKind.experts: (0, 5, [], []),
        ImportKind.units: (0, 2, [], []),
        ImportKind.needs: (0, 2, [], []),
    }
    session.expire_all()
    after = {e.id: e.model_dump(exclude={"updated_at"}) for e in session.exec(select(Expert)).all()}
    assert after == before


def test_a_masked_export_reimported_by_a_district_official_keeps_the_personal_data(session: Session) -> None:
    seed(session)
    content = export_experts(session=session, viewer=district(), filters=ExpertFilters())

    report = import_file(
        session=session, actor=district(), kind=ImportKind.experts, content=content, filename="导出.xlsx"
    )

    assert (report.created, report.updated, report.rejected) == (0, 4, [])
    stored = session.exec(select(Expert.id_number).where(Expert.district == PUJIANG)).all()
    assert sorted(n or "" for n in stored) == sorted(id_number(i) for i in range(1, 5))


def test_visits_export_names_need_unit_expert_and_state(session: Session, world: World) -> None:
    _, rows = read_xlsx(export_kind(session=session, viewer=city(), kind=ExportKind.visits))

    header = rows[0]
    assert header[:5] == ["需求标题", "单位名称", "所在区县", "专家姓名", "状态"]
    assert rows[1][:5] == [world.need.title, world.unit.name, "蒲江县", world.expert.name, "待专家确认"]
    assert isinstance(rows[1][header.index("创建时间")], datetime)


def test_needs_export_uses_the_officials_words_for_states(session: Session) -> None:
    seed(session)
    _, rows = read_xlsx(export_needs(session=session, viewer=city(), filters=NeedFilters()))

    state_at = rows[0].index("状态")
    assert sorted(r[state_at] for r in rows[1:]) == ["征集中", "草稿"]
    assert rows[1][rows[0].index("期望开始日期")] == datetime(2025, 3, 1)


# --- API and CLI ----------------------------------------------------------------------------------------


def test_api_downloads_an_xlsx_with_a_chinese_file_name(client: TestClient, world: World) -> None:
    answer = client.get(
        "/api/v1/exports/experts.xlsx", params={"district": PUJIANG}, headers=world.headers(Role.city_official)
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    disposition = answer.headers["content-disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]).startswith("专家名单_")
    _, rows = read_xlsx(answer.content)
    assert [r[0] for r in rows[1:]] == [world.expert.name]
    assert rows[1][rows[0].index("联系电话")] == world.expert.phone


def test_api_exports_mask_for_district_officials_and_refuse_others(client: TestClient, world: World) -> None:
    district_headers = world.headers(Role.district_official)
    answer = client.get("/api/v1/exports/experts.xlsx", headers=district_headers)
    _, rows = read_xlsx(answer.content)
    assert [r[0] for r in rows[1:]] == [world.expert.name]
    assert rows[1][rows[0].index("身份证号码")] == "510131********1234"
    other = client.get("/api/v1/exports/needs.xlsx", params={"district": "510104"}, headers=district_headers)
    assert [r for r in read_xlsx(other.content)[1][1:]] == [], "the district official's scope still applies"

    for kind in ("experts", "units", "needs", "visits"):
        for role, status in ((Role.unit, 403), (Role.expert, 403), (Role.leader, 403), (None, 401)):
            refused = client.get(f"/api/v1/exports/{kind}.xlsx", headers=world.headers(role))
            assert refused.status_code == status, (kind, role)
        allowed = client.get(f"/api/v1/exports/{kind}.xlsx", headers=world.headers(Role.city_official))
        assert allowed.status_code == 200, (kind, allowed.text)


def test_openapi_documents_the_xlsx_download_and_the_upload(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    download = paths["/api/v1/exports/experts.xlsx"]["get"]["responses"]
    assert list(download["200"]["content"]) == [XLSX]
    assert {"401", "403", "422"} <= set(download)
    upload = paths["/api/v1/imports/{kind}"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"400", "409", "422"} <= set(upload["responses"])


def test_cli_export_writes_the_workbook(session: Session, tmp_path: object) -> None:
    seed(session)
    out = tmp_path / "units.xlsx"  # type: ignore[operator]

    result = CliRunner().invoke(cli_app, ["export", "units", "--out", str(out)])

    assert result.exit_code == 0, result.output
    _, rows = read_xlsx(out.read_bytes())
    assert [r[0] for r in rows[1:]] == ["蒲江县第1村", "蒲江县第2村"]
