"""Index terms come from the same segmentation as matching, however a field's text is split into runs."""

from __future__ import annotations

from collections import Counter

import pytest

from matching.text import cut, cut_for_search, normalize
from search.analysis import CJK_RUN, analyse_field

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
