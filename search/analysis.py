"""Turn document text and query text into index terms, through the same analyser as matching.

Each searchable field is indexed three ways, so a word jieba keeps inside a longer one is still found while
whole words rank first:
- `words`: precise-mode words (`matching.text.cut`), the whole-word match;
- `subwords`: the extra words search mode finds inside long words (`cut_for_search` minus `cut`);
- `grams`: character bigrams of every Chinese run plus the run's last character, so any substring of two
  or more characters is an adjacent bigram phrase and any single character is a prefix of some gram.
Names also get pinyin terms (full, initials, syllables) so 张伟 is found by `zhangwei`, `zhang wei` or `zw`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from matching.text import cut, cut_for_search, normalize

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# The runs `matching.text.cut` segments one at a time (it never joins words across them), so a field's words
# are the concatenation of its runs' words: each run is segmented once and remembered. tests/search checks
# that this equals `cut` / `cut_for_search` of the whole text.
WORD_RUN = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff]+")
# At each Chinese character: it and the next one (a bigram), or the character alone at the end of its run.
GRAM = re.compile(r"(?=([\u4e00-\u9fff](?:[\u4e00-\u9fff]|(?![\u4e00-\u9fff]))))")
RUN_CACHE_SIZE = 1 << 16
ASCII_WORD = re.compile(r"[0-9a-z]+")
MAX_QUERY_TERMS = 32
MAX_TERM_CHARS = 64
VOCABULARY_DIR = Path(__file__).resolve().parent.parent / "data" / "search"
#: Names whose symbols carry the meaning: the word splitter keeps letters and digits only, so C++ and C# were both
#: the word `c` (and found every C-word and every name whose pinyin starts with c). Each is spelled as one word of
#: letters in the index and in queries; `search.highlight` marks the name as written.
SYMBOL_WORDS = {"c++": "cplusplus", "c#": "csharp", "f#": "fsharp", ".net": "dotnet"}
SPELLED_SYMBOL_WORDS = frozenset(SYMBOL_WORDS.values())
_SYMBOL_WORD = re.compile(r"(?<![0-9a-z+#.])(?:c\+\+|c#|f#|\.net)(?![0-9a-z+#])")


@dataclass(frozen=True)
class AnalysedText:
    """One field's index terms, each kind as space-separated tokens ready for an FTS column."""

    words: str
    subwords: str
    grams: str


@dataclass(frozen=True)
class QueryTerm:
    """One word of the query: what was typed (normalised), its synonyms, and whether it may be a prefix."""

    text: str
    alternatives: tuple[str, ...]
    prefix: bool

    @property
    def is_cjk(self) -> bool:
        """True when the word is Chinese (bigram recall applies), False for an English word or a number."""
        return bool(CJK_RUN.fullmatch(self.text))


@dataclass(frozen=True)
class Vocabulary:
    """Synonym groups and stop words for queries (loaded from `data/search/`)."""

    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stop_words: frozenset[str] = frozenset()
    groups: tuple[tuple[str, ...], ...] = ()
    # Synonyms that a query cuts into several words (`big data`, 太阳能发电), by those words: `parse_query`
    # joins such a run back into one term, so it is expanded like a one-word synonym.
    phrases: dict[tuple[str, ...], str] = field(init=False)

    def __post_init__(self) -> None:
        phrases = {}
        for word in self.synonyms:
            words = tuple(w[:MAX_TERM_CHARS] for w in cut(word))
            if len(words) > 1:
                phrases[words] = word
        object.__setattr__(self, "phrases", phrases)


def load_vocabulary(directory: Path | None = None) -> Vocabulary:
    """Read `synonyms.json` (groups of equivalent words) and `stop_words.txt` from `directory`."""
    directory = directory or VOCABULARY_DIR
    groups: list[tuple[str, ...]] = []
    synonyms_path = directory / "synonyms.json"
    if synonyms_path.exists():
        raw = json.loads(synonyms_path.read_text(encoding="utf-8"))
        for group in raw.get("groups", []):
            words = tuple(dict.fromkeys(normalize(w).strip() for w in group if normalize(w).strip()))
            if len(words) > 1:
                groups.append(words)
    synonyms: dict[str, tuple[str, ...]] = {}
    for words in groups:
        for word in words:
            others = tuple(w for w in words if w != word)
            synonyms[word] = tuple(dict.fromkeys(synonyms.get(word, ()) + others))
    stop_words: set[str] = set()
    stop_path = directory / "stop_words.txt"
    if stop_path.exists():
        for line in stop_path.read_text(encoding="utf-8").splitlines():
            word = normalize(line.split("#", 1)[0]).strip()
            if word:
                stop_words.add(word)
    return Vocabulary(synonyms=synonyms, stop_words=frozenset(stop_words), groups=tuple(groups))


@lru_cache(maxsize=4)
def default_vocabulary() -> Vocabulary:
    """The shipped vocabulary, read once per process (immutable)."""
    return load_vocabulary()


def spell_symbol_words(normalized: str) -> str:
    """Already-normalised text with C++, C#, F# and .NET written as their one-word spellings (`SYMBOL_WORDS`)."""
    if "+" not in normalized and "#" not in normalized and ".net" not in normalized:
        return normalized
    return _SYMBOL_WORD.sub(lambda m: f" {SYMBOL_WORDS[m.group(0)]} ", normalized)


def char_grams(normalized: str) -> list[str]:
    """Bigrams of every Chinese run of already-normalised text, each run followed by its last character."""
    return GRAM.findall(normalized)


@dataclass(frozen=True)
class RunTerms:
    """The index terms of one run: precise-mode words, the search-mode words beyond them, and grams."""

    words: tuple[str, ...]
    subwords: tuple[str, ...]
    grams: tuple[str, ...]


@lru_cache(maxsize=RUN_CACHE_SIZE)
def analyse_run(run: str) -> RunTerms:
    """Terms of one normalised run (remembered: clauses and names recur across documents)."""
    if run.isascii():
        return RunTerms((run,), (), ())
    words = cut(run)
    extra = Counter(cut_for_search(run))
    extra.subtract(words)
    # Runs are maximal, so the run's grams are its grams in the whole text (Extension A characters split it).
    return RunTerms(tuple(words), tuple(w for w, n in extra.items() if n > 0), tuple(GRAM.findall(run)))


def analyse_field(text: str) -> AnalysedText:
    """The three kinds of index terms for one field's text (sub-words: each distinct one once)."""
    if not text:
        return AnalysedText("", "", "")
    words: list[str] = []
    subwords: list[str] = []
    grams: list[str] = []
    for run in WORD_RUN.findall(spell_symbol_words(normalize(text))):
        terms = analyse_run(run)
        words += terms.words
        subwords += terms.subwords
        grams += terms.grams
    return AnalysedText(" ".join(words), " ".join(dict.fromkeys(subwords)), " ".join(grams))


@lru_cache(maxsize=4096)
def query_words(text: str) -> tuple[str, ...]:
    """Precise-mode words of a query word or synonym (remembered: the same few words are asked for often)."""
    return tuple(cut(text))


def name_pinyin(text: str) -> str:
    """Pinyin terms for a name: syllables joined, initials, and each syllable (space-separated)."""
    normalized = normalize(text)
    tokens: list[str] = []
    for run in CJK_RUN.findall(normalized):
        syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
        syllables = [s for s in syllables if s.isascii() and s.isalpha()]
        if not syllables:
            continue
        tokens.append("".join(syllables))
        tokens.append("".join(s[0] for s in syllables))
        tokens.extend(syllables)
    return " ".join(dict.fromkeys(tokens))


def _join_phrases(words: list[str], phrases: dict[tuple[str, ...], str]) -> list[str]:
    """`words` with each run that spells a several-word synonym (longest first) joined into that synonym."""
    if not phrases:
        return words
    longest = max(len(key) for key in phrases)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 1, -1):
            phrase = phrases.get(tuple(words[i : i + size]))
            if phrase is not None:
                out.append(phrase)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def parse_query(q: str, vocabulary: Vocabulary | None = None) -> list[QueryTerm]:
    """The words of a typed query (never raises): precise-mode words, stop words dropped, at most 32.

    The last word is a prefix unless the query ends with a space (the user finished typing it)."""
    vocabulary = vocabulary or default_vocabulary()
    if not isinstance(q, str) or not q.strip():
        return []
    typed = spell_symbol_words(normalize(q[:2000]))
    words = _join_phrases([w[:MAX_TERM_CHARS] for w in cut(typed)], vocabulary.phrases)
    if not words:
        return []
    kept = [w for w in words if w not in vocabulary.stop_words] or words
    kept = list(dict.fromkeys(kept))[:MAX_QUERY_TERMS]
    ends_typing = not q[-1].isspace()
    last_word = words[-1]
    terms = []
    for i, word in enumerate(kept):
        prefix = ends_typing and i == len(kept) - 1 and word == last_word
        terms.append(QueryTerm(word, (word, *vocabulary.synonyms.get(word, ())), prefix))
    return terms


def keep_best_covered(
    terms: Sequence[QueryTerm], held: Iterable[int], frequency: Sequence[int], documents: int
) -> tuple[list[QueryTerm], list[QueryTerm]]:
    """(kept, dropped) when no document holds every word of a query of several words (a pasted sentence).

    `held` gives, for candidate documents, the words each holds as a bit mask over `terms` (bit i: terms[i]);
    `frequency[i]` is how many of the `documents` (those passing the filters) hold terms[i]. Kept are the words
    of the candidate whose words weigh most, a word weighing the square of its inverse document frequency, so
    that one specific word (溃疡病) outweighs several everyday ones (我们, 需要, 来, 指导) held together; ties
    go to the first candidate given.
    Without a candidate every word is kept (and nothing is found)."""
    weights = [math.log((documents + 1) / (f + 0.5)) ** 2 for f in frequency]
    best, best_weight = 0, 0.0
    for mask in held:
        weight = sum(w for i, w in enumerate(weights) if mask >> i & 1)
        if weight > best_weight:
            best, best_weight = mask, weight
    if not best:
        return list(terms), []
    kept = [t for i, t in enumerate(terms) if best >> i & 1]
    return kept, [t for i, t in enumerate(terms) if not best >> i & 1]
