"""/healthz (the process is up) and /readyz (the database answers at the schema this code needs, and search
answers; 503 otherwise). Both are cheap enough for a load balancer to ask every few seconds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.api.deps import PUBLIC, SessionDep
from service.migrate import schema_behind

router = APIRouter(tags=["health 健康检查"], dependencies=[PUBLIC])


@router.get("/healthz", summary="进程存活")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="数据库（结构为当前版本）与搜索可用",
    responses={503: {"description": "数据库或搜索不可用，或数据库结构未升级"}},
)
def readyz(request: Request, session: SessionDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        # The request's own session: on SQLite every transaction begins IMMEDIATE, so a second connection
        # would wait for the write lock that this request's session holds once the guard has read the account.
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        checks["database"] = "ok"
        # after a deploy whose `zhiqiao db upgrade` was forgotten, every request that reads a new column fails
        checks["schema"] = schema_behind(session.connection()) or "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        checks["schema" if "database" in checks else "database"] = f"unavailable: {type(error).__name__}"
    search_health = getattr(request.app.state, "search_health", None)
    if search_health is not None:
        checks["search"] = "ok" if search_health() else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)
