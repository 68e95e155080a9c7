"""Mending pinyin slips in a query (`search.spelling`): what is mended, and what is never touched."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.text import normalize
from search.spelling import LONGEST_QUERY, LONGEST_RUN, lexicon, mend_query, mend_run


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("猕候桃", "猕猴桃"),  # the slip splits the word: jieba cuts 猕候 + 桃
        ("草霉", "草莓"),  # the slip makes an unknown word of its own
        ("大棚蔬采", "大棚蔬菜"),
        ("水稻病重害", "水稻病虫害"),  # 重 is read zhong and chong
        ("土壤烟渍化", "土壤盐渍化"),
        ("电商直波", "电商直播"),
        ("糖尿病管里", "糖尿病管理"),
        ("新能原汽车", "新能源汽车"),
        ("猕候桃 溃疡病 greenhouse", "猕猴桃 溃疡病 greenhouse"),  # other words stay as they are
    ],
)
def test_a_slip_of_the_same_sound_is_mended(typed: str, meant: str) -> None:
    assert mend_query(typed) == meant


@pytest.mark.parametrize(
    "right",
    [
        "猕猴桃",
        "草莓",
        "果树剪枝",  # 剪枝 is rare in jieba's count (9), but a word it knows: not made 剪切
        "心里健康",  # a real word that sounds like a commoner one (心理) is left as typed
        "儿童近视防空",
        "非遗进校园专题培训",  # domain words from data/dict/user_dict.txt
        "食用菌出菇不齐现场诊断",
        "greenhouse tomato",
        "",
        "123",
    ],
)
def test_words_already_right_are_not_mended(right: str) -> None:
    assert mend_query(right) is None


def test_the_slip_must_sound_alike() -> None:
    # 猴 and 候 are both hou; 狗 (gou) is not a reading of 候, so 猕候桃 is never read as anything with 狗
    assert "猴" in lexicon().sounds_like["候"]
    assert "狗" not in lexicon().sounds_like["候"]
    assert mend_run("猕候桃") == "猕猴桃"


def test_a_pasted_paragraph_is_left_as_typed() -> None:
    long_run = "猕候桃" * (LONGEST_RUN // 3 + 1)
    assert len(long_run) > LONGEST_RUN
    assert mend_query(long_run) is None
    # nor a long query of short runs (the API takes 2,000 characters): mending's work stays bounded
    many_runs = "猕候桃，" * (LONGEST_QUERY // 4 + 1)
    assert len(many_runs) > LONGEST_QUERY
    assert mend_query(many_runs) is None
    assert mend_query("猕候桃，" * 2) == "猕猴桃,猕猴桃,"  # normalised: the full-width comma folds


def test_the_mended_query_is_normalised_as_the_index_reads_it() -> None:
    # Traditional characters and full-width letters are folded first, then the slip is mended
    assert mend_query("獼候桃 ＡＩ") == "猕猴桃 ai"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("猕猴候桃草莓霉蔬菜采病虫重害心理里 ab1，")), max_size=20))
def test_mending_only_swaps_chinese_characters(typed: str) -> None:
    mended = mend_query(typed)
    if mended is None:
        return
    before = normalize(typed)
    assert len(mended) == len(before)
    changed = [(a, b) for a, b in zip(before, mended, strict=True) if a != b]
    assert changed
    assert all("\u4e00" <= a <= "\u9fff" and "\u4e00" <= b <= "\u9fff" for a, b in changed)
    assert all(b in lexicon().sounds_like.get(a, ()) for a, b in changed)
