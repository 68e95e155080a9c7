"""Typed domain errors. Services raise these; one handler turns them into HTTP answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class AppError(Exception):
    """A failure a person can act on: `message` is shown to them (Chinese). `field` names the input it is about
    (the API shape's field name, such as `wanted_to`), so that a form shows it beside that field."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
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
    503: {"description": "数据库暂时无法访问（稍后重试，见 Retry-After）", "model": ErrorBody},
}

#: The answer when the database refuses a value that passed validation (answered 422, not 500).
UNSTORABLE_INPUT = "输入含有无法保存的内容（如空字符）或超出范围的数值"

#: The answer when the database refuses a row that would repeat another's unique key: the same form posted twice,
#: or two people saving the same thing at once, got past the checks that name the clash (answered 409, not 500).
DUPLICATE_WRITE = "保存未完成：同样的记录刚刚已由另一次提交保存（可能是重复提交或他人同时操作），请刷新后查看"
#: A write the database undid because it crossed another at the same moment (PostgreSQL's deadlock or
#: serialization failure): nothing was stored, and doing it again is expected to work.
CROSSED_WRITE = "保存未完成：与他人的操作同时发生，本次操作未保存，请刷新后重试"

#: What the framework's own refusals say (a body that cannot be parsed, an unknown address, a wrong method).
HTTP_REFUSALS: dict[int, tuple[str, str]] = {
    400: ("请求内容无法解析，请检查格式和编码（应为 UTF-8 的 JSON 或表单）", "bad_request"),
    401: ("请先登录", "not_authenticated"),
    403: ("无权进行此操作", "forbidden"),
    404: ("访问的地址不存在", "not_found"),
    405: ("此地址不支持该请求方法", "method_not_allowed"),
    413: ("请求内容过大", "too_large"),
}


def http_refusal_body(status_code: int, detail: object) -> dict[str, str]:
    """The error body for a framework refusal: its own message when already Chinese, else the catalogue's."""
    message, code = HTTP_REFUSALS.get(status_code, ("请求未能完成", "http_error"))
    if isinstance(detail, str) and any("\u4e00" <= c <= "\u9fff" for c in detail):
        message = detail
    return {"detail": message, "code": code}
