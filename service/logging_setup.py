"""Logging that never writes personal data: phone and ID numbers are masked in every record."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

# Numbers may be written with separators (138-1234-5678, 138 1234 5678, 138.1234.5678), which a URL in the access
# log carries as 138%201234%205678 or 138+1234+5678, and a mobile with the country code (+86, 0086, 86).
_SEPARATOR = r"(?:[\s\-+.]|%20)?"
_ID_NUMBER = re.compile(rf"(?<!\d)(\d{{6}}{_SEPARATOR})\d{{8}}({_SEPARATOR}\d{{3}}[\dXx])(?![\dXx])")
_OLD_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{6}(\d{3})(?!\d)")  # the 15-digit cards issued before 1999
_MOBILE = re.compile(rf"(?<!\d)((?:(?:00)?86{_SEPARATOR})?1[3-9]\d{_SEPARATOR})\d{{4}}({_SEPARATOR}\d{{4}})(?!\d)")


def scrub(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _OLD_ID_NUMBER.sub(r"\1******\2", text)
    return _MOBILE.sub(r"\1****\2", text)


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


def install_filter() -> None:
    """Attach the filter to the root handlers and the web server's loggers."""
    personal = PersonalDataFilter()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "zhiqiao", "sqlalchemy.engine"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
            logger.addFilter(personal)
        for handler in logger.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(personal)
