"""Highlighting marks the original text and escapes the rest."""

from __future__ import annotations

from search.highlight import SNIPPET_CHARS, highlight


def test_marks_every_occurrence_and_escapes_html() -> None:
    assert highlight("<b>猕猴桃</b> & 猕猴桃", ["猕猴桃"]) == (
        "&lt;b&gt;<mark>猕猴桃</mark>&lt;/b&gt; &amp; <mark>猕猴桃</mark>"
    )


def test_no_match_gives_none() -> None:
    assert highlight("柑橘黄龙病", ["猕猴桃"]) is None
    assert highlight("", ["猕猴桃"]) is None


def test_overlapping_terms_give_one_mark() -> None:
    assert highlight("猕猴桃溃疡病", ["猕猴桃", "猴桃溃"]) == "<mark>猕猴桃溃</mark>疡病"


def test_adjacent_words_keep_their_own_marks() -> None:
    assert highlight("猕猴桃溃疡病", ["猕猴桃", "溃疡"]) == "<mark>猕猴桃</mark><mark>溃疡</mark>病"


def test_marks_the_original_characters_after_normalisation() -> None:
    # Full-width letters and Traditional characters are matched through normalisation, shown as written.
    assert highlight("ＡＩ 技術推廣", ["ai", "技术"]) == "<mark>ＡＩ</mark> <mark>技術</mark>推廣"


def test_expanding_normalisation_keeps_offsets() -> None:
    # NFKC turns ﬁ into two letters and ① into 1: the mark must still land on the original characters.
    assert highlight("ﬁeld ① 猕猴桃", ["猕猴桃"]) == "ﬁeld ① <mark>猕猴桃</mark>"
    assert highlight("ﬁeld ①", ["field"]) == "<mark>ﬁeld</mark> ①"


def test_english_words_match_at_word_starts_only() -> None:
    assert highlight("said AI training", ["ai", "train"]) == "said <mark>AI</mark> <mark>train</mark>ing"


def test_snippet_is_cropped_around_the_first_match() -> None:
    text = "前" * 200 + "猕猴桃" + "后" * 200
    snippet = highlight(text, ["猕猴桃"], snippet=True)
    assert snippet is not None
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>猕猴桃</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) == SNIPPET_CHARS + 2


def test_pinyin_marks_the_name() -> None:
    assert highlight("张伟", ["zw"], pinyin=True) == "<mark>张伟</mark>"
    assert highlight("张伟", ["wei"], pinyin=True) == "张<mark>伟</mark>"
    assert highlight("张伟", ["li"], pinyin=True) is None
