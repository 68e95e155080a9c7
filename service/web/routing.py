"""A route class for pages: failures become HTML pages (or a redirect to login), never the API's JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from slowapi.errors import RateLimitExceeded
from starlette.exceptions import HTTPException

from service.api.deps import optional_account
from service.errors import AppError, http_refusal_body
from service.web.session import CsrfRejected, LoginRequired, PageForbidden, login_url
from service.web.templating import render
from service.web.text import (
    ACTION_FAILED_TITLE,
    EXPIRED_FORM_PAGE,
    FORBIDDEN_PAGE,
    NOT_FOUND_PAGE,
    TOO_MANY_PAGE,
)


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message},
        account=getattr(request.state, "account", None),
        status_code=status_code,
    )


class PageRoute(APIRoute):
    """Turns the page guard's exceptions and the domain's errors into pages a person can act on."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as error:
                return RedirectResponse(login_url(error.next_url), status_code=303)
            except PageForbidden:
                return error_page(request, 403, *FORBIDDEN_PAGE)
            except CsrfRejected:
                return error_page(request, 400, *EXPIRED_FORM_PAGE)
            except RequestValidationError:
                return error_page(request, 404, *NOT_FOUND_PAGE)
            except RateLimitExceeded:
                return error_page(request, 429, *TOO_MANY_PAGE)
            except AppError as error:
                return error_page(request, error.status_code, ACTION_FAILED_TITLE, error.message)

        return page_handler


#: Paths that answer machines (JSON errors), not people.
API_PATH_PREFIX = "/api"


def is_api_path(path: str) -> bool:
    return path == API_PATH_PREFIX or path.startswith(API_PATH_PREFIX + "/")


async def no_such_page(request: Request, error: Exception) -> Response:
    """An address no route serves (404), or serves only by another method (405): the 页面不存在 page, with the
    visitor's navigation, for a person's browser; the API's own JSON refusal under /api."""
    status_code = error.status_code if isinstance(error, HTTPException) else 404
    if is_api_path(request.url.path):
        detail = error.detail if isinstance(error, HTTPException) else None
        headers = error.headers if isinstance(error, HTTPException) else None
        return JSONResponse(http_refusal_body(status_code, detail), status_code=status_code, headers=headers)
    request.state.account = await optional_account(request)
    return error_page(request, status_code, *NOT_FOUND_PAGE)
