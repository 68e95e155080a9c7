"""Index terms come from the same segmentation as matching, however a field's text is split into runs."""

from __future__ import annotations

from collections import Counter

import pytest

from matching.text import cut, cut_for_search, normalize
from search.analysis import CJK_RUN, QueryTerm, Vocabulary, analyse_field, keep_best_covered, parse_query

TEXTS = [
    "猕猴桃溃疡病防治",
    "中華人民共和國 ＡＩ技术① and GPU's 2024年，猕猴桃溃疡病！",
    "服务对象约120人，要求专家15天内到现场。",
    "中国农业发展银行贷款咨询；待处理事项",
    "㐀㐁测试 emoji 🍑 桃",
    "greenhouse IoT sensors 温室大棚",
    "桃",
    "",
]


def reference_grams(text: str) -> list[str]:
    out: list[str] = []
    for run in CJK_RUN.findall(normalize(text)):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.append(run[-1])
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_terms_equal_segmenting_the_whole_text(text: str) -> None:
    analysed = analyse_field(text)
    words = cut(text)
    extra = Counter(cut_for_search(text))
    extra.subtract(words)
    assert analysed.words == " ".join(words)
    assert sorted(analysed.subwords.split()) == sorted(w for w, n in extra.items() if n > 0)
    assert analysed.grams == " ".join(reference_grams(text))


def test_repeated_clauses_give_the_same_terms() -> None:
    text = "希望专家现场指导。希望专家现场指导。"
    assert analyse_field(text) == analyse_field(text)
    assert analyse_field(text).words == " ".join(cut(text))


def test_a_synonym_cut_into_several_words_is_one_query_term() -> None:
    vocabulary = Vocabulary(synonyms={"big data": ("大数据",), "大数据": ("big data",), "太阳能发电": ("光伏",)})
    terms = parse_query("Big Data 太阳能发电 平台", vocabulary)
    assert [(t.text, t.alternatives) for t in terms] == [
        ("big data", ("big data", "大数据")),
        ("太阳能发电", ("太阳能发电", "光伏")),
        ("平台", ("平台",)),
    ]
    assert [t.text for t in parse_query("big 平台 data", vocabulary)] == ["big", "平台", "data"]


def _terms(*words: str) -> list[QueryTerm]:
    return [QueryTerm(w, (w,), False) for w in words]


def test_a_rare_word_outweighs_common_ones_when_no_document_holds_every_word() -> None:
    terms = _terms("我们", "需要", "溃疡病", "火星")
    frequency = [60, 70, 3, 0]  # of 100 documents
    holds_common, holds_rare = 0b0011, 0b0100
    kept, dropped = keep_best_covered(terms, [holds_common, holds_rare], frequency, 100)
    assert [t.text for t in kept] == ["溃疡病"]
    assert [t.text for t in dropped] == ["我们", "需要", "火星"]
    # more words of equal weight win; a tie goes to the first candidate
    kept, _ = keep_best_covered(terms, [0b0001, 0b0101], [10, 10, 10, 10], 100)
    assert [t.text for t in kept] == ["我们", "溃疡病"]
    # no document holds any of the words: nothing is dropped (and nothing will be found)
    assert keep_best_covered(terms, [], frequency, 100) == (terms, [])


def test_two_specific_words_outweigh_several_everyday_ones() -> None:
    # the demo's counts among 394 needs: the need about 猕猴桃溃疡病 beats the one that shares more everyday words
    words = ("我们", "村", "猕猴桃", "溃疡病", "专家", "来", "指导", "防治")
    frequency = [122, 130, 6, 3, 267, 90, 175, 13]
    about_canker = 0b00001111  # 我们 村 猕猴桃 溃疡病
    about_frost = 0b11100111  # 我们 村 猕猴桃 专家 来 指导 防治
    kept, _ = keep_best_covered(_terms(*words), [about_frost, about_canker], frequency, 394)
    assert [t.text for t in kept] == ["我们", "村", "猕猴桃", "溃疡病"]
