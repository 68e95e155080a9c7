"""Text analysis: normalisation, the user dictionary, stop words and match words."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from matching import text

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
