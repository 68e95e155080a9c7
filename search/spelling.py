"""Mend a Chinese query typed with a slip of the pinyin input method: a character of the same sound typed for
the right one (猕候桃 for 猕猴桃, 大棚蔬采 for 大棚蔬菜, 水稻病重害 for 水稻病虫害).

Each Chinese run of the query is read as jieba reads text, the most probable sequence of dictionary words (word
probabilities from jieba's own `dict.txt` and the domain dictionary `data/dict/user_dict.txt`), except that a
stretch of 2-4 characters may also be read as a dictionary word that differs from it in one character sharing a
reading (tones ignored, every reading of a polyphone: 重 is zhong and chong). Such a reading costs `SLIP_COST`
(about one slip in 8,000 words), and a word of one character costs `SINGLE_COST` more than its frequency says: a
slip usually breaks a word into single characters (猕候桃 is cut 猕候 + 桃), so a run of them is what a slip
looks like. A query is mended only where the mended reading is the more probable one after those costs.

This is a guess from the dictionary alone: `SearchBackend.search` asks for it only when the query as typed found
nothing or had to leave words out, and keeps it only when the mended query finds more (see docs/search.md).
A correct word that happens to sound like a commoner one (心里 beside 心理, 防空 beside 防控) is never changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

from matching.text import USER_DICT, dictionary_cut, normalize, package_file, parse_user_dictionary

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_DICTIONARY_ENTRY = re.compile(r"^(\S+) (\d+)", re.MULTILINE)

#: Log-probability cost of reading a stretch as another word one same-sounding character away.
SLIP_COST = 9.0
#: Extra cost of a word of one character.
SINGLE_COST = 2.0
#: Dictionary words rarer than this (in jieba's ~60M-word count) are not read at all; a word the query may be
#: mended into must be said at least `TARGET_MIN_COUNT` times, so that a slip is not mended into an oddity.
WORD_MIN_COUNT = 10
TARGET_MIN_COUNT = 20
#: Longest dictionary word read, and longest stretch a slip is looked for in.
LONGEST_WORD = 6
LONGEST_SLIP = 4
#: Runs longer than this, and queries longer than LONGEST_QUERY (a pasted paragraph), are left as typed: a
#: query people type is short, and the work grows with the length.
LONGEST_RUN = 16
LONGEST_QUERY = 64
#: Weight of a domain word listed without a count, and of a word jieba knows that is rarer than WORD_MIN_COUNT.
USER_WORD_COUNT = 100
RARE_WORD_COUNT = 5


@dataclass(frozen=True)
class Lexicon:
    """Word counts (their log-probability is ln(count) − `log_total`), and for each character the characters
    sharing one of its readings."""

    counts: dict[str, int]
    log_total: float
    sounds_like: dict[str, frozenset[str]]

    def log_probability(self, word: str) -> float | None:
        count = self.counts.get(word)
        return None if count is None else math.log(count) - self.log_total

    @property
    def unknown(self) -> float:
        """The log-probability of a character the dictionary does not hold (half a count)."""
        return math.log(0.5) - self.log_total


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Read the dictionaries once per process (about 1 s and 65 MB; only when a query needs mending)."""
    counts: dict[str, int] = {}
    path = package_file("jieba", "dict.txt")
    if path is not None:
        for word, count_text in _DICTIONARY_ENTRY.findall(path.read_text(encoding="utf-8")):
            count = int(count_text)
            if CJK_RUN.fullmatch(word) and len(word) <= LONGEST_WORD and (len(word) == 1 or count >= WORD_MIN_COUNT):
                word = normalize(word)
                counts[word] = max(counts.get(word, 0), count)
    if USER_DICT.exists():
        for listed, listed_count, _ in parse_user_dictionary(USER_DICT.read_text(encoding="utf-8").splitlines()):
            word = normalize(listed)
            if CJK_RUN.fullmatch(word):
                counts[word] = max(counts.get(word, 0), listed_count or USER_WORD_COUNT)
    readings: dict[str, set[str]] = {}
    by_sound: dict[str, set[str]] = {}
    for char in {c for word in counts for c in word}:
        sounds = {s for s in pinyin(char, style=Style.NORMAL, heteronym=True)[0] if s.isascii() and s.isalpha()}
        readings[char] = sounds
        for sound in sounds:
            by_sound.setdefault(sound, set()).add(char)
    sounds_like = {
        char: frozenset(other for sound in sounds for other in by_sound[sound] if other != char)
        for char, sounds in readings.items()
    }
    return Lexicon(counts, math.log(sum(counts.values()) or 1), sounds_like)


def _readings(stretch: str, words: Lexicon, known: set[str]) -> list[tuple[float, str]]:
    """How `stretch` may be read: as itself if it is a word, and as each word one same-sounding character away.

    `known`: the run's words on jieba's own dictionary path, read as words even when rarer than the lexicon
    holds (剪枝 is said 9 times in jieba's count: it must not be mended into 剪切)."""
    out: list[tuple[float, str]] = []
    own = words.log_probability(stretch)
    if own is None and stretch in known:
        own = math.log(RARE_WORD_COUNT) - words.log_total
    if own is not None:
        out.append((own - (SINGLE_COST if len(stretch) == 1 else 0.0), stretch))
    elif len(stretch) == 1:
        out.append((words.unknown - SINGLE_COST, stretch))
    if 2 <= len(stretch) <= LONGEST_SLIP:
        for i, char in enumerate(stretch):
            for other in words.sounds_like.get(char, ()):
                mended = stretch[:i] + other + stretch[i + 1 :]
                count = words.counts.get(mended, 0)
                if count >= TARGET_MIN_COUNT:
                    out.append((math.log(count) - words.log_total - SLIP_COST, mended))
    return out


def mend_run(run: str, words: Lexicon | None = None) -> str:
    """The most probable reading of one run of Chinese characters, slips mended (the run itself if none)."""
    words = words or lexicon()
    known = {word for word in dictionary_cut(run) if len(word) > 1}
    best: list[tuple[float, str] | None] = [(0.0, "")] + [None] * len(run)
    for end in range(1, len(run) + 1):
        choice: tuple[float, str] | None = None
        for start in range(max(0, end - LONGEST_WORD), end):
            before = best[start]
            if before is None:
                continue
            for score, reading in _readings(run[start:end], words, known):
                if choice is None or before[0] + score > choice[0]:
                    choice = (before[0] + score, before[1] + reading)
        best[end] = choice
    final = best[-1]
    return final[1] if final is not None else run


def mend_query(q: str) -> str | None:
    """The query with its slips mended (normalised as the index reads it), or None when nothing was mended."""
    if not isinstance(q, str) or not CJK_RUN.search(q):
        return None
    typed = normalize(q)
    if len(typed) > LONGEST_QUERY:
        return None
    mended = CJK_RUN.sub(lambda m: mend_run(m.group()) if len(m.group()) <= LONGEST_RUN else m.group(), typed)
    return mended if mended != typed else None
