"""Text analysis: normalisation, the user dictionary, stop words and match words."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from matching import text

REPO = Path(__file__).resolve().parents[2]

# ideographs, Latin with combining marks (which compose), compatibility forms (fullwidth, ligatures, circled,
# half-width kana, CJK compatibility ideographs), Hangul jamo (which compose), punctuation, U+0000
_MIXED = st.text(
    st.sampled_from(
        list("水稻栽培醫學技术")
        + list("ae\u0301\u0308\u0323nA")
        + list("ＡＢ１２，。（）ﬁ①㎏ｶﾞ豈更")
        + ["\u1100", "\u1161", "\u11a8", " ", "\n", "\x00", "\x1e"]
    ),
    max_size=40,
)


def test_normalize_folds_traditional_width_and_case() -> None:
    assert text.normalize("醫學ＡＢＣ") == "医学abc"


@given(_MIXED)
def test_nfkc_between_ideographs_is_nfkc_of_the_whole(sample: str) -> None:
    assert text._nfkc(sample) == unicodedata.normalize("NFKC", sample)


# characters that change or join their neighbours under NFKC or lower case (combining marks, Hangul jamo and
# syllables, Oriya vowel signs that compose as two starters, capital sigma and what folds to it, dotted capital I),
# beside ordinary ones, Traditional ones, compatibility forms, a surrogate and a code point past the table
_TRICKY = st.text(
    st.sampled_from(
        list("水稻醫學技術aAeE ，。\n\x00\x1e")
        + list("\u0301\u0308\u0323\u0345\u1100\u1161\u11a8\uac00\uac01\u0b47\u0b3e\u0b56")
        + list("\u03a3\u03c3\u03c2\u03f9\U0001d6ba\u0130\u1e9e\ufb01\u2460\u338f\uff76\uff9e\uf900")
        + ["\U00020000", "\U0002f800", "\U0001f600", "\U00030000", "\ud800"]
    ),
    max_size=60,
)


@given(st.one_of(_MIXED, _TRICKY, st.text(max_size=60)))
@example("AΣ ")  # final sigma: lower case depends on the neighbours
@example("a\u03f9.")  # folds to capital sigma
@example("e\u0301")
@example("\u1100\u1161\u11a8")
@example("\uac00\u11a8")
@example("\u0b47\u0b3e")
@example("\u0130")
def test_normalize_by_table_is_the_steps_or_declines(sample: str) -> None:
    by_table = text._normalize_by_table(sample)
    assert by_table is None or by_table == text._normalize_by_steps(sample)


@given(_TRICKY)
def test_long_text_normalizes_as_the_steps(sample: str) -> None:
    long = (sample + "水稻栽培技术，") * (text._TABLE_MIN_CHARS // 8 + 1)
    assert text.normalize(long) == text._normalize_by_steps(long)


def test_each_independent_code_point_maps_as_the_steps() -> None:
    folded, independent = text._char_table()
    assert independent[0]
    assert folded[0] == 0
    points = np.flatnonzero(independent)[1:]
    assert points.size > 150_000
    assert points.max() < text._TABLE_END
    # joined by U+0000, which nothing composes with, so each is normalised on its own
    steps = text._normalize_by_steps("\x00".join(map(chr, points.tolist()))).split("\x00")
    assert steps == [chr(c) for c in folded[points].tolist()]
    # what may change its neighbours is left to the steps
    assert not independent[[0x0301, 0x1161, 0x11A8, 0x0B3E, 0x03A3, 0x03F9, 0x0130, 0x30000]].any()


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    assert text.normalize("水稻\ud800栽培") == "水稻\ufffd栽培"
    assert text.normalize("水稻\udfff栽培" * 1000) == "水稻\ufffd栽培" * 1000
    assert "栽培" in text.cut("水稻\ud800栽培")


def test_ordinary_long_text_takes_the_table() -> None:
    sample = "醫學ＡＢＣ，水稻栽培 Networks (2024)\n" * 100
    assert text._normalize_by_table(sample) == ("医学abc,水稻栽培 networks (2024)\n" * 100)
    assert text.normalize(sample) == text._normalize_by_steps(sample)


def test_cut_keeps_user_dictionary_terms_whole() -> None:
    assert "病虫害绿色防控" in text.cut("开展病虫害绿色防控技术推广")
    assert "装配式建筑" in text.cut("推广装配式建筑")


def test_cut_for_search_adds_sub_words() -> None:
    words = text.cut_for_search("中华人民共和国")
    assert "中华人民共和国" in words
    assert "中华" in words


def test_parse_user_dictionary_reads_optional_freq_and_tag() -> None:
    entries = text.parse_user_dictionary(["设施农业 20 n", "智慧农业", "# comment", "", "水肥一体化 n"])
    assert entries == [("设施农业", 20, "n"), ("智慧农业", None, None), ("水肥一体化", None, "n")]


def test_words_drop_stop_words_and_stem_english() -> None:
    words = text.words(text.normalize("我们的研究 Networks and Studies of 水稻栽培"))
    assert "network" in words
    assert "study" in words
    assert "the" not in words
    assert "and" not in words
    assert "我们" not in words
    assert "水稻" in words


def test_char_runs_split_on_latin_and_punctuation() -> None:
    assert text.char_runs(text.normalize("水稻abc栽培，技术")) == ["水稻", "栽培", "技术"]


def test_stem_english_leaves_short_and_ss_words() -> None:
    assert [text.stem_english(w) for w in ("gas", "class", "bus", "cities", "models")] == [
        "gas",
        "class",
        "bus",
        "city",
        "model",
    ]


def test_english_function_words_are_stop_words_but_technical_nouns_are_not() -> None:
    stops = text.stop_words()
    assert {"the", "whereas", "therefore", "however", "的"} <= stops
    assert not {"system", "computer", "interest"} & stops
    words = text.words(text.normalize("However, the control system is therefore a computer"))
    assert words == ["control", "system", "computer"]


def test_whole_word_pairs_leave_out_fragments_of_two_words() -> None:
    assert text.whole_word_pairs("猕猴桃溃疡病综合防治") == {"猕猴", "猴桃", "溃疡", "疡病", "综合", "防治"}
    # across a stop word: no pair; across single characters jieba knows no word for: the pair stays
    assert text.whole_word_pairs("犇骉的研究") == {"犇骉", "研究"}
    assert text.whole_word_pairs("bridge 设计, 犇骉") == {"设计", "犇骉"}
    assert text.whole_word_pairs("") == set()


@given(st.text(alphabet="猕猴桃溃疡病综合防治的研究犇骉 ,a", max_size=30))
def test_whole_word_pairs_are_pairs_of_the_text(sample: str) -> None:
    normalized = text.normalize(sample)
    every = {run[i : i + 2] for run in text.char_runs(normalized) for i in range(len(run) - 1)}
    assert text.whole_word_pairs(normalized) <= every


def test_generic_words_are_the_frequent_words_of_general_chinese() -> None:
    generic = text.generic_words(100)
    assert {"工作", "问题", "管理", "人员", "使用"} <= generic
    assert not {"操作", "种植", "药物", "猕猴桃", "孕产妇", "溃疡病"} & generic
    assert text.generic_words(400) < generic  # a higher bar, fewer words
    assert text.generic_words(0) == frozenset()


def test_english_stop_words_are_scikit_learns_read_without_importing_it() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert text.english_stop_words() == ENGLISH_STOP_WORDS
    # in a fresh process, analysing text does not import scikit-learn (0.8 s)
    probe = "import sys; from matching import text; text.words(text.normalize('the kiwi orchards')); "
    probe += "print('sklearn' in sys.modules, sorted(text.stop_words() & {'the', 'system'}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.split() == ["False", "['the']"]


def test_english_stop_words_fall_back_to_the_public_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    # a release whose module needs its package (a relative import), or one without the module at all
    package = tmp_path / "sklearn"
    (package / "feature_extraction").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "feature_extraction" / "_stop_words.py").write_text("from ..utils import x\n")
    fake = importlib.machinery.ModuleSpec("sklearn", None, origin=str(package / "__init__.py"), is_package=True)
    fake.submodule_search_locations = [str(package)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: fake)
    assert text.english_stop_words() == ENGLISH_STOP_WORDS
    (package / "feature_extraction" / "_stop_words.py").unlink()
    assert text.english_stop_words() == ENGLISH_STOP_WORDS
