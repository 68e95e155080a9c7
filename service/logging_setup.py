"""Logging that never writes personal data: phone and ID numbers are masked in every record. Every line carries
its time, level, logger and the id of the request it belongs to (`X-Request-ID`, echoed in the response)."""

from __future__ import annotations

import copy
import logging
import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Numbers may be written with separators (138-1234-5678, 138 1234 5678, 138.1234.5678), which a URL in the access
# log carries as 138%201234%205678, 138+1234+5678 or 138%2D1234%2D5678, and a mobile with the country code (+86,
# 0086, 86).
_SEPARATOR = r"(?:[\s\-+.]|%(?:20|2[BDEbde]))?"
_ID_NUMBER = re.compile(rf"(?<!\d)(\d{{6}}{_SEPARATOR})\d{{8}}({_SEPARATOR}\d{{3}}[\dXx])(?![\dXx])")
_OLD_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{6}(\d{3})(?!\d)")  # the 15-digit cards issued before 1999
_MOBILE = re.compile(rf"(?<!\d)((?:(?:00)?86{_SEPARATOR})?1[3-9]\d{_SEPARATOR})\d{{4}}({_SEPARATOR}\d{{4}})(?!\d)")
# A landline as the forms take it (028-85501234, 08388123456): area code, then the local number's last 4 kept.
_LANDLINE = re.compile(rf"(?<!\d)(0\d{{2,3}}{_SEPARATOR})\d{{3,4}}(\d{{4}})(?!\d)")
# Digits typed by a Chinese input method are full-width (１３８, Ｘ, －), and a query string (which the access log
# writes as sent) carries them percent-encoded (%EF%BC%91): read as ASCII to be found, whichever way they came.
_WIDE = re.compile(r"%EF%BC%(?:[89][0-9A-F]|B8)|%EF%BD%98|%E3%80%80|[０-９Ｘｘ－　]", re.IGNORECASE)
_WIDE_PLAIN = {"%EF%BC%B8": "X", "%EF%BD%98": "x", "%E3%80%80": " ", "Ｘ": "X", "ｘ": "x", "－": "-", "　": " "}


def _plain(wide: re.Match[str]) -> str:
    text = wide.group(0)
    if len(text) == 1:
        return _WIDE_PLAIN.get(text) or chr(ord(text) - 0xFEE0)  # ０ (U+FF10) → 0
    code = text.upper()
    if code in _WIDE_PLAIN:
        return _WIDE_PLAIN[code]
    character = bytes.fromhex(code.replace("%", "")).decode("utf-8")  # %EF%BC%91 → １
    return _WIDE_PLAIN.get(character) or (chr(ord(character) - 0xFEE0) if "０" <= character <= "９" else text)


def _masked(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _OLD_ID_NUMBER.sub(r"\1******\2", text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _LANDLINE.sub(r"\1****\2", text)


def scrub(text: str) -> str:
    masked = _masked(text)
    if _WIDE.search(masked):
        # a number written in full-width digits: the text with them in ASCII, masked (as it is, if none hides there)
        plain = _WIDE.sub(_plain, masked)
        plain_masked = _masked(plain)
        if plain_masked != plain:
            return plain_masked
    return masked


def _scrubbed(value: object) -> object:
    return scrub(value) if isinstance(value, str) else value


_TRACEBACKS = logging.Formatter()


class PersonalDataFilter(logging.Filter):
    """Masks phone and ID numbers in each record: in its message and in each of its arguments, which stay
    arguments (uvicorn's access formatter unpacks them); a record whose number hides in an argument of another
    type is reduced to its masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            # a traceback can quote anything (SQL parameters, a request's body): written out here, masked
            record.exc_text = scrub(record.exc_text or _TRACEBACKS.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrubbed(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _scrubbed(v) for k, v in record.args.items()}
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


#: The id of the request being served ("-" outside requests: start-up, the search sync, the command line).
_request_id: ContextVar[str] = ContextVar("zhiqiao_request_id", default="-")
#: An id a proxy sends (nginx's $request_id, a load balancer's trace id) is kept when it looks like one.
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
REQUEST_ID_HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Gives each record the `request_id` attribute that the formats below print."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestId:
    """Names each HTTP request: the proxy's X-Request-ID when it is a plain token (and no phone or ID number), else
    a new one; every log line written while serving it carries the id, and the response returns it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers", ()) if k == b"x-request-id"), b"").decode("latin-1")
        request_id = given if _GOOD_REQUEST_ID.fullmatch(given) and scrub(given) == given else uuid.uuid4().hex[:16]
        # Not reset afterwards: each request runs in its own task, and the server's own line about a request that
        # failed (written after the app returns) should name it too.
        _request_id.set(request_id)
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


#: Time, level, logger, request id, message: the app's lines and the web server's.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
ACCESS_FORMAT = '%(asctime)s %(levelname)s access [%(request_id)s] %(client_addr)s - "%(request_line)s" %(status_code)s'
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
#: Loggers whose handlers get the filters (the root's handlers take every logger that has none of its own).
_LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "zhiqiao", "sqlalchemy.engine")


def install_filter() -> None:
    """Make every log line safe and followable: when nothing has configured the root logger (the web server
    configures only its own loggers), give it a handler on stderr in LOG_FORMAT, so that the app's loggers
    (zhiqiao.*, search.*, matching.*) neither fall through to Python's bare last-resort output nor skip the
    filter (a logger's own filters do not apply to its children's records; a handler's do); then attach the
    personal-data and request-id filters to the handlers of the root and of the web server's loggers."""
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler()
        stderr.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
        root.addHandler(stderr)
    app_logger = logging.getLogger("zhiqiao")
    if app_logger.level == logging.NOTSET:
        app_logger.setLevel(logging.INFO)
    personal, request_id = PersonalDataFilter(), RequestIdFilter()
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
            logger.addFilter(personal)
        for handler in logger.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(personal)
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(request_id)


def server_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration (for `zhiqiao serve`) with times, request ids and the filters on every
    handler, including the root's that the app's own loggers write through."""
    import uvicorn.config

    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {
        "personal": {"()": "service.logging_setup.PersonalDataFilter"},
        "request_id": {"()": "service.logging_setup.RequestIdFilter"},
    }
    config["formatters"]["default"].update(fmt=LOG_FORMAT, datefmt=DATE_FORMAT, use_colors=False)
    config["formatters"]["access"].update(fmt=ACCESS_FORMAT, datefmt=DATE_FORMAT, use_colors=False)
    for handler in config["handlers"].values():
        handler["filters"] = ["personal", "request_id"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    config["loggers"]["zhiqiao"] = {"level": "INFO"}
    return config
