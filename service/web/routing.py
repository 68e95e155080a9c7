"""A route class for pages: failures become HTML pages (or a redirect to login), never the API's JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from slowapi.errors import RateLimitExceeded

from service.errors import AppError
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
