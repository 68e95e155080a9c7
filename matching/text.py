"""Text analysis shared by matching and search: normalisation, segmentation, match features.

Public contract (used by `search/`): `normalize(text)`, `cut(text)`, `cut_for_search(text)`.
The domain user dictionary (`data/dict/user_dict.txt`, jieba format `word [freq] [tag]`) is loaded into
jieba-rs the first time any cut runs; `stop_words()` reads `data/dict/stop_words.txt`.

Match features (`words(text)` and `char_runs(text)`): dictionary words without stop words (English words
lower-cased and plural-stripped), and the CJK runs from which `matching.features` takes character 1- and
2-grams, so that terms no dictionary knows still match.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import rjieba

DICT_DIR = Path(__file__).resolve().parent.parent / "data" / "dict"
USER_DICT = DICT_DIR / "user_dict.txt"
STOP_WORDS = DICT_DIR / "stop_words.txt"

_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_NOT_IDEOGRAPH = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]+")
_IDEOGRAPH_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff]+)")
_loaded_lock = threading.Lock()
_dict_loaded = False


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def parse_user_dictionary(lines: Iterable[str]) -> list[tuple[str, int | None, str | None]]:
    """Parse jieba dictionary lines `word [freq] [tag]` (blank lines and `#` comments skipped)."""
    entries: list[tuple[str, int | None, str | None]] = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = parts[0]
        freq: int | None = None
        tag: str | None = None
        rest = parts[1:]
        if rest and rest[0].isdigit():
            freq = int(rest[0])
            rest = rest[1:]
        if rest:
            tag = rest[0]
        entries.append((word, freq, tag))
    return entries


def load_user_dictionary(path: Path = USER_DICT, segmenter: object | None = None) -> int:
    """Add every word of a jieba-format dictionary file to jieba-rs (or to `segmenter`); returns the count."""
    add = segmenter.add_word if segmenter is not None else rjieba.add_word  # type: ignore[attr-defined]
    entries = parse_user_dictionary(path.read_text(encoding="utf-8").splitlines())
    for word, freq, tag in entries:
        # jieba-rs matches on the normalised (lower-case, Simplified) text we feed it.
        add(normalize(word), freq, tag)
    return len(entries)


def _ensure_dictionary() -> None:
    global _dict_loaded
    if _dict_loaded:
        return
    with _loaded_lock:
        if not _dict_loaded:
            if USER_DICT.exists():
                load_user_dictionary(USER_DICT)
            _dict_loaded = True


# scikit-learn's English stop words include a few nouns and verbs that name subjects in technical text
_ENGLISH_CONTENT_WORDS = frozenset("bill call computer describe detail fill find fire found interest system".split())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The shipped stop words (Chinese, and English research boilerplate) with scikit-learn's English stop words
    but for `_ENGLISH_CONTENT_WORDS`, normalised. On the English Debian sets (docs/matching.md) adding
    scikit-learn's list raised MRR 0.754 -> 0.765 (field-level) and 0.182 -> 0.184 (person-level)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # imported on first use: it is slow to load

    shipped = STOP_WORDS.read_text(encoding="utf-8").splitlines() if STOP_WORDS.exists() else []
    english = ENGLISH_STOP_WORDS - _ENGLISH_CONTENT_WORDS
    return frozenset(normalize(w.strip()) for w in (*shipped, *english) if w.strip())


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """OpenCC t2s applied character by character, as a str.translate table (phrase rules are not needed
    for matching, and translate runs two orders of magnitude faster than OpenCC on long batches)."""
    converter = _t2s()
    table: dict[int, str] = {}
    for cp in range(0x3400, 0xA000):
        ch = chr(cp)
        folded = converter.convert(ch)
        if folded != ch and len(folded) == 1:
            table[cp] = folded
    return table


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    return re.compile("[" + "".join(chr(cp) for cp in sorted(_t2s_table())) + "]")


def _nfkc_piece(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


def _nfkc(text: str) -> str:
    """NFKC of `text`, normalising only the stretches between CJK ideographs.

    CPython's NFKC runs at ~2M characters/s on Chinese text; the ideographs (U+3400..U+4DBF, U+4E00..U+9FFF)
    are NFKC-stable starters that compose with nothing, so NFKC of the whole is NFKC of the pieces between them.
    The pieces are normalised in one call, joined by U+0000 (a starter that composes with nothing and that
    nothing else normalises to): one call per piece through `re.sub` took 227 ms against 133 ms for a 7.7M
    character batch of synthetic profiles, full of punctuation between ideographs.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    if "\x00" in text:
        return _NOT_IDEOGRAPH.sub(_nfkc_piece, text)
    parts = _IDEOGRAPH_RUNS.split(text)  # pieces between ideographs at even places, the ideograph runs between
    parts[0::2] = unicodedata.normalize("NFKC", "\x00".join(parts[0::2])).split("\x00")
    return "".join(parts)


def normalize(text: str) -> str:
    """NFKC, Traditional folded to Simplified (OpenCC t2s, per character), lower case."""
    table = _t2s_table()
    # Most text is already Simplified: a regex scan finds the few characters to fold far faster than translate.
    folded = _traditional().sub(lambda m: table[ord(m.group())], _nfkc(text))
    return folded.lower()


def cut(text: str) -> list[str]:
    """Words in precise mode (Chinese via jieba-rs, English/digit runs whole), punctuation dropped."""
    _ensure_dictionary()
    out: list[str] = []
    for run in _WORD.findall(normalize(text)):
        if run.isascii():
            out.append(run)
        else:
            out.extend(rjieba.cut(run))
    return out


def cut_for_search(text: str) -> list[str]:
    """Words in search mode: long words are also split into their dictionary sub-words."""
    _ensure_dictionary()
    out: list[str] = []
    for run in _WORD.findall(normalize(text)):
        if run.isascii():
            out.append(run)
        else:
            out.extend(rjieba.cut_for_search(run))
    return out


def stem_english(word: str) -> str:
    """A light plural stemmer (Harman's S-stemmer): `studies`->`study`, `networks`->`network`."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def match_word(token: str, stops: frozenset[str]) -> str | None:
    """The match word a jieba token stands for (English words plural-stripped), or None when it is not one:
    shorter than two characters, a stop word, punctuation, a number."""
    if len(token) < 2 or token in stops:
        return None
    if token.isascii():
        return stem_english(token) if token.isalnum() and not token.isdigit() else None
    return token if _WORD.fullmatch(token) else None


def cut_normalized(normalized: str) -> list[str]:
    """jieba-rs tokens of already-normalised text, punctuation and separators included (one call for a whole
    batch of texts joined by a separator: `matching.features` counts batches so)."""
    _ensure_dictionary()
    return rjieba.cut(normalized)


def words(normalized: str) -> list[str]:
    """Match words of already-normalised text: jieba words of 2+ characters and English words, no stop words."""
    stops = stop_words()
    return [w for w in (match_word(token, stops) for token in cut_normalized(normalized)) if w is not None]


def char_runs(normalized: str) -> list[str]:
    """The CJK runs of already-normalised text (character n-grams never cross punctuation or Latin)."""
    return _CJK_RUN.findall(normalized)
