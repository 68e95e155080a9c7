"""The request body limit: an upload over ZHIQIAO_MAX_REQUEST_BODY_MB is answered 413 before it is read (with
a Content-Length) or as soon as the count passes the limit (streamed, without one)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service import config
from service.app import BodySizeLimit
from service.config import Settings

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LIMIT_MB = 0.01  # 10 KiB
OVER = b"x" * 20_000


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIQIAO_MAX_REQUEST_BODY_MB", str(LIMIT_MB))
    config.get_settings.cache_clear()


def _chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    while total > 0:
        yield b"y" * min(size, total)
        total -= size


def test_the_default_leaves_room_for_the_importers_10_mb_file() -> None:
    settings = Settings()
    assert 10 < settings.max_request_body_mb <= 16


def test_an_anonymous_oversized_api_upload_is_413_in_chinese(client: TestClient, small_limit: None) -> None:
    answer = client.post("/api/v1/imports/experts", files={"file": ("big.xlsx", OVER)})
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert CHINESE.search(answer.json()["detail"])
    assert "0.01 MB" in answer.json()["detail"]


def test_an_oversized_page_upload_gets_a_page(client: TestClient, small_limit: None) -> None:
    answer = client.post("/official/import", files={"file": ("big.xlsx", OVER)}, follow_redirects=False)
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "提交的内容过大" in answer.text


def test_a_streamed_body_without_length_is_counted(client: TestClient, small_limit: None) -> None:
    answer = client.post(
        "/api/v1/auth/token",
        content=_chunks(50_000),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"


def test_a_body_under_the_limit_goes_through(client: TestClient, small_limit: None) -> None:
    answer = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "not-the-password"})
    assert answer.status_code == 401


async def _run(app: BodySizeLimit, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[list, int]:
    """Drive the middleware with a fake server; (messages sent, body chunks the app was handed)."""
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    handed = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal handed
        handed += 1
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/imports/experts",
        "raw_path": b"/api/v1/imports/experts",
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("testserver", 80),
        "http_version": "1.1",
        "root_path": "",
        "app": None,
    }
    await app(scope, receive, send)
    return sent, handed


def test_a_declared_length_over_the_limit_is_refused_unread(small_limit: None) -> None:
    called = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        called.append(True)

    sent, handed = asyncio.run(_run(BodySizeLimit(inner), [(b"content-length", b"4294967296")], [b"x" * 100]))
    assert called == []
    assert handed == 0
    assert sent[0]["status"] == 413


def test_the_apps_answer_to_a_cut_body_is_replaced_by_the_413(small_limit: None) -> None:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:  # noqa: BLE001 - as a framework turns a failed body read into its own 400
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"bad"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent, _ = asyncio.run(_run(BodySizeLimit(inner), [], [b"x" * 4096] * 5))
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    sent, _ = asyncio.run(_run(BodySizeLimit(inner), [], [b"x" * 1024] * 2))
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200]
