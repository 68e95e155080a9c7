"""Field checks shared by the API shapes and the importers; messages are for people, in Chinese."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from service import reference
from service.logging_setup import scrub

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
# A landline as people write it with its parts apart: (028)87654321, (028)8765-4321, 028-8765-4321.
_LANDLINE_PARTS = re.compile(r"^(?:\((0[0-9]{2,3})\)|(0[0-9]{2,3})-)([0-9]{3,4})-?([0-9]{4})$")
# A mobile number copied from a phone's contacts carries the country code: +86 138 1234 5678, 0086-138…
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_choice(choices: Sequence[str], label: str) -> Callable[[str | None], str | None]:
    """A validator accepting None or one of `choices`."""

    def _check(value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.strip()
        if value not in choices:
            raise ValueError(f"{label}“{value}”无效，应为：{'、'.join(choices)}")
        return value

    return _check


def required_text(label: str) -> Callable[[str | None], str | None]:
    """A validator for text that must say something: stripped, and refused when only spaces are left (None, for a
    field left out of an update, passes)."""

    def _check(value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError(f"{label}不能为空")
        return value

    return _check


MAX_DOCUMENTS = 50
DOCUMENT_LIMITS = {"kind": 10, "title": 200, "text": 5000}
MAX_FIELD_LABELS = 20


def check_documents(value: list[dict[str, str]] | None) -> list[dict[str, str]] | None:
    """An expert's documents (成果与经历): at most `MAX_DOCUMENTS`, each with a title or a text, within
    `DOCUMENT_LIMITS` characters per part; stored stripped."""
    if value is None:
        return None
    if len(value) > MAX_DOCUMENTS:
        raise ValueError(f"成果与经历最多 {MAX_DOCUMENTS} 项（收到 {len(value)} 项）")
    return [check_document(document, n) for n, document in enumerate(value, start=1)]


def check_document(document: dict[str, str], n: int) -> dict[str, str]:
    """One document, stripped; `n` numbers it in the message (第 n 项成果…) as the person sees the list."""
    unknown = set(document) - set(DOCUMENT_LIMITS)
    if unknown:
        raise ValueError(f"第 {n} 项成果含有无法识别的内容：{'、'.join(sorted(unknown))}")
    cleaned = {key: str(document.get(key, "")).strip() for key in DOCUMENT_LIMITS}
    if not (cleaned["title"] or cleaned["text"]):
        raise ValueError(f"第 {n} 项成果的标题和内容不能都为空")
    for key, most in DOCUMENT_LIMITS.items():
        if len(cleaned[key]) > most:
            part = {"kind": "类别", "title": "标题", "text": "内容"}[key]
            raise ValueError(f"第 {n} 项成果的{part}不能超过 {most} 个字符")
    return cleaned


def check_field_labels(value: list[str] | None) -> list[str] | None:
    """Free-text field labels: at most `MAX_FIELD_LABELS`, each of 1 to 50 characters."""
    if value is None:
        return None
    labels = [str(v).strip() for v in value if str(v).strip()]
    if len(labels) > MAX_FIELD_LABELS:
        raise ValueError(f"专业领域标签最多 {MAX_FIELD_LABELS} 个")
    if any(len(label) > 50 for label in labels):
        raise ValueError("每个专业领域标签不能超过 50 个字符")
    return labels


def blank_as_none(check: Callable[[str | None], str | None]) -> Callable[[str | None], str | None]:
    """`check` for a filter, where an empty value means "any" (a form's blank choice)."""

    def _check(value: str | None) -> str | None:
        return None if value is None or not str(value).strip() else check(value)

    return _check


SHORTEST_MASKED_PHONE = 6


def check_phone(value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()  # full-width digits typed by an input method
    compact = re.sub(r"\s", "", text)
    mobile = _COUNTRY_CODE.sub("", compact.replace("-", ""))
    if _MOBILE.match(mobile):
        return mobile
    if _LANDLINE.match(compact):
        return compact
    parts = _LANDLINE_PARTS.match(compact)
    if parts:
        area, local = parts[1] or parts[2], parts[3] + parts[4]
        return f"{area}-{local}"
    # too few digits to reach anyone: quoted as typed, so that the person sees what was wrong; longer, masked
    shown = text if len(re.sub(r"\D", "", text)) <= SHORTEST_MASKED_PHONE else mask_phone(text)
    raise ValueError(f"联系电话“{shown}”格式不正确，应为 11 位手机号或带区号的座机号")


def id_number_is_valid(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def check_id_number(value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if not id_number_is_valid(text):
        raise ValueError("身份证号码格式或校验位不正确")
    return text


def check_district(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text in reference.districts():
        return text
    code = reference.district_codes_by_name().get(text)
    if code is None:
        raise ValueError(f"区县“{text}”不是成都市的区（市）县或功能区")
    return code


def check_fields(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [check_field(v) or "" for v in value if str(v).strip()]


def check_field(value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text in reference.fields():
        return text
    code = reference.field_codes_by_name().get(text)
    if code is None:
        raise ValueError(f"专业领域“{text}”不在学科分类（GB/T 13745）中")
    return code


def mask_phone(value: str | None) -> str | None:
    """138****1234 for a mobile; keep area code and last 2 digits for a landline."""
    if not value:
        return value
    if len(value) == 11 and value.isdigit():
        return f"{value[:3]}****{value[-4:]}"
    return value[:4] + "*" * max(len(value) - 6, 1) + value[-2:] if len(value) > 6 else "****"


def mask_numbers_in_text(text: str) -> str:
    """Free text (a need's description) with the phone and ID numbers written in it masked, as the logs mask them:
    a unit often writes its contact's number into the description, which the masked contact phone would not hide."""
    return scrub(text)


def mask_id_number(value: str | None) -> str | None:
    """First 6 and last 4 characters kept (GB/T 35273 practice)."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "****"
