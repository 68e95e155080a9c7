"""Fixture documents for the search tests: a few hand-written needs and experts plus seeded generated ones."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from matching.text import normalize
from search.documents import SERVICE_TYPES

DISTRICTS = ("510104", "510105", "510131", "510182", "GX", "TF")
FIELDS = ("210", "220", "230", "410", "520", "610", "630", "790", "840")
STATUSES = ("open", "open", "open", "submitted", "matched", "in_service", "done", "withdrawn")
TOPICS = (
    "柑橘黄龙病防控",
    "水稻病虫害绿色防控",
    "茶叶加工技术",
    "生猪养殖粪污处理",
    "农村电商直播",
    "中小学人工智能课程",
    "社区养老服务",
    "智慧农业物联网",
    "中药材种植",
    "无人机植保",
    "乡村旅游规划",
    "土壤改良",
    "食品安全检测",
)
ASKS = ("技术指导", "专家咨询", "现场培训", "难题攻关", "政策宣讲")
UNITS = ("蒲江县农业农村局", "青羊区少城街道", "高新区创新园", "彭州市中医医院", "锦江区某社区", "东坡村委会")

KIWI_NEED: dict[str, Any] = {
    "id": "kiwi-1",
    "title": "猕猴桃溃疡病防治",
    "description": "蒲江县猕猴桃基地今春溃疡病发病严重，希望专家现场诊断并指导冬季清园和药剂防治。",
    "unit_name": "蒲江县农业农村局",
    "service_type": "技术服务",
    "field": "210",
    "district": "510131",
    "status": "open",
    "created_at": "2024-03-15T09:30:00",
    "wanted_from": "2024-04-01",
    "wanted_to": "2024-04-30",
}

HTML_NEED: dict[str, Any] = {
    "id": "html-1",
    "title": "<script>alert(1)</script> 网站安全培训 & 演练",
    "description": "学校网站被植入 <b>恶意</b> 脚本，需要网络安全培训。",
    "unit_name": "青羊区某中学",
    "service_type": "人才培训",
    "field": "520",
    "district": "510105",
    "status": "open",
    "created_at": "2024-05-02",
    "wanted_from": None,
    "wanted_to": None,
}


def need_documents(n: int = 60, seed: int = 7) -> list[dict[str, Any]]:
    """The kiwi need, the HTML need and `n` generated needs (seeded, so counts are reproducible)."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    docs: list[dict[str, Any]] = [dict(KIWI_NEED), dict(HTML_NEED)]
    for i in range(n):
        topic, ask, unit = rng.choice(TOPICS), rng.choice(ASKS), rng.choice(UNITS)
        service, problem = rng.choice(SERVICE_TYPES), rng.choice(TOPICS)
        created = start + dt.timedelta(days=rng.randrange(0, 300))
        created_at = created.isoformat() if i % 3 else f"{created.isoformat()}T{rng.randrange(8, 18):02d}:15:00"
        wanted = created + dt.timedelta(days=rng.randrange(5, 60)) if i % 4 else None
        docs.append(
            {
                "id": i + 100 if i % 2 else f"n{i}",
                "title": f"{topic}{ask}",
                "description": f"{unit}希望邀请专家围绕{topic}开展{service}，重点解决{problem}中的实际问题。",
                "unit_name": unit,
                "service_type": service,
                "field": rng.choice(FIELDS),
                "district": rng.choice(DISTRICTS),
                "status": rng.choice(STATUSES),
                "created_at": created_at,
                "wanted_from": wanted.isoformat() if wanted else None,
                "wanted_to": (wanted + dt.timedelta(days=14)).isoformat() if wanted else None,
            }
        )
    return docs


SURNAMES = "王李赵刘陈杨黄周吴徐孙马"
GIVEN = ("芳", "娜", "洋", "静", "磊", "敏", "勇", "杰", "霞", "强", "军", "丽")
EMPLOYERS = (
    ("四川农业大学", "高校"),
    ("四川大学华西医院", "医院"),
    ("成都市农林科学院", "科研院所"),
    ("中国农业发展银行成都分行", "企业"),
    ("成都市科协", "机关事业"),
)
SPECIALTIES = (
    "猕猴桃栽培与病害防治",
    "水稻育种",
    "人工智能与大数据",
    "老年医学与康养",
    "污水处理工艺",
    "乡村规划设计",
    "中药材品质评价",
)

ZHANG_WEI: dict[str, Any] = {
    "id": "e-zhangwei",
    "name": "张伟",
    "employer": "四川农业大学",
    "employer_type": "高校",
    "title_level": "正高",
    "fields": ["210", "220"],
    "specialties": "猕猴桃溃疡病综合防控，果园土壤改良",
    "talent_tier": "地方级领军",
    "district": "510131",
    "status": "在库",
}


def expert_documents(n: int = 30, seed: int = 11) -> list[dict[str, Any]]:
    """张伟 and `n` generated experts (seeded)."""
    rng = random.Random(seed)
    docs: list[dict[str, Any]] = [dict(ZHANG_WEI)]
    for i in range(n):
        employer, employer_type = rng.choice(EMPLOYERS)
        docs.append(
            {
                "id": i + 1,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "employer": employer,
                "employer_type": employer_type,
                "title_level": rng.choice(("正高", "副高", "中级")),
                "fields": rng.sample(FIELDS, rng.randrange(1, 4)),
                "specialties": "，".join(rng.sample(SPECIALTIES, 2)),
                "talent_tier": rng.choice(("国家级领军", "地方级领军", "青年", "其他高层次")),
                "district": rng.choice(DISTRICTS),
                "status": rng.choice(("在库", "在库", "暂停")),
            }
        )
    return docs


def text_contains(doc: dict[str, Any], fields: tuple[str, ...], word: str) -> bool:
    """Whether `word` occurs in any of `fields`, compared after normalisation (the independent oracle)."""
    return any(normalize(word) in normalize(doc.get(f) or "") for f in fields)
