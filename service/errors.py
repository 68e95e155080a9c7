"""Typed domain errors. Services raise these; one handler turns them into HTTP answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class AppError(Exception):
    """A failure a person can act on: `message` is shown to them (Chinese)."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"


class Conflict(AppError):
    """The request is valid but the record's state does not allow it (e.g. rating a visit not yet done)."""

    status_code = 409
    code = "conflict"


class InvalidInput(AppError):
    status_code = 422
    code = "invalid_input"


class ErrorBody(BaseModel):
    """What every error answer looks like: a message for people, a code for programs."""

    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


#: Documented on every route, so that the OpenAPI lists what an endpoint may answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "请求格式错误", "model": ErrorBody},
    401: {"description": "未登录或登录已过期", "model": ErrorBody},
    403: {"description": "无权进行此操作", "model": ErrorBody},
    404: {"description": "记录不存在", "model": ErrorBody},
    409: {"description": "当前状态不允许此操作", "model": ErrorBody},
    422: {"description": "输入有误", "model": ErrorBody},
    429: {"description": "请求过于频繁", "model": ErrorBody},
}
