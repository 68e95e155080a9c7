"""What each index holds: the document types and the schema that says how every field is searched.

The index only ever sees the documents it is given, so these types are the privacy boundary: an expert
document has no phone or ID number field, and `validate_document` refuses any field the schema does not name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from search.errors import InvalidDocumentError, UnknownIndexError

DocumentId = int | str
DOCUMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,511}")

SERVICE_TYPES = ("技术服务", "科技推广", "项目攻关", "人才培训", "巡回宣讲")
NEED_STATUSES = ("draft", "submitted", "open", "matched", "in_service", "done", "withdrawn")


class NeedDocument(TypedDict):
    """A need as the search index sees it."""

    id: DocumentId
    title: str
    description: str
    unit_name: str
    service_type: str  # one of SERVICE_TYPES
    field: str  # GB/T 13745 code
    district: str  # GB/T 2260 code or functional-zone code
    status: str  # one of NEED_STATUSES
    created_at: str  # ISO date or datetime
    wanted_from: str | None  # ISO date
    wanted_to: str | None  # ISO date


class ExpertDocument(TypedDict):
    """An expert as the search index sees it: no phone, no ID number, no birth year."""

    id: DocumentId
    name: str
    employer: str
    employer_type: str
    title_level: str
    fields: list[str]  # GB/T 13745 codes
    specialties: str
    talent_tier: str
    district: str
    status: str


@dataclass(frozen=True)
class TextField:
    """A searchable text field: its bm25 weight, snippet cropping, whether pinyin finds it."""

    name: str
    weight: float
    snippet: bool = False
    pinyin: bool = False


@dataclass(frozen=True)
class IndexSchema:
    """How one index searches, filters, facets and sorts its documents."""

    name: str
    text_fields: tuple[TextField, ...]
    keyword_fields: tuple[str, ...]  # one string value; filterable and facetable
    keyword_list_fields: tuple[str, ...] = ()  # a list of strings; filterable and facetable
    date_fields: tuple[str, ...] = ()  # ISO date/datetime, may be null; range-filterable and sortable
    sortable_fields: tuple[str, ...] = ()  # plain string fields sortable by code point
    default_date_field: str | None = None  # what `newest` / `oldest` and date_from/date_to refer to
    required: tuple[str, ...] = ("id",)
    pinyin_fields: tuple[str, ...] = field(init=False)
    known_fields: frozenset[str] = field(init=False)  # `all_fields` as a set, checked once per document

    def __post_init__(self) -> None:
        object.__setattr__(self, "pinyin_fields", tuple(f.name for f in self.text_fields if f.pinyin))
        object.__setattr__(self, "known_fields", frozenset(self.all_fields))

    @property
    def filterable(self) -> tuple[str, ...]:
        """Fields usable in `SearchQuery.filters` and `SearchQuery.facets`."""
        return self.keyword_fields + self.keyword_list_fields

    @property
    def all_fields(self) -> tuple[str, ...]:
        """Every field a document of this index may carry."""
        return (
            ("id",)
            + tuple(f.name for f in self.text_fields)
            + self.keyword_fields
            + self.keyword_list_fields
            + self.date_fields
            + tuple(f for f in self.sortable_fields if f not in {t.name for t in self.text_fields})
        )


NEEDS = IndexSchema(
    name="needs",
    text_fields=(
        TextField("title", 3.0),
        TextField("unit_name", 1.5),
        TextField("description", 1.0, snippet=True),
    ),
    keyword_fields=("service_type", "field", "district", "status"),
    date_fields=("created_at", "wanted_from", "wanted_to"),
    default_date_field="created_at",
    required=("id", "title"),
)

EXPERTS = IndexSchema(
    name="experts",
    text_fields=(
        TextField("name", 3.0, pinyin=True),
        TextField("specialties", 1.5, snippet=True),
        TextField("employer", 1.0),
    ),
    keyword_fields=("employer_type", "title_level", "talent_tier", "district", "status"),
    keyword_list_fields=("fields",),
    sortable_fields=("name",),
    required=("id", "name"),
)

SCHEMAS: dict[str, IndexSchema] = {s.name: s for s in (NEEDS, EXPERTS)}

# Named so the refusal message says why, rather than just "unknown field".
PERSONAL_DATA_FIELDS = frozenset({"phone", "mobile", "id_number", "id_card", "birth_year", "birthday", "address"})


def schema_for(index: str) -> IndexSchema:
    """The schema of `index`, or `UnknownIndexError`."""
    try:
        return SCHEMAS[index]
    except KeyError:
        raise UnknownIndexError(f"unknown index {index!r}; known indexes: {', '.join(SCHEMAS)}") from None


def parse_iso(value: object, *, index: str, field_name: str) -> dt.datetime | None:
    """An ISO date or datetime string (or date object) as a datetime; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise InvalidDocumentError(f"{index}.{field_name}: {value!r} is not an ISO date or datetime")


def validate_document(schema: IndexSchema, document: Mapping[str, Any]) -> dict[str, Any]:
    """A plain-dict copy of `document` checked against `schema`, dates as ISO strings; refuses what is off."""
    if not isinstance(document, Mapping):
        kind = type(document).__name__
        raise InvalidDocumentError(f"{schema.name}: a document must be a mapping, got {kind}")
    known = schema.known_fields
    unknown = sorted(k for k in document if k not in known)
    if unknown:
        personal = [k for k in unknown if k in PERSONAL_DATA_FIELDS]
        why = " (personal data never enters the search index)" if personal else ""
        raise InvalidDocumentError(
            f"{schema.name}: unknown field(s) {', '.join(unknown)}{why}; allowed: {', '.join(schema.all_fields)}"
        )
    for name in schema.required:
        if document.get(name) in (None, ""):
            raise InvalidDocumentError(f"{schema.name}: field {name!r} is required")
    doc_id = document["id"]
    if isinstance(doc_id, bool) or not isinstance(doc_id, int | str):
        raise InvalidDocumentError(f"{schema.name}: id must be an int or a str, got {doc_id!r}")
    if isinstance(doc_id, str) and not DOCUMENT_ID.fullmatch(doc_id):
        # Meilisearch's rule for ids, applied to every backend so switching backends never breaks an id.
        raise InvalidDocumentError(f"{schema.name}: id {doc_id!r} may hold only A-Z a-z 0-9 - _ (<= 511)")
    out: dict[str, Any] = {"id": doc_id}
    for text in schema.text_fields:
        value = document.get(text.name)
        if value is not None and not isinstance(value, str):
            raise InvalidDocumentError(f"{schema.name}.{text.name}: expected a string, got {value!r}")
        out[text.name] = value or ""
    for name in schema.keyword_fields + schema.sortable_fields:
        if name in out:
            continue
        value = document.get(name)
        if value is not None and not isinstance(value, str | int):
            raise InvalidDocumentError(f"{schema.name}.{name}: expected a string, got {value!r}")
        out[name] = None if value in (None, "") else str(value)
    for name in schema.keyword_list_fields:
        values = document.get(name) or []
        if isinstance(values, str) or not isinstance(values, list | tuple):
            raise InvalidDocumentError(f"{schema.name}.{name}: expected a list of strings, got {values!r}")
        out[name] = [str(v) for v in values if v not in (None, "")]
    for name in schema.date_fields:
        value = document.get(name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        parse_iso(value, index=schema.name, field_name=name)
        out[name] = value or None
    return out


def date_keys(value: str | None) -> tuple[int | None, float | None]:
    """A stored date as (YYYYMMDD of its own calendar day, seconds since the epoch for ordering).

    The day is taken as written (a need created at 23:30 local time counts on that day); for ordering a
    naive datetime is read as UTC."""
    moment = parse_iso(value, index="", field_name="")
    if moment is None:
        return None, None
    day = moment.year * 10000 + moment.month * 100 + moment.day
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return day, moment.timestamp()
