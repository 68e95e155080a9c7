"""Mark matched words in the ORIGINAL text, HTML-escaping everything else, so the UI can show it as is."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from matching.text import normalize
from search.analysis import SYMBOL_WORDS

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
SNIPPET_CHARS = 80
SNIPPET_LEAD = 20
ELLIPSIS = "…"

Span = tuple[int, int]


def _normalized_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Normalised text and, per normalised character, the index of the original character it came from
    (None when normalising kept every character in place, as it does for almost all text)."""
    normalized = normalize(text)
    if len(normalized) == len(text):
        return normalized, None
    # NFKC can expand or fold characters (① -> 1, ﬁ -> fi); map piece by piece only when lengths differ.
    pieces: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        piece = normalize(ch)
        pieces.append(piece)
        offsets.extend([i] * len(piece))
    return "".join(pieces), offsets


#: The names the index spells as words (`search.analysis.SYMBOL_WORDS`), by their spelling: marked as written.
_AS_WRITTEN = {spelled: written for written, spelled in SYMBOL_WORDS.items()}


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    """Chinese terms match anywhere; English words and numbers only at the start of a word."""
    term = _AS_WRITTEN.get(term, term)
    if term.isascii():
        return re.compile(r"(?<![0-9a-z])" + re.escape(term))
    return re.compile(re.escape(term))


def find_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Merged [start, end) spans of the original text where any normalised term occurs.

    Chinese terms match anywhere; English words and numbers only at the start of a word."""
    normalized, offsets = _normalized_with_offsets(text)
    spans: list[Span] = []
    for term in {t for t in terms if t}:
        for m in _term_pattern(term).finditer(normalized):
            if offsets is None:
                spans.append((m.start(), m.end()))
            else:
                spans.append((offsets[m.start()], offsets[m.end() - 1] + 1))
    return merge_spans(spans)


def pinyin_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Spans of a name whose pinyin (full, initials, a syllable, or a typed prefix) matches."""
    chars = [(i, ch) for i, ch in enumerate(text) if "\u4e00" <= ch <= "\u9fff"]
    if not chars:
        return []
    syllables = lazy_pinyin([ch for _, ch in chars], style=Style.NORMAL)
    full = "".join(syllables)
    initials = "".join(s[:1] for s in syllables)
    spans: list[Span] = []
    for term in terms:
        if not term.isascii() or not term:
            continue
        if full.startswith(term) or initials == term or (len(term) > 1 and initials.startswith(term)):
            spans.append((chars[0][0], chars[-1][0] + 1))
            continue
        for (i, _), syllable in zip(chars, syllables, strict=True):
            if syllable.startswith(term):
                spans.append((i, i + 1))
    return merge_spans(spans)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with overlapping ones joined (touching ones stay apart, one mark per word)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def render(text: str, spans: Sequence[Span], *, snippet: bool = False) -> str:
    """`text` HTML-escaped with `<mark>` around `spans`; a snippet is cropped around the first span."""
    start, end = 0, len(text)
    if snippet and len(text) > SNIPPET_CHARS:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - SNIPPET_LEAD, len(text) - SNIPPET_CHARS))
        end = min(len(text), start + SNIPPET_CHARS)
    out: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append(MARK_OPEN + html.escape(text[s:e]) + MARK_CLOSE)
        cursor = e
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


def highlight(text: str, terms: Iterable[str], *, snippet: bool = False, pinyin: bool = False) -> str | None:
    """Marked, escaped text (cropped if `snippet`) when a term occurs in it, else None."""
    if not text:
        return None
    terms = list(terms)
    spans = find_spans(text, terms)
    if pinyin:
        spans = merge_spans(spans + pinyin_spans(text, terms))
    if not spans:
        return None
    return render(text, spans, snippet=snippet)
