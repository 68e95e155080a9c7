"""Shared tiny pools for the matching tests."""

from __future__ import annotations

import pytest

from matching import ExpertProfile, MatchEngine, NeedText

EXPERTS = (
    ExpertProfile("rice", "水稻栽培专家", ("水稻高产栽培技术研究", "稻田病虫害绿色防控"), ("作物学",), "510104", 3),
    ExpertProfile("pig", "生猪养殖与动物疫病防控", ("非洲猪瘟防控技术", "畜禽粪污资源化利用"), ("畜牧学",), "510105"),
    ExpertProfile(
        "heart", "心血管内科医生", ("高血压社区管理", "冠心病介入治疗"), ("临床医学",), "510106", 5, True, 4.5
    ),
    ExpertProfile("bridge", "", ("桥梁抗震加固设计", "装配式建筑结构设计"), ("土木工程",), "510104"),
    ExpertProfile("teach", "乡村教师培训与职业教育", ("产教融合校企合作模式研究",), ("教育学",), "510107"),
    ExpertProfile(
        "nlp",
        "Natural language processing researcher",
        ("Neural networks for text classification", "Information retrieval and ranking models"),
        ("computer science",),
    ),  # fmt: skip
)
NEEDS = (
    NeedText("n-rice", "村里水稻出现病虫害，需要绿色防控指导", "作物学", "510104"),
    NeedText("n-pig", "养猪场需要非洲猪瘟防控培训", "畜牧学", "510105"),
    NeedText("n-bridge", "乡道桥梁需要抗震加固评估", None, "510107"),
    NeedText("n-text", "ranking documents for retrieval with networks", None),
)
NEIGHBOURS = {"510104": ["510105", "510107"], "510105": ["510104"], "510107": ["510104"]}


@pytest.fixture
def engine() -> MatchEngine:
    return MatchEngine(neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
