"""Forms to the API's own pydantic shapes, and their validation errors to messages beside each field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from service.messages import humanize

M = TypeVar("M", bound=BaseModel)

#: Key for errors that belong to the whole form rather than to one field.
FORM_ERROR = "__form__"


@dataclass
class FormState:
    """What a form page needs to redraw itself: the visitor's input and the messages per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def form_values(form: Mapping[str, Any], names: Iterable[str], lists: Iterable[str] = ()) -> dict[str, Any]:
    """The named fields as the visitor typed them (strings, or lists for multi-valued fields)."""
    getlist = getattr(form, "getlist", None)
    values: dict[str, Any] = {}
    for name in names:
        raw = form.get(name)
        values[name] = raw if isinstance(raw, str) else ""
    for name in lists:
        values[name] = [v for v in (getlist(name) if getlist else []) if isinstance(v, str) and v.strip()]
    return values


def parse_into(
    model: type[M], values: Mapping[str, Any], state: FormState, labels: Mapping[str, str] | None = None
) -> M | None:
    """`model` built from the typed values (blank fields left out); errors go into `state`.

    `labels` names fields as this form calls them, in every message about them (需求标题为必填项, 需求标题不能超过
    100 个字符), where the API's catalogue may have a name shared by several forms (标题/职称).
    """
    data: dict[str, Any] = {}
    for name, value in values.items():
        info = model.model_fields.get(name)
        if info is None:
            continue
        value = value.strip() if isinstance(value, str) else value
        if value == "" or value == []:
            continue  # left out: optional fields take their default, required ones read "为必填项"
        data[name] = value
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            names = [str(p) for p in item.get("loc", ()) if not isinstance(p, int)]
            name = names[0] if names else FORM_ERROR
            state.add(name, humanize(item, (labels or {}).get(name)))
        return None


def posted_version(raw: str) -> int | None:
    """The record version an edit form was opened on (its hidden `version` field); None when absent or garbled
    (then the edit is not checked against other people's, as before the field existed)."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and 0 < len(raw) < 10 else None
