"""Text analysis shared by matching and search: normalisation and Chinese/English segmentation.

Public contract (used by `search/`): `normalize(text)`, `cut(text)`, `cut_for_search(text)`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba

_WORD = re.compile(r"[0-9a-z]+|[\u4e00-\u9fff]+")


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC, Traditional folded to Simplified, lower case."""
    return _t2s().convert(unicodedata.normalize("NFKC", text)).lower()


def cut(text: str) -> list[str]:
    """Words in precise mode (Chinese via jieba-rs, English/digit runs whole), punctuation dropped."""
    out: list[str] = []
    for run in _WORD.findall(normalize(text)):
        if run.isascii():
            out.append(run)
        else:
            out.extend(rjieba.cut(run))
    return out


def cut_for_search(text: str) -> list[str]:
    """Words in search mode: long words are also split into their dictionary sub-words."""
    out: list[str] = []
    for run in _WORD.findall(normalize(text)):
        if run.isascii():
            out.append(run)
        else:
            out.extend(rjieba.cut_for_search(run))
    return out
