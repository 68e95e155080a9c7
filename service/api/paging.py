"""Query parameters shared by every list endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Limit = Annotated[int, Query(ge=1, le=200, description="每页条数")]
Offset = Annotated[int, Query(ge=0, description="跳过条数")]
Sort = Annotated[str | None, Query(max_length=40, description="排序字段，前加 - 为倒序，如 -created_at")]
