"""/api/v1/imports: rosters from Excel (.xlsx) or CSV, checked row by row, good rows applied all at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from service.api.deps import SessionDep, guard
from service.errors import ERROR_RESPONSES
from service.importing import MAX_UPLOAD_BYTES, BadUpload, ImportKind, ImportReport, catalogue, import_file
from service.models import Account
from service.vocab import Role

router = APIRouter(prefix="/imports", tags=["imports 导入"])
Officials = Annotated[Account, guard(Role.district_official, Role.city_official)]


@router.post(
    "/{kind}",
    summary="从 Excel（.xlsx）或 CSV 导入专家、单位或需求（重复导入同一文件为更新，不会重复新增）",
    responses=ERROR_RESPONSES,
)
def import_rows(
    session: SessionDep,
    actor: Officials,
    kind: ImportKind,
    file: Annotated[UploadFile, File(description="第一行（或前几行中）为中文表头的 .xlsx 或 .csv 文件")],
    dry_run: Annotated[bool, Query(description="只检查、不写入")] = False,
) -> ImportReport:
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise BadUpload(catalogue.file_too_large(MAX_UPLOAD_BYTES))
    return import_file(
        session=session,
        actor=actor,
        kind=kind,
        content=content,
        filename=file.filename or "",
        dry_run=dry_run,
    )
