"""Text analysis shared by matching and search: normalisation, segmentation, match features.

Public contract (used by `search/`): `normalize(text)`, `cut(text)`, `cut_for_search(text)`.
The domain user dictionary (`data/dict/user_dict.txt`, jieba format `word [freq] [tag]`) is loaded into
jieba-rs the first time any cut runs; `stop_words()` reads `data/dict/stop_words.txt`.

Match features (`words(text)` and `char_runs(text)`): dictionary words without stop words (English words
lower-cased and plural-stripped), and the CJK runs from which `matching.features` takes character 1- and
2-grams, so that terms no dictionary knows still match.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import rjieba

DICT_DIR = Path(__file__).resolve().parent.parent / "data" / "dict"
USER_DICT = DICT_DIR / "user_dict.txt"
STOP_WORDS = DICT_DIR / "stop_words.txt"

_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_NOT_IDEOGRAPH = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]+")
_IDEOGRAPH_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff]+)")
_SURROGATE = re.compile("[\ud800-\udfff]")
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


def package_file(package: str, *parts: str) -> Path | None:
    """A file inside an installed package, found without importing the package (None when either is missing)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    return path if path.is_file() else None


def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from the module that defines them without importing scikit-learn:
    its import takes 0.8 s (`python -X importtime`), most of a process's first analysis, for one frozenset.
    Through the public import should that module ever move."""
    path = package_file("sklearn", "feature_extraction", "_stop_words.py")
    module_spec = importlib.util.spec_from_file_location("zhiqiao_sklearn_stop_words", path) if path else None
    if module_spec is not None and module_spec.loader is not None:
        module = importlib.util.module_from_spec(module_spec)
        try:
            module_spec.loader.exec_module(module)
        except (ImportError, SyntaxError):  # a later release's module that needs its package
            pass
        words = getattr(module, "ENGLISH_STOP_WORDS", None)
        if isinstance(words, frozenset):
            return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The shipped stop words (Chinese, and English research boilerplate) with scikit-learn's English stop words
    but for `_ENGLISH_CONTENT_WORDS`, normalised. On the English Debian sets (docs/matching.md) adding
    scikit-learn's list raised MRR 0.754 -> 0.765 (field-level) and 0.182 -> 0.184 (person-level)."""
    shipped = STOP_WORDS.read_text(encoding="utf-8").splitlines() if STOP_WORDS.exists() else []
    english = english_stop_words() - _ENGLISH_CONTENT_WORDS
    return frozenset(normalize(w.strip()) for w in (*shipped, *english) if w.strip())


_DICTIONARY_ENTRY = re.compile(r"^(\S+) (\d+)", re.MULTILINE)


@lru_cache(maxsize=4)
def generic_words(per_million: float) -> frozenset[str]:
    """Words of general Chinese said at least `per_million` times per million words, by the frequencies of jieba's
    own dictionary (its `dict.txt`, ~60M words of general text): 工作, 问题, 技术, 管理, 人员, 使用 at 100, but not
    操作, 种植, 药物 or any domain term. A match's reasons do not name them (`MatchSettings.generic_word_ppm`);
    scores never use them. Empty for 0, or when the dictionary cannot be found. Read without importing jieba
    (0.2 s, once per process)."""
    path = package_file("jieba", "dict.txt") if per_million > 0 else None
    if path is None:
        return frozenset()
    try:
        entries = _DICTIONARY_ENTRY.findall(path.read_text(encoding="utf-8"))
    except OSError:
        return frozenset()
    counts = [int(count) for _, count in entries]
    floor = per_million * 1e-6 * sum(counts)
    return frozenset(normalize(word) for (word, _), count in zip(entries, counts, strict=True) if count >= floor)


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


def load_tables() -> None:
    """Load what analysis reads on first use (the user dictionary into jieba-rs, the stop words, the folding
    tables), once per process: before forking workers, so that they share it, or before timing analysis."""
    _ensure_dictionary()
    stop_words()
    _char_table()


def _normalize_by_steps(text: str) -> str:
    """`normalize` step by step: lone surrogates (which no encoder takes) replaced by U+FFFD, NFKC, then the t2s
    fold, then lower case, each over the whole text."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    table = _t2s_table()
    # Most text is already Simplified: a regex scan finds the few characters to fold far faster than translate.
    folded = _traditional().sub(lambda m: table[ord(m.group())], _nfkc(text))
    return folded.lower()


# Code points below this have an entry in `_char_table`: the BMP, the supplementary multilingual plane (emoji,
# mathematical letters) and the ideographic plane (CJK extensions B-F, compatibility ideographs); a text with any
# other code point is normalised by steps.
_TABLE_END = 0x30000
# Texts shorter than this are normalised by steps: for a query the table's fixed costs (encode, gathers, decode)
# are as much as the steps.
_TABLE_MIN_CHARS = 2_000


@lru_cache(maxsize=1)
def _char_table() -> tuple[np.ndarray, np.ndarray]:
    """(what `normalize` makes of each code point below `_TABLE_END`, whether the code point is *independent*),
    both indexed by code point; the second covers every code point (False from `_TABLE_END` on).

    A code point is independent when `normalize` makes one code point of it and neither it nor the first
    character of its NFKD can change or join its neighbours: its combining class and that of its NFKD's first
    character are 0, neither is the second part of a canonical composition (Hangul vowels and trailing
    consonants included), and its NFKD does not start with a capital sigma (whose lower case depends on the next
    letter). NFKC then composes, orders and folds each such code point on its own, and so do the t2s fold (per
    character) and lower case, so `normalize` of a text made only of independent code points is the table
    applied to each (property-tested against `_normalize_by_steps`)."""
    # U+0001 stands for U+0000 (the separator below) and the surrogates (which do not encode); both are set apart
    # at the end
    chars = ["\x01" if cp == 0 or 0xD800 <= cp < 0xE000 else chr(cp) for cp in range(_TABLE_END)]
    # U+0000 composes with nothing and nothing normalises to it, so one call over the joined characters
    # normalises each on its own
    each = _normalize_by_steps("\x00".join(chars)).split("\x00")
    nfkd_first = [d[0] for d in unicodedata.normalize("NFKD", "\x00".join(chars)).split("\x00")]
    seconds = [0x1161 + i for i in range(21)] + [0x11A8 + i for i in range(27)]  # Hangul V and T jamo
    for decomposition in filter(None, map(unicodedata.decomposition, chars)):
        parts = decomposition.split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.append(int(parts[1], 16))
    points = np.arange(_TABLE_END)
    first_points = np.fromiter(map(ord, nfkd_first), dtype=np.int64, count=_TABLE_END)
    one = np.fromiter(map(len, each), dtype=np.int64, count=_TABLE_END) == 1
    independent = np.zeros(0x110000, dtype=bool)
    independent[:_TABLE_END] = (
        one
        & ~np.isin(points, seconds)
        & ~np.isin(first_points, seconds)
        & (np.fromiter(map(unicodedata.combining, chars), dtype=np.int64, count=_TABLE_END) == 0)
        & (np.fromiter(map(unicodedata.combining, nfkd_first), dtype=np.int64, count=_TABLE_END) == 0)
        & (first_points != 0x03A3)  # capital sigma and what folds to it (sigma has no decomposition of its own)
    )
    folded = np.zeros(_TABLE_END, dtype=np.uint32)
    folded[one] = np.fromiter(map(ord, (e for e in each if len(e) == 1)), dtype=np.uint32)
    folded[0] = 0  # U+0000 is left as it is
    independent[0] = True
    folded[0xD800:0xE000] = 0xFFFD  # a lone surrogate is replaced
    independent[0xD800:0xE000] = True
    return folded, independent


def _normalize_by_table(text: str) -> str | None:
    """`normalize` of a text made only of independent code points (`_char_table`), by one lookup per code point
    in NumPy; None when the text holds any other code point."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    folded, independent = _char_table()
    if not independent[points].all():
        return None
    return folded[points].tobytes().decode("utf-32-le")


def normalize(text: str) -> str:
    """NFKC, Traditional folded to Simplified (OpenCC t2s, per character), lower case; a lone surrogate (which
    no encoder, jieba-rs included, takes) becomes U+FFFD.

    A long text is normalised by the table of code points where it can be (nearly all text): the same string
    as the steps in a third of the time (52.7 -> 19.8 ms for 1.55M characters of synthetic profiles, scratch)."""
    if len(text) >= _TABLE_MIN_CHARS and (by_table := _normalize_by_table(text)) is not None:
        return by_table
    return _normalize_by_steps(text)


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


def dictionary_cut(run: str) -> list[str]:
    """A normalised run cut into dictionary words only (jieba's dictionary and the domain one, no HMM guesses):
    a stretch no dictionary word covers comes out one character at a time."""
    _ensure_dictionary()
    return rjieba.cut(run, False)  # type: ignore[no-any-return]


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


def whole_word_pairs(normalized: str) -> set[str]:
    """The CJK character pairs of already-normalised text that are not a fragment of two words: a pair whose
    characters lie in two jieba tokens is left out (wherever it occurs so) when both tokens are words of two or
    more characters (综合|防治 gives 合防) or either is a stop word (的|研究 gives 的研). A pair inside a word, or
    across single characters (an unknown term that jieba cuts into characters, 犇|骉), stays."""
    tokens = cut_normalized(normalized)
    stops = stop_words()
    across: set[int] = set()  # positions of the second character of each pair that joins two tokens so
    if "".join(tokens) == normalized:
        position, previous = 0, ""
        for token in tokens:
            if position and ((len(previous) >= 2 and len(token) >= 2) or previous in stops or token in stops):
                across.add(position)
            position, previous = position + len(token), token
    return {
        normalized[i - 1 : i + 1]
        for run in _CJK_RUN.finditer(normalized)
        for i in range(run.start() + 1, run.end())
        if i not in across
    }


def char_runs(normalized: str) -> list[str]:
    """The CJK runs of already-normalised text (character n-grams never cross punctuation or Latin)."""
    return _CJK_RUN.findall(normalized)
