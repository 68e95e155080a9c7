"""Parameters shared by the routes: paging, and record ids bounded by what the database holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from service.models.common import MAX_RECORD_ID

Limit = Annotated[int, Query(ge=1, le=200, description="每页条数")]
Offset = Annotated[int, Query(ge=0, le=MAX_RECORD_ID, description="跳过条数")]
#: A record id in the path; one beyond what the database holds is refused (422) rather than failing in the driver.
PathId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
#: An optional filter on a record id.
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)]
YearFilter = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
Sort = Annotated[str | None, Query(max_length=40, description="排序字段，前加 - 为倒序，如 -created_at")]
