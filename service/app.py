"""The FastAPI application: routers, error handlers, docs served from installed packages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import swagger_ui_bundle
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from slowapi.errors import RateLimitExceeded
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matching.analysis_cache import AnalysisCache
from search.base import SearchBackend
from service import db, web
from service.api import (
    accounts,
    audit,
    auth,
    campaigns,
    experts,
    exports,
    health,
    imports,
    liaison_planning,
    liaisons,
    matching,
    needs,
    reports,
    search,
    units,
    visits,
)
from service.api.deps import AccountCache
from service.config import get_settings
from service.errors import (
    CROSSED_WRITE,
    DUPLICATE_WRITE,
    ERROR_RESPONSES,
    UNSTORABLE_INPUT,
    AppError,
    http_refusal_body,
)
from service.logging_setup import RequestId, install_filter
from service.matcher import MatchIndex
from service.messages import validation_details
from service.search_sync import SearchIndexUnavailable, drain_outbox, open_search_backend
from service.web.routing import error_page, is_api_path
from service.web.text import ACTION_FAILED_TITLE

API_PREFIX = "/api/v1"
log = logging.getLogger("zhiqiao")


def _drain_once(backend: SearchBackend) -> None:
    with Session(db.get_engine()) as session:
        drain_outbox(session, backend)


def _warm_up(matcher: MatchIndex) -> None:
    """Build the match index now, so that the first match page after a start does not wait for it. A failure is
    only logged: the first request that needs the index builds it then."""
    try:
        with Session(db.get_engine()) as session:
            matcher.refresh(session).prepare_reasons()
    except Exception as error:  # noqa: BLE001 - see above
        log.warning("match index warm-up failed, it will be built on first use: %s", type(error).__name__)


#: While the search sync keeps failing (database down, disk full), how often each process says so again.
SYNC_FAILURE_REPEAT_SECONDS = 300.0


async def _sync_forever(backend: SearchBackend, interval: float) -> None:
    """Apply the outbox to the search index every `interval` seconds, for as long as the app runs.

    A failure is logged when it starts, then every SYNC_FAILURE_REPEAT_SECONDS while it lasts (not every round:
    two lines every two seconds per worker would bury everything else), and its end is logged too."""
    failing_since: float | None = None
    last_note = 0.0
    while True:
        try:
            await anyio.to_thread.run_sync(_drain_once, backend)
            if failing_since is not None:
                log.info("search sync works again (it failed for %.0f s)", time.monotonic() - failing_since)
                failing_since = None
        except Exception as error:  # noqa: BLE001 - the rows stay in the outbox; try again next round
            now = time.monotonic()
            if failing_since is None or now - last_note >= SYNC_FAILURE_REPEAT_SECONDS:
                reason = (str(error).strip().splitlines() or [""])[0][:300]
                log.warning(
                    "search sync failed, retrying every %g s (changes wait in the outbox): %s: %s",
                    interval,
                    type(error).__name__,
                    reason,
                )
                last_note = now
            failing_since = now if failing_since is None else failing_since
        await asyncio.sleep(interval)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    try:
        backend = open_search_backend()
    except SearchIndexUnavailable as error:
        log.error("cannot start: %s", error)
        raise
    app.state.search = backend
    app.state.accounts = AccountCache(settings.account_cache_seconds)
    app.state.search_slots = anyio.CapacityLimiter(settings.search_threads)
    app.state.matcher = MatchIndex(
        AnalysisCache(settings.var_dir / "match-analysis") if settings.match_analysis_cache else None
    )
    app.state.search_health = lambda: backend.health().ok
    if settings.match_warm_up:
        # a daemon thread: a build still running when the app stops holds nothing that must be closed
        threading.Thread(target=_warm_up, args=(app.state.matcher,), name="match-warm-up", daemon=True).start()
    worker = None
    interval = settings.search_sync_interval_seconds
    if interval > 0:
        worker = asyncio.create_task(_sync_forever(backend, interval))
    try:
        yield
    finally:
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        backend.close()


#: The API's modules in the order their groups appear in the docs.
API_MODULES = (
    auth,
    accounts,
    experts,
    units,
    needs,
    visits,
    liaisons,
    search,
    matching,
    imports,
    exports,
    campaigns,
    liaison_planning,
    reports,
    audit,
)
#: Routers a request is matched against first: each request walks the routes in order until one matches, and
#: search is the busiest route, so it should not walk past fifty others on every request. The docs keep the order
#: of API_MODULES through `openapi_tags`.
HOT_MODULES = (search,)


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for module in HOT_MODULES + tuple(m for m in API_MODULES if m not in HOT_MODULES):
        router.include_router(module.router)
    return router


def _openapi_tags() -> list[dict[str, str]]:
    names = [tag for module in (health, *API_MODULES) for tag in module.router.tags]
    return [{"name": str(name)} for name in dict.fromkeys(names)]


#: What a person or a program is told while the database cannot be reached (a restart, a failover, a full pool).
DATABASE_UNAVAILABLE = "系统暂时无法访问数据库，请稍后再试"
#: PostgreSQL's deadlock detected and serialization failure: a transaction undone for crossing another (409)
CROSSED_SQLSTATES = frozenset({"40P01", "40001"})
#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = "5"

#: What a person (page) or a program (API, with code too_large) is told when a request body is over the limit.
TOO_LARGE_MESSAGE = "提交的内容过大（上限 {mb:g} MB），未予处理；更大的名册请分批导入"


class _BodyTooLarge(Exception):
    """Raised into the app by `BodySizeLimit` when more bytes arrive than the limit allows."""


class BodySizeLimit:
    """Refuses a request body over ZHIQIAO_MAX_REQUEST_BODY_MB with a 413, before anything reads it.

    A declared Content-Length over the limit is answered at once (nothing of the body is read, so an anonymous
    multi-gigabyte upload is never spooled to disk before the login check). A body without one (chunked) is
    counted as the app reads it; past the limit the read fails, whatever the app answers to that is dropped and
    the 413 is sent instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = get_settings().max_request_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send)
            return
        received = 0
        exceeded = started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it could not read whole; the 413 goes out below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _BodyTooLarge:
            pass
        if exceeded and not started:
            await _too_large(scope, receive, send)


class NoStore:
    """Answers every page and API response (not the static files) with `Cache-Control: no-store`: they carry
    phone numbers, ID numbers and the rest of a login's view, which a shared computer's browser would otherwise
    keep and show again after logout (the back button, the history), and a proxy might keep for others."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    message = TOO_LARGE_MESSAGE.format(mb=get_settings().max_request_body_mb)
    request = Request(scope, receive)
    response: Any
    if is_api_path(request.url.path):
        response = JSONResponse(http_refusal_body(413, message), status_code=413, headers={"Connection": "close"})
    else:
        response = error_page(request, 413, ACTION_FAILED_TITLE, message)
        response.headers["Connection"] = "close"
    await response(scope, receive, send)


def create_app() -> FastAPI:
    install_filter()
    app = FastAPI(
        title="智桥 Zhiqiao API",
        version="1.0",
        description="专家与人才服务对接平台：基层单位发布需求，专家服务基层，组织部门匹配、派遣与跟踪。",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=_openapi_tags(),
    )
    app.state.limiter = auth.limiter
    app.add_middleware(BodySizeLimit)
    app.add_middleware(NoStore)
    app.add_middleware(RequestId)  # outermost: a 413 carries the request's id too
    app.include_router(health.router)
    app.include_router(api_router())
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    web.install_pages(app)  # pages (not in the OpenAPI schema), /static/app, /static/vendor/plotly.min.js
    _install_error_handlers(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="智桥 API 文档",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    return app


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a row for repeating a unique key (PostgreSQL's SQLSTATE 23505, SQLite's
    "UNIQUE constraint failed"), not for a broken reference or a missing value (those stay errors: 500)."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(original)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    def app_error(_request: Request, error: AppError) -> JSONResponse:
        return JSONResponse({"detail": error.message, "code": error.code}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = validation_details(error.errors())
        message = "；".join(dict.fromkeys(d["msg"] for d in details)) or "输入有误"
        body: dict[str, Any] = {"detail": message, "code": "invalid_input", "errors": details}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def http_refusal(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        body = http_refusal_body(error.status_code, error.detail)
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(DataError)
    def unstorable(_request: Request, _error: DataError) -> JSONResponse:
        # The database refused a value the validation let through (a NUL character, a number out of range).
        return JSONResponse({"detail": UNSTORABLE_INPUT, "code": "invalid_input"}, status_code=422)

    @app.exception_handler(IntegrityError)
    def duplicate_write(request: Request, error: IntegrityError) -> Response:
        # Services check uniqueness first and lock what they check under (domain/common.get_for_update); a unique
        # key the database still refuses is a double submit that raced past a check without such a lock.
        if not is_unique_violation(error):
            raise error
        log.info("duplicate write refused: %s", type(getattr(error, "orig", error)).__name__)
        if is_api_path(request.url.path):
            return JSONResponse({"detail": DUPLICATE_WRITE, "code": "conflict"}, status_code=409)
        return error_page(request, 409, ACTION_FAILED_TITLE, DUPLICATE_WRITE)

    def database_unavailable(request: Request, error: Exception) -> Response:
        if getattr(getattr(error, "orig", None), "sqlstate", None) in CROSSED_SQLSTATES:
            # not an outage: the database undid this transaction for crossing another one (the lock order of
            # domain/common.get_for_update should prevent it); nothing was stored and a retry is expected to work
            log.info("write crossed another and was undone: %s", type(getattr(error, "orig", error)).__name__)
            if is_api_path(request.url.path):
                return JSONResponse({"detail": CROSSED_WRITE, "code": "conflict"}, status_code=409)
            return error_page(request, 409, ACTION_FAILED_TITLE, CROSSED_WRITE)
        # One line per request instead of a traceback: the cause, never the statement's values (hide_parameters).
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0:1]
        log.warning("database unavailable (%s): %s", type(error).__name__, reason[0] if reason else "")
        headers = {"Retry-After": RETRY_AFTER_SECONDS}
        if is_api_path(request.url.path):
            body = {"detail": DATABASE_UNAVAILABLE, "code": "database_unavailable"}
            return JSONResponse(body, status_code=503, headers=headers)
        response = error_page(request, 503, ACTION_FAILED_TITLE, DATABASE_UNAVAILABLE)
        response.headers.update(headers)
        return response

    for error_class in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(error_class, database_unavailable)

    @app.exception_handler(RateLimitExceeded)
    def too_many(_request: Request, _error: RateLimitExceeded) -> JSONResponse:
        return JSONResponse({"detail": "尝试次数过多，请稍后再试", "code": "rate_limited"}, status_code=429)
