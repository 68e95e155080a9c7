"""Deterministic generator of the 成都 demo dataset written to ``data/demo/*.json``.

``python -m service.demo.generate`` (re)writes the five files; a fixed seed makes every run byte-identical.
Only the standard library and ``data/districts.json`` / ``data/fields.json`` are used. Every person, phone
number and ID number is fictional; institutions are real or plausible names for 成都.

How the data hangs together:
- A *topic* (猕猴桃栽培, 心血管内科, 工业污染治理 …) carries a discipline code and word banks (issues, techniques).
  Units pick topics that fit their kind and district; needs are written from the unit's topics; experts are
  created per topic in proportion to demand, so text matching between needs and experts has something to find.
- Output records use the exact keys documented in the ``*Record`` TypedDicts below (the loader relies on them).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Any, NotRequired, TypedDict

from service.paths import DATA_DIR

SEED = 20261129
TODAY = date(2026, 11, 29)  # the demo's "today": every dated event lies before it
LAST_EVENT_DAY = TODAY - timedelta(days=1)
OUTPUT_DIR = DATA_DIR / "demo"
OUTPUT_FILES = ("experts.json", "units.json", "needs.json", "leaders.json", "history.json")

SERVICE_TYPES = ("技术服务", "科技推广", "项目攻关", "人才培训", "巡回宣讲")
EMPLOYER_TYPES = ("机关事业", "高校", "科研院所", "医院", "企业", "社会组织")
TITLE_LEVELS = ("正高", "副高", "中级", "初级")
TALENT_TIERS = ("院士", "国家级领军", "地方级领军", "其他高层次", "青年")
LEADER_RANKS = ("主要领导", "常委", "其他市级")
LIAISON_QUOTA = {"主要领导": (3, 5), "常委": (3, 4), "其他市级": (2, 3)}
CONTACT_MODES = ("走访慰问", "交流座谈", "电话", "节日慰问", "列席会议")
CONCERN_CATEGORIES = ("科研条件", "项目", "团队", "子女入学", "住房", "医疗", "配偶就业", "建言献策")

# GB 11643 check digit: weights of the first 17 digits, and the character for (weighted sum mod 11).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


# ---------------------------------------------------------------------------------------------------------
# Output record shapes (the contract with service/demo/load.py)
# ---------------------------------------------------------------------------------------------------------


class DocumentRecord(TypedDict):
    kind: str
    title: str
    text: str


class ExpertRecord(TypedDict):
    key: str
    name: str
    sex: str
    birth_year: int
    employer: str
    employer_type: str
    title: str
    title_level: str
    fields: list[str]
    field_labels: list[str]
    specialties: str
    documents: list[DocumentRecord]
    talent_tier: str
    party_member: bool
    district: str
    phone: str
    id_number: str
    available: bool
    yearly_capacity: int
    status: str


class UnitRecord(TypedDict):
    key: str
    name: str
    kind: str
    district: str
    contact_name: str
    contact_phone: str
    address: str


class NeedRecord(TypedDict):
    key: str
    unit: str
    title: str
    description: str
    service_type: str
    field: str
    district: str
    wanted_from: str
    wanted_to: str
    experts_wanted: int
    status: str
    contact_name: NotRequired[str]
    contact_phone: NotRequired[str]


class LeaderRecord(TypedDict):
    key: str
    name: str
    rank: str
    position: str
    portfolio: list[str]
    assistant: str
    assistant_phone: str


class VisitRecord(TypedDict):
    need: str
    expert: str
    date: str
    days: int
    content: str
    people_trained: int
    technologies: str
    problems_solved: int
    rating: int
    comment: str


class LiaisonRecord(TypedDict):
    leader: str
    expert: str
    year: int


class ContactRecord(TypedDict):
    leader: str
    expert: str
    date: str
    mode: str
    summary: str


class ConcernRecord(TypedDict):
    leader: str
    expert: str
    raised_on: str
    category: str
    content: str
    department: str
    status: str
    reply: str | None
    satisfaction: int | None


class HistoryRecord(TypedDict):
    visits: list[VisitRecord]
    liaisons_last_year: list[LiaisonRecord]
    contacts: list[ContactRecord]
    concerns: list[ConcernRecord]


class Dataset(TypedDict):
    experts: list[ExpertRecord]
    units: list[UnitRecord]
    needs: list[NeedRecord]
    leaders: list[LeaderRecord]
    history: HistoryRecord


# ---------------------------------------------------------------------------------------------------------
# Topics: what needs are about and what experts know
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """A subject area shared by needs and experts.

    ``issues`` read as problems for the ``agri`` genre and as work areas otherwise; ``genre`` picks the sentence
    banks used to write about it; ``scale`` is an opening fragment for farm-type units (``{n}`` = a size).
    """

    field: str
    label: str
    subject: str
    issues: tuple[str, ...]
    techniques: tuple[str, ...]
    genre: str
    lecture: str
    scale: tuple[str, int, int] | None = None
    also: tuple[str, ...] = ()
    product: bool = True  # False where the subject is no crop or herd (耕地, 农机): no "产区", "减产" sentences

    def pick(self, rng: Random, unit_kind: str = "", urban: bool = False) -> tuple[str, str, str]:
        """An issue fitting the unit, the technique listed against it (same index), and another technique."""
        indices = [i for i in range(len(self.issues)) if not (urban and "乡村" in self.issues[i])]
        if unit_kind == "学校":
            fitting = [i for i in indices if any(word in self.issues[i] for word in PUPIL_WORDS)]
        elif unit_kind:
            fitting = [i for i in indices if not any(word in self.issues[i] for word in SCHOOL_WORDS)]
        else:
            fitting = []
        index = rng.choice(fitting or indices or range(len(self.issues)))
        technique = self.techniques[index % len(self.techniques)]
        other = rng.choice([t for t in self.techniques if t != technique])
        return self.issues[index], technique, other


# fmt: off
# Words that tie an issue to schools (kept out of other units' needs) or to pupils (preferred by schools).
SCHOOL_WORDS = ("学生", "学校", "校园", "教师")
PUPIL_WORDS = (*SCHOOL_WORDS, "儿童", "青少年")

TOPICS: dict[str, Topic] = {
    # --- 农学 210 -------------------------------------------------------------------------------------
    "kiwi": Topic(
        "210", "猕猴桃栽培", "猕猴桃",
        ("猕猴桃溃疡病", "猕猴桃褐斑病", "猕猴桃花期授粉不良", "果园土壤板结", "猕猴桃采后软腐", "果园倒春寒冻害"),
        (
            "溃疡病绿色防控", "褐斑病综合防控", "人工辅助授粉", "果园生草栽培", "采后冷链贮藏", "防霜冻栽培管理",
            "整形修剪", "水肥一体化",
        ),
        "agri", "猕猴桃绿色生产技术", ("猕猴桃种植面积约{n}亩", 300, 4000),
    ),
    "citrus": Topic(
        "210", "柑橘栽培", "晚熟柑橘",
        ("柑橘裂果", "柑橘溃疡病", "晚熟柑橘品质退化", "柑橘果实日灼", "柑橘冬季冻害", "柑橘大小年明显"),
        (
            "水分调控与补钙防裂", "溃疡病综合防控", "高接换种", "果实套袋防晒", "冬季防冻管理", "疏花疏果",
            "完熟栽培", "避雨设施栽培", "有机肥替代化肥",
        ),
        "agri", "晚熟柑橘提质增效技术", ("晚熟柑橘种植面积约{n}亩", 300, 5000),
    ),
    "tea": Topic(
        "210", "茶树栽培与茶叶加工", "茶叶",
        ("茶小绿叶蝉危害", "春茶倒春寒冻害", "茶叶加工品质不稳定", "茶园土壤酸化", "夏秋茶资源利用率低"),
        (
            "茶园绿色防控", "茶园防冻栽培管理", "名优绿茶加工工艺", "茶园土壤改良", "黑茶加工技术", "茶园机械化采摘",
            "有机茶园建设",
        ),
        "agri", "茶园绿色防控与茶叶质量安全", ("茶园面积约{n}亩", 500, 6000),
    ),
    "rice": Topic(
        "210", "水稻栽培", "水稻",
        ("稻瘟病", "水稻纹枯病", "稻飞虱危害", "水稻倒伏", "机插秧漏秧缺窝", "稻米品质不高"),
        (
            "稻瘟病综合防控", "纹枯病综合防治", "稻飞虱绿色防控", "测土配方施肥", "机械化育插秧", "优质稻品种筛选",
            "稻渔综合种养",
        ),
        "agri", "粮食安全与水稻绿色高产技术", ("水稻种植面积约{n}亩", 800, 6000),
    ),
    "vegetable": Topic(
        "210", "设施蔬菜栽培", "蔬菜",
        ("大棚土壤盐渍化", "蔬菜根结线虫", "蔬菜霜霉病", "设施蔬菜连作障碍", "韭黄软化栽培品质下降"),
        (
            "土壤消毒与改良", "根结线虫综合防治", "病害绿色防控", "轮作倒茬", "韭黄软化栽培", "水肥一体化",
            "蔬菜集约化育苗", "防虫网覆盖",
        ),
        "agri", "蔬菜安全生产与农药减量", ("蔬菜种植面积约{n}亩，其中大棚约{m}亩", 300, 3000),
    ),
    "herb": Topic(
        "210", "川芎等中药材种植", "川芎",
        ("川芎根腐病", "川芎苓种退化", "中药材连作障碍", "药材农残超标风险", "川芎采收加工不规范"),
        ("根腐病综合防治", "苓种繁育", "水旱轮作", "生物农药替代", "产地初加工", "GAP规范化种植"),
        "agri", "道地中药材规范化种植", ("川芎等中药材种植面积约{n}亩", 200, 3000), ("360",),
    ),
    "mushroom": Topic(
        "210", "食用菌栽培", "食用菌",
        ("菌棒杂菌污染", "食用菌出菇不齐", "菌渣随意堆放", "羊肚菌产量不稳", "菇房温湿度控制不好"),
        (
            "菌棒灭菌与接种规范", "出菇管理", "菌渣资源化利用", "羊肚菌大田栽培", "智能菇房环境控制", "菌种选育",
            "工厂化栽培",
        ),
        "agri", "食用菌安全生产技术", ("食用菌生产规模约{n}万袋", 20, 300),
    ),
    "fruit": Topic(
        "210", "桃与枇杷等落叶果树栽培", "水蜜桃",
        ("桃树流胶病", "水蜜桃裂果", "枇杷冻害", "果园郁闭通风差", "老果园树势衰弱"),
        (
            "流胶病综合防治", "套袋栽培", "枇杷防冻管理", "整形修剪与间伐", "品种更新改良", "矮化密植", "疏果定果",
            "果园机械化管理",
        ),
        "agri", "特色水果提质增效技术", ("水蜜桃、枇杷等水果种植面积约{n}亩", 300, 3000),
    ),
    "grainoil": Topic(
        "210", "粮油作物栽培", "粮油作物",
        ("大豆玉米带状复合种植除草难", "油菜菌核病", "粮油作物机收损失大", "玉米螟危害", "小春作物播种质量差"),
        (
            "带状复合种植化学除草", "油菜菌核病防控", "全程机械化", "玉米螟生物防治", "油菜机直播",
            "大豆玉米带状复合种植", "测土配方施肥",
        ),
        "agri", "粮油生产扩面增产技术", ("粮油作物种植面积约{n}亩", 1000, 8000),
    ),
    "soil": Topic(
        "210", "土壤肥料与耕地质量", "耕地",
        ("耕地土壤酸化", "土壤有机质下降", "化肥用量偏高", "新建高标准农田地力偏低"),
        ("土壤酸化治理", "秸秆还田", "测土配方施肥", "有机肥替代化肥", "耕地质量监测"),
        "agri", "耕地保护与科学施肥", ("耕地面积约{n}亩", 1000, 6000),
        product=False,
    ),
    "smartagri": Topic(
        "210", "智慧农业", "智慧农业",
        ("农业物联网设备闲置", "生产数据采集不规范", "病虫害监测预警滞后", "植保无人机作业质量不稳定"),
        ("农业物联网", "农业大数据平台", "病虫害智能监测", "植保无人机飞防", "智能灌溉"),
        "agri", "数字农业与智慧农机应用", ("规模种植面积约{n}亩", 500, 5000), ("520",),
        product=False,
    ),
    "agrimachine": Topic(
        "460", "农业机械", "农机",
        ("丘陵山区农机不适用", "农机维修保养跟不上", "果园茶园机械化水平低", "烘干设备能耗偏高"),
        ("丘陵山区农机改进", "农机维修保养", "果园轨道运输", "粮食烘干技术"),
        "agri", "农机安全与农机化技术", ("耕地面积约{n}亩", 1000, 6000), ("210",),
        product=False,
    ),
    # --- 林学 220 -------------------------------------------------------------------------------------
    "bamboo": Topic(
        "220", "竹林培育与竹产业", "雷竹",
        ("雷竹林退化", "竹笋产量下降", "竹林病虫害", "竹材加工附加值低"),
        ("低产竹林改造", "覆盖增温早出笋", "竹林病虫害防治", "竹材精深加工", "竹林下套种"),
        "agri", "竹林培育与林下经济", ("竹林面积约{n}亩", 500, 5000),
    ),
    "seedling": Topic(
        "220", "花卉苗木", "花卉苗木",
        ("苗木滞销积压", "花木病虫害", "盆景造型技艺断档", "苗木品种老化"),
        ("苗木产销对接", "花木病虫害绿色防控", "川派盆景造型", "彩叶苗木新品种引进", "容器育苗", "苗圃水肥管理"),
        "agri", "花卉苗木产业转型升级", ("花卉苗木面积约{n}亩", 300, 3000),
    ),
    "olive": Topic(
        "220", "油橄榄栽培与加工", "油橄榄",
        ("油橄榄挂果率低", "油橄榄孔雀斑病", "橄榄油加工品质不稳定"),
        ("油橄榄整形修剪", "孔雀斑病防治", "橄榄油冷榨工艺", "油橄榄品种改良"),
        "agri", "油橄榄丰产栽培技术", ("油橄榄种植面积约{n}亩", 300, 3000),
    ),
    "understory": Topic(
        "220", "林下经济", "林下经济",
        ("林下种植模式单一", "林下养鸡疫病", "林下产品销路不畅"),
        ("林下中药材种植", "林禽生态养殖", "林下产品品牌营销", "林菌套种"),
        "agri", "林下经济与森林防火", ("林地面积约{n}亩", 1000, 8000),
    ),
    # --- 畜牧兽医 230 / 水产 240 -----------------------------------------------------------------------
    "pig": Topic(
        "230", "生猪养殖与疫病防控", "生猪",
        ("非洲猪瘟防控压力大", "仔猪腹泻", "母猪繁殖率低", "养殖粪污处理不达标", "饲料成本偏高"),
        ("生物安全防控", "仔猪腹泻综合防治", "人工授精", "粪污资源化利用", "精准饲喂"),
        "agri", "生猪健康养殖与重大动物疫病防控", ("生猪年出栏约{n}头", 2000, 30000),
    ),
    "cattle": Topic(
        "230", "牛羊养殖", "肉羊",
        ("羊只寄生虫病", "羔羊成活率低", "青贮饲料质量差", "牛羊口蹄疫免疫不规范"),
        ("寄生虫病定期驱虫", "羔羊早期护理", "青贮饲料制作", "规范免疫", "舍饲圈养", "品种改良"),
        "agri", "牛羊健康养殖技术", ("肉羊存栏约{n}只", 500, 8000),
    ),
    "poultry": Topic(
        "230", "家禽养殖", "家禽",
        ("禽流感防控压力大", "蛋鸡产蛋率下降", "鸭舍环境差", "肉鸡用药不规范"),
        ("免疫程序优化", "蛋鸡营养调控", "禽舍环境控制", "减抗养殖", "健康养殖"),
        "agri", "家禽健康养殖与减抗技术", ("家禽存栏约{n}万羽", 2, 30),
    ),
    "bee": Topic(
        "230", "中蜂养殖", "中蜂",
        ("中蜂囊状幼虫病", "蜂群越冬损失大", "蜂蜜品质不稳定"),
        ("蜂病综合防控", "蜂群越冬管理", "蜂蜜标准化生产", "中蜂活框饲养"),
        "agri", "中蜂科学饲养技术", ("中蜂存养约{n}群", 200, 3000),
    ),
    "fish": Topic(
        "240", "水产养殖", "水产",
        ("池塘养殖尾水超标", "鱼类细菌性败血症", "小龙虾养殖成活率低", "冷水鱼养殖水温波动"),
        ("池塘尾水处理", "鱼病防治", "稻虾共作", "冷水鱼流水养殖"),
        "agri", "水产绿色健康养殖技术", ("水产养殖面积约{n}亩", 200, 3000),
    ),
    # --- 乡村发展 ----------------------------------------------------------------------------------------
    "ecommerce": Topic(
        "790", "农村电商与农产品营销", "农产品电商",
        ("农产品品牌打造", "直播带货转化", "农产品冷链物流", "电商产品分级包装"),
        ("区域公用品牌策划", "直播带货", "冷链物流", "农产品分级包装"),
        "rural", "数字乡村与农村电商", None, ("630",),
    ),
    "coop": Topic(
        "790", "农村集体经济", "集体经济",
        ("集体经济增收渠道", "集体资产经营管理", "合作社规范化运营"),
        ("集体经济发展规划", "资源资产盘活", "合作社规范化管理", "农业社会化服务"),
        "rural", "发展壮大新型农村集体经济", None,
    ),
    "tourism": Topic(
        "760", "乡村文旅策划", "乡村旅游",
        ("民宿经营同质化", "乡村景观风貌塑造", "文旅产品开发", "节庆活动策划"),
        ("民宿品牌运营", "乡村景观设计", "研学旅行产品设计", "农文旅融合"),
        "rural", "农文旅融合发展", None, ("630",),
    ),
    "heritage": Topic(
        "850", "非遗保护与传承", "非遗",
        ("竹编技艺传承", "传统手工艺市场化", "非遗展示空间利用", "传统村落保护"),
        ("传统技艺培训", "文创产品开发", "非遗工坊建设", "传统村落保护规划"),
        "rural", "非遗保护与文化传承", None, ("760",),
    ),
    "ruralsewage": Topic(
        "610", "农村人居环境整治", "农村人居环境",
        ("农村生活污水收集处理", "小型污水处理设施运维", "农业面源污染防治", "农村垃圾分类减量"),
        ("分散式污水处理", "污水设施智慧运维", "面源污染生态拦截", "垃圾分类减量", "人工湿地"),
        "rural", "农村人居环境整治", None,
    ),
    "farmhouse": Topic(
        "560", "农房建设与川西林盘保护", "农房",
        ("农房抗震安全", "川西林盘风貌保护", "危旧农房鉴定"),
        ("农房抗震加固", "林盘风貌改造", "农房安全鉴定", "装配式农房"),
        "rural", "农房建设安全知识", None,
    ),
    "water": Topic(
        "570", "农田水利与农村供水", "农田水利",
        ("灌渠渗漏", "农村饮水水质保障", "山洪灾害防御", "小型水库安全运行"),
        ("渠系防渗改造", "农村供水水质提升", "山洪灾害监测预警", "小型水库安全鉴定", "高效节水灌溉"),
        "rural", "节水护水与防汛知识", None,
    ),
    # --- 医药 --------------------------------------------------------------------------------------------
    "cardio": Topic(
        "320", "心血管内科", "心血管病",
        ("高血压患者规范管理", "胸痛患者快速转诊", "心衰患者随访管理"),
        ("高血压规范化管理", "胸痛中心建设", "心衰规范化随访", "心电图远程诊断", "心血管病风险评估"),
        "health", "心血管病防治知识",
    ),
    "diabetes": Topic(
        "320", "内分泌与糖尿病", "糖尿病",
        ("糖尿病并发症筛查", "血糖控制达标", "胰岛素规范使用"),
        ("糖尿病足筛查", "糖尿病自我管理教育", "胰岛素规范注射", "动态血糖监测"),
        "health", "糖尿病防治知识",
    ),
    "respiratory": Topic(
        "320", "呼吸与危重症医学", "慢阻肺",
        ("慢阻肺早期筛查", "肺功能检查开展", "慢阻肺急性加重管理"),
        ("慢阻肺筛查问卷应用", "肺功能检查", "吸入装置规范使用", "肺康复训练"),
        "health", "慢阻肺与呼吸健康知识",
    ),
    "stroke": Topic(
        "320", "神经内科与脑卒中防治", "脑卒中",
        ("卒中早期识别与转运", "卒中后康复", "脑卒中高危人群筛查"),
        ("卒中急救绿色通道", "卒中早期康复", "颈动脉超声筛查"),
        "health", "脑卒中防治知识",
    ),
    "general": Topic(
        "320", "全科医学", "家庭医生签约服务",
        ("家庭医生签约服务质量", "基层首诊能力", "慢病随访规范"),
        ("家庭医生签约服务", "基层常见病诊治", "全科诊疗规范", "分级诊疗双向转诊"),
        "health", "家庭医生与分级诊疗政策",
    ),
    "pediatrics": Topic(
        "320", "儿科与儿童保健", "儿童保健",
        ("儿童常见病诊治", "儿童近视防控", "新生儿窒息复苏"),
        ("儿童常见病规范诊治", "儿童近视筛查与干预", "新生儿复苏"),
        "health", "儿童健康与近视防控知识",
    ),
    "geriatrics": Topic(
        "320", "老年医学与医养结合", "老年健康",
        ("老年人跌倒预防", "失能老人医疗照护", "老年人多病共存用药"),
        ("跌倒风险干预", "医养结合服务", "老年综合评估", "安宁疗护"),
        "health", "老年健康与防跌倒知识",
    ),
    "rehab": Topic(
        "320", "康复医学", "康复",
        ("康复治疗设备使用", "骨关节术后康复", "社区康复服务"),
        ("康复适宜技术", "骨科术后康复", "社区康复", "运动疗法"),
        "health", "科学康复知识",
    ),
    "emergency": Topic(
        "320", "急诊急救", "急诊急救",
        ("乡镇急救能力", "心肺复苏普及", "创伤救治流程"),
        ("院前急救衔接", "心肺复苏", "创伤急救", "AED使用"),
        "health", "急救知识与心肺复苏",
    ),
    "obstetrics": Topic(
        "320", "妇产科与妇女保健", "孕产妇保健",
        ("高危孕产妇管理", "宫颈癌乳腺癌筛查", "产后康复"),
        ("高危孕产妇分级管理", "两癌筛查", "产后盆底康复"),
        "health", "妇女健康与两癌防治知识",
    ),
    "ophthalmology": Topic(
        "320", "眼科", "眼病防治",
        ("老年白内障筛查", "糖尿病视网膜病变筛查", "青少年视力保护"),
        ("白内障筛查与手术转诊", "眼底照相远程阅片", "视力健康管理"),
        "health", "爱眼护眼知识",
    ),
    "tcm": Topic(
        "360", "中医适宜技术", "中医药",
        ("中医适宜技术推广", "中医馆服务能力", "中医治未病服务"),
        ("中医适宜技术", "针灸推拿", "中医治未病", "中医体质辨识"),
        "health", "中医药养生保健知识",
    ),
    "tcmherb": Topic(
        "360", "中药资源与质量评价", "道地药材",
        ("中药材质量标准统一", "道地药材有效成分", "中药饮片质量鉴别"),
        ("中药材质量检测", "道地药材产地加工", "中药饮片鉴别"),
        "health", "中药材质量安全知识", None, ("210",),
    ),
    "publichealth": Topic(
        "330", "传染病防控", "传染病防控",
        ("传染病早期监测", "学校传染病聚集性疫情处置", "预防接种服务规范"),
        ("传染病监测预警", "学校卫生防控", "预防接种规范", "流行病学调查"),
        "health", "传染病防控知识",
    ),
    "chronic": Topic(
        "330", "慢性病综合防控", "慢性病防控",
        ("慢性病患者规范管理", "居民健康素养提升", "慢病随访信息化"),
        ("慢性病综合防控", "健康教育", "慢病随访信息化", "健康生活方式指导"),
        "health", "慢性病防控与健康生活方式",
    ),
    "nutrition": Topic(
        "330", "营养与食品卫生", "营养健康",
        ("学生营养膳食", "老年人营养改善", "居民减盐减油"),
        ("营养膳食指导", "营养风险筛查", "减盐减油减糖"),
        "health", "合理膳食与营养健康知识",
    ),
    "occupational": Topic(
        "330", "职业卫生", "职业健康",
        ("粉尘噪声职业危害防护", "职业健康检查", "职业病危害因素检测"),
        ("个体防护用品选用", "职业健康监护", "职业病危害因素检测"),
        "health", "职业病防治法律知识",
    ),
    "pharmacy": Topic(
        "350", "临床药学与合理用药", "合理用药",
        ("抗菌药物合理使用", "老年人多重用药", "处方审核"),
        ("抗菌药物处方点评", "药学门诊", "处方前置审核", "合理用药宣教"),
        "health", "合理用药知识",
    ),
    "psychology": Topic(
        "190", "心理健康", "心理健康",
        ("学生心理问题早期识别", "心理危机干预", "老年人孤独抑郁", "职工心理压力疏导"),
        ("心理健康筛查", "心理危机干预", "团体心理辅导", "心理咨询"),
        "health", "心理健康知识", None, ("880",),
    ),
    # --- 工程与技术 -------------------------------------------------------------------------------------
    "machining": Topic(
        "460", "机械制造与设备维护", "机械加工",
        ("数控机床故障诊断", "零部件加工精度控制", "设备能耗优化", "刀具寿命提升"),
        ("设备故障诊断", "精密加工工艺优化", "设备节能改造", "刀具选型与切削参数优化", "预测性维护", "工装夹具改进"),
        "industry", "制造业技术创新",
    ),
    "automation": Topic(
        "460", "智能制造", "智能制造",
        ("生产线自动化改造", "产品质量追溯", "工序衔接效率"),
        ("工业机器人应用", "MES制造执行系统", "生产排程优化", "数字孪生"),
        "industry", "智能制造与数字化转型", None, ("520",),
    ),
    "electronics": Topic(
        "510", "电子信息与通信", "电子产品",
        ("元器件焊接不良", "电磁兼容设计", "物联网设备通信稳定性"),
        ("表面贴装工艺优化", "电磁兼容设计", "物联网通信方案", "5G行业应用"),
        "industry", "电子信息产业发展",
    ),
    "digital": Topic(
        "520", "企业数字化转型", "企业数字化",
        ("信息系统数据孤岛", "生产数据采集", "网络安全防护"),
        ("数据中台建设", "工业互联网平台", "网络安全等级保护", "云平台迁移"),
        "industry", "数字化转型与网络安全",
    ),
    "ai": Topic(
        "520", "人工智能应用", "人工智能",
        ("产品质检自动化", "智能客服", "大模型行业应用"),
        ("机器视觉检测", "智能客服系统", "大模型应用开发"),
        "industry", "人工智能科普",
    ),
    "smartgov": Topic(
        "520", "基层治理信息化", "智慧社区",
        ("社区数据重复填报", "网格信息动态更新", "智慧社区平台应用"),
        ("基层报表减负", "网格化信息系统", "智慧社区平台", "数据共享治理"),
        "civic", "数字政府与智慧社区",
    ),
    "food_safety": Topic(
        "550", "食品安全与质量控制", "食品加工",
        ("产品批次质量波动", "食品添加剂规范使用", "产品检测标准对标"),
        ("质量追溯体系", "HACCP体系建设", "食品快速检测"),
        "industry", "食品安全知识",
    ),
    "ferment": Topic(
        "550", "发酵食品与酿造工艺", "发酵调味品",
        ("豆瓣发酵周期控制", "泡菜亚硝酸盐控制", "白酒出酒率提升", "发酵风味稳定性"),
        ("发酵过程自动控制", "纯种发酵工艺", "固态发酵工艺", "风味物质分析"),
        "industry", "传统发酵食品质量安全",
    ),
    "agroprocess": Topic(
        "550", "农产品加工", "农产品加工",
        ("水果采后损耗", "加工产品附加值", "产品保质期延长"),
        ("农产品保鲜", "果汁果酒加工", "真空冷冻干燥", "预制菜开发"),
        "industry", "农产品精深加工", None, ("210",),
    ),
    "materials": Topic(
        "430", "材料科学与工程", "新材料",
        ("复合材料成型缺陷", "金属构件腐蚀防护", "新型建材性能稳定性"),
        ("复合材料成型工艺", "防腐涂层技术", "材料失效分析"),
        "industry", "新材料科普",
    ),
    "wastewater": Topic(
        "610", "工业污染治理与环保合规", "工业污染治理",
        ("工业废水达标排放", "VOCs废气治理", "危险废物规范管理", "环评与排污许可合规"),
        ("废水深度处理", "VOCs治理", "危险废物规范化管理", "环保合规诊断", "清洁生产审核"),
        "industry", "生态环境保护法规",
    ),
    "energy": Topic(
        "480", "节能与新能源", "节能降碳",
        ("企业用能成本控制", "分布式光伏并网", "余热余压利用"),
        ("能效诊断", "分布式光伏", "余热回收", "碳排放核算"),
        "industry", "节能降碳知识",
    ),
    "electric": Topic(
        "470", "电气设备与配电", "电气设备",
        ("配电设备老化", "电能质量治理", "电机能效提升"),
        ("配电系统改造", "电能质量治理", "高效电机替换", "电气安全检测"),
        "industry", "安全用电知识",
    ),
    "biotech": Topic(
        "180", "生物技术", "生物医药",
        ("生物制品工艺放大", "工业菌株筛选", "细胞培养工艺"),
        ("发酵工艺放大", "菌种选育", "细胞培养", "生物活性成分分离"),
        "industry", "生物技术科普",
    ),
    "safety": Topic(
        "620", "安全生产", "安全生产",
        ("危化品储存安全", "有限空间作业安全", "员工安全意识培训", "消防设施管理"),
        ("安全风险分级管控", "有限空间作业管理", "安全生产标准化", "隐患排查治理", "应急预案编制"),
        "industry", "安全生产法律法规",
    ),
    "quality": Topic(
        "630", "企业管理与精益生产", "企业管理",
        ("生产现场管理", "质量管理体系运行", "成本控制"),
        ("精益生产", "质量管理体系认证", "全面预算管理", "六西格玛"),
        "industry", "现代企业管理",
    ),
    "corplaw": Topic(
        "820", "企业合规与知识产权", "企业合规",
        ("劳动用工合规", "合同风险管理", "知识产权保护"),
        ("企业合规审查", "劳动合同规范", "专利布局与维权"),
        "industry", "知识产权保护与企业合规",
    ),
    "transport": Topic(
        "580", "交通运输工程", "交通运输",
        ("农村公路养护", "交通安全隐患路段整治", "物流园区交通组织"),
        ("农村公路养护", "交通安全设施设计", "多式联运组织"),
        "civic", "交通安全知识",
    ),
    # --- 城乡建设与治理 ------------------------------------------------------------------------------------
    "planning": Topic(
        "560", "城乡规划", "城乡规划",
        ("村庄规划编制", "镇区公共服务设施布局", "川西林盘保护利用", "产业用地布局"),
        ("村庄规划编制", "公共服务设施配置规划", "川西林盘保护规划", "国土空间规划", "城市更新设计", "公共空间微更新"),
        "civic", "公园城市与城乡规划",
    ),
    "oldhousing": Topic(
        "560", "建筑结构与城市更新", "老旧小区",
        ("老旧小区加装电梯", "房屋结构安全", "排水管网改造"),
        ("既有建筑加装电梯", "房屋安全鉴定", "海绵城市改造", "建筑结构加固"),
        "civic", "房屋使用安全知识",
    ),
    "survey": Topic(
        "420", "测绘与地理信息", "地理信息",
        ("宅基地确权数据核实", "土地利用现状调查", "三维实景数据应用"),
        ("无人机航测", "地理信息系统应用", "三维实景建模"),
        "civic", "地理信息与国土知识",
    ),
    "geohazard": Topic(
        "170", "地质灾害防治", "地质灾害",
        ("滑坡隐患点监测", "汛期崩塌风险防范", "群测群防能力"),
        ("地灾隐患排查", "普适型监测预警", "避险转移演练"),
        "civic", "地质灾害防治知识",
    ),
    "elderly": Topic(
        "840", "养老服务", "社区养老",
        ("社区老年助餐", "失能老人照护", "居家适老化改造", "养老护理队伍建设"),
        ("社区老年助餐服务", "失能老人照护服务", "适老化改造", "养老护理员培训", "嵌入式养老服务", "智慧养老"),
        "civic", "积极应对人口老龄化",
    ),
    "governance": Topic(
        "840", "基层社会治理", "基层治理",
        ("居民参与社区事务", "小区物业矛盾调处", "社会组织培育", "流动人口服务管理"),
        ("社区营造", "居民议事协商", "社会组织孵化", "网格化服务管理"),
        "civic", "党建引领基层治理",
    ),
    "socialwork": Topic(
        "840", "社会工作", "社会工作",
        ("困境儿童关爱", "残疾人社区服务", "社工队伍专业化"),
        ("困境儿童关爱服务", "个案管理", "社工督导", "志愿服务项目设计"),
        "civic", "社会工作与志愿服务",
    ),
    "law": Topic(
        "820", "基层法治与纠纷调解", "法律服务",
        ("矛盾纠纷多元化解", "土地流转合同纠纷", "居民法治意识提升", "农民工工资纠纷"),
        ("人民调解", "合同规范化", "普法宣传", "法律顾问服务"),
        "civic", "民法典与基层法治",
    ),
    "emergency_mgmt": Topic(
        "620", "应急管理与防灾减灾", "应急管理",
        ("应急预案实操性", "防汛避险组织", "居民应急避险能力", "高层建筑消防安全"),
        ("应急预案修订", "防汛减灾", "应急演练", "消防安全检查"),
        "civic", "防灾减灾与应急避险知识",
    ),
    "waste": Topic(
        "610", "垃圾分类与资源循环", "生活垃圾",
        ("垃圾分类居民参与", "厨余垃圾就地处理", "小区垃圾收运规范"),
        ("垃圾分类宣传督导", "厨余垃圾就地处理", "垃圾收运体系优化", "再生资源回收"),
        "civic", "垃圾分类与绿色生活",
    ),
    "economy": Topic(
        "790", "区域经济与产业规划", "产业发展",
        ("镇域主导产业选择", "精准招商引资", "特色产业链延伸"),
        ("产业发展规划", "产业链招商", "产业链延链补链", "营商环境优化"),
        "civic", "经济形势与产业政策",
    ),
    "sports": Topic(
        "890", "全民健身与体育教育", "全民健身",
        ("社区健身设施使用", "老年人科学健身", "学生体质健康提升"),
        ("社会体育指导员培训", "科学健身指导", "体育课程改革"),
        "civic", "科学健身知识",
    ),
    "theory": Topic(
        "710", "党的创新理论与政策宣讲", "理论宣讲",
        ("党员理论学习形式", "惠民政策解读", "党建引领基层治理"),
        ("微宣讲", "政策解读", "党建引领", "党的创新理论宣讲"),
        "civic", "党的创新理论",
    ),
    # --- 教育 ---------------------------------------------------------------------------------------------
    "teacher": Topic(
        "880", "教师专业发展", "教师队伍建设",
        ("青年教师课堂教学能力", "乡村教师专业发展", "新课标落地", "作业设计质量"),
        ("课堂教学改进", "教研组建设", "大单元教学设计", "分层作业设计"),
        "school", "新课标与教学改革",
    ),
    "stem": Topic(
        "880", "科学教育与STEM", "科学教育",
        ("科学实验课开设", "科技创新教育师资", "信息科技课程实施", "人工智能教育"),
        ("科学实验教学", "青少年科技创新辅导", "编程教育", "人工智能教育课程设计", "STEM课程设计"),
        "school", "科学家精神与科学知识", None, ("520",),
    ),
    "vocational": Topic(
        "880", "职业教育与产教融合", "职业教育",
        ("专业设置与产业对接", "实训条件建设", "双师型教师培养"),
        ("产教融合", "实训基地建设", "现代学徒制"),
        "school", "职业教育政策",
    ),
    "family": Topic(
        "880", "家庭教育指导", "家庭教育",
        ("留守儿童家庭教育", "家校沟通", "家长教育能力"),
        ("家庭教育指导", "家校共育", "家长学校建设"),
        "school", "家庭教育促进法与科学育儿",
    ),
    "arts_ed": Topic(
        "760", "艺术教育与美育", "艺术教育",
        ("乡村学校美育师资", "美育课程单一", "校园文化建设"),
        ("合唱与器乐教学", "美育课程开发", "非遗进校园"),
        "school", "美育与传统文化",
    ),
}


# Unit kinds and the topics they ask about.
COMMUNITY_TOPICS = (
    "elderly", "governance", "socialwork", "law", "emergency_mgmt", "waste", "oldhousing", "smartgov", "chronic",
    "psychology", "sports", "nutrition", "theory", "geriatrics",
)
TOWNSHIP_TOPICS = (
    "planning", "economy", "governance", "law", "emergency_mgmt", "water", "transport", "survey", "theory",
    "ruralsewage", "smartgov", "tourism",
)
SCHOOL_TOPICS = ("teacher", "stem", "psychology", "family", "arts_ed", "sports", "publichealth", "nutrition")
HOSPITAL_TOPICS = (
    "cardio", "diabetes", "respiratory", "stroke", "general", "pediatrics", "geriatrics", "rehab", "emergency",
    "obstetrics", "ophthalmology", "tcm", "publichealth", "chronic", "pharmacy", "psychology",
)
VILLAGE_TOPICS = (
    "ecommerce", "coop", "tourism", "ruralsewage", "farmhouse", "water", "law", "soil", "smartagri",
)
ELDERCARE_TOPICS = ("elderly", "geriatrics", "nutrition", "rehab", "psychology")
CULTURE_STATION_TOPICS = ("heritage", "tourism", "theory", "arts_ed")


@dataclass(frozen=True)
class Industry:
    """An enterprise trade: the word in its name, what it does, and the topics it asks about."""

    name_word: str
    business: str
    topics: tuple[str, ...]


INDUSTRIES: dict[str, Industry] = {
    "food": Industry("食品", "调味品和休闲食品生产", ("food_safety", "ferment", "wastewater", "quality")),
    "liquor": Industry("酒业", "白酒酿造与销售", ("ferment", "food_safety", "wastewater", "energy")),
    "tea": Industry("茶业", "茶叶种植、加工与销售", ("tea", "food_safety", "ecommerce")),
    "agri": Industry("农业开发", "果蔬种植与农产品初加工", ("agroprocess", "smartagri", "ecommerce")),
    "machinery": Industry(
        "机械制造", "汽车零部件和通用机械加工", ("machining", "automation", "safety", "quality")
    ),
    "electronics": Industry("电子科技", "电子元器件和智能终端制造", ("electronics", "automation", "digital")),
    "software": Industry("信息技术", "行业软件开发与信息系统集成", ("digital", "ai", "corplaw")),
    "bio": Industry("生物科技", "生物制品和功能性食品研发", ("biotech", "food_safety", "wastewater")),
    "materials": Industry(
        "新材料", "新型建材和复合材料生产", ("materials", "energy", "safety", "wastewater")
    ),
    "furniture": Industry(
        "家具", "板式家具和定制家居生产", ("quality", "automation", "wastewater", "safety")
    ),
    "construction": Industry("建设工程", "房屋建筑与市政工程施工", ("oldhousing", "safety", "corplaw")),
    "livestock": Industry("牧业", "生猪规模化养殖和饲料生产", ("pig", "occupational", "wastewater")),
    "logistics": Industry("物流", "仓储配送与冷链物流", ("transport", "digital", "safety")),
    "pharma": Industry("药业", "中药饮片和中成药生产", ("tcmherb", "pharmacy", "quality")),
    "petrochem": Industry("化工", "精细化工产品生产", ("safety", "wastewater", "occupational")),
}


@dataclass(frozen=True)
class DistrictProfile:
    """What a district grows and makes, and its towns (镇 / 街道) for unit names."""

    tier: str  # core | gx | suburban | outer | tf | db
    towns: tuple[str, ...]
    crops: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()  # topics particular to this district's villages


DISTRICT_PROFILES: dict[str, DistrictProfile] = {
    "510104": DistrictProfile(
        "core", ("春熙路街道", "书院街街道", "合江亭街道", "牛市口街道", "龙舟路街道", "沙河街道", "三圣街道"),
        industries=("food", "software"),
    ),
    "510105": DistrictProfile(
        "core", ("少城街道", "草市街街道", "府南街道", "光华街道", "金沙街道", "苏坡街道", "文家街道"),
        industries=("software", "construction"),
    ),
    "510106": DistrictProfile(
        "core", ("西安路街道", "抚琴街道", "驷马桥街道", "荷花池街道", "营门口街道", "茶店子街道", "天回镇街道"),
        industries=("logistics", "machinery"),
    ),
    "510107": DistrictProfile(
        "core", ("浆洗街街道", "望江路街道", "玉林街道", "跳伞塔街道", "簇桥街道", "红牌楼街道", "晋阳街道"),
        industries=("software", "pharma"),
    ),
    "510108": DistrictProfile(
        "core", ("猛追湾街道", "双桥子街道", "府青路街道", "二仙桥街道", "跳蹬河街道", "万年场街道", "龙潭街道"),
        industries=("construction", "electronics"),
    ),
    "510112": DistrictProfile(
        "suburban", ("龙泉街道", "大面街道", "十陵街道", "同安街道", "洛带镇", "山泉镇", "茶店镇", "柏合街道"),
        crops=("fruit", "vegetable"), industries=("machinery", "materials"), extras=("tourism",),
    ),
    "510113": DistrictProfile(
        "suburban", ("大弯街道", "大同街道", "弥牟镇", "城厢镇", "福洪镇", "清泉镇", "姚渡镇"),
        crops=("vegetable", "grainoil", "fruit"), industries=("logistics", "materials"), extras=("heritage",),
    ),
    "510114": DistrictProfile(
        "suburban", ("新都街道", "大丰街道", "三河街道", "新繁街道", "石板滩街道", "军屯镇", "清流镇"),
        crops=("vegetable", "grainoil", "seedling"), industries=("food", "machinery"),
    ),
    "510115": DistrictProfile(
        "suburban", ("柳城街道", "公平街道", "涌泉街道", "金马街道", "永宁街道", "和盛镇", "寿安镇"),
        crops=("seedling", "vegetable"), industries=("bio", "pharma"),
    ),
    "510116": DistrictProfile(
        "suburban", ("东升街道", "九江街道", "西航港街道", "黄水镇", "彭镇", "永安镇", "黄龙溪镇"),
        crops=("fruit", "vegetable", "grainoil"), industries=("electronics", "bio"), extras=("tourism",),
    ),
    "510117": DistrictProfile(
        "suburban", ("郫筒街道", "犀浦街道", "唐昌街道", "安德街道", "友爱镇", "三道堰镇", "古城镇", "团结街道"),
        crops=("vegetable", "rice", "herb"), industries=("food", "electronics"), extras=("tourism",),
    ),
    "510118": DistrictProfile(
        "suburban", ("五津街道", "花源街道", "永商镇", "兴义镇", "安西镇", "宝墩镇"),
        crops=("fish", "grainoil", "rice"), industries=("materials", "agri"), extras=("heritage",),
    ),
    "510121": DistrictProfile(
        "outer", ("赵镇街道", "淮口街道", "三星镇", "竹篙镇", "五凤镇", "官仓街道", "转龙镇", "福兴镇"),
        crops=("mushroom", "olive", "pig", "citrus"), industries=("materials", "livestock"),
        extras=("heritage", "geohazard"),
    ),
    "510129": DistrictProfile(
        "outer", ("晋原街道", "安仁镇", "新场镇", "花水湾镇", "西岭镇", "王泗镇", "悦来镇", "斜源镇"),
        crops=("rice", "mushroom", "tea", "cattle"), industries=("agri", "food"),
        extras=("tourism", "heritage", "geohazard"),
    ),
    "510131": DistrictProfile(
        "outer", ("鹤山街道", "寿安街道", "大塘镇", "西来镇", "朝阳湖镇", "甘溪镇", "成佳镇"),
        crops=("kiwi", "citrus", "tea"), industries=("agri", "tea"), extras=("tourism",),
    ),
    "510181": DistrictProfile(
        "outer", ("灌口街道", "幸福街道", "青城山镇", "龙池镇", "聚源镇", "天马镇", "石羊镇", "蒲阳街道"),
        crops=("kiwi", "tea", "herb", "fish", "bamboo", "bee", "understory"), industries=("pharma", "tea"),
        extras=("tourism", "geohazard"),
    ),
    "510182": DistrictProfile(
        "outer", ("天彭街道", "致和街道", "丽春镇", "龙门山镇", "葛仙山镇", "桂花镇", "敖平镇", "濛阳街道"),
        crops=("vegetable", "herb", "pig", "understory"), industries=("petrochem", "agri"),
        extras=("geohazard", "tourism"),
    ),
    "510183": DistrictProfile(
        "outer", ("临邛街道", "文君街道", "平乐镇", "天台山镇", "固驿街道", "羊安街道", "高何镇", "夹关镇"),
        crops=("tea", "pig", "grainoil", "poultry"), industries=("liquor", "food"),
        extras=("heritage", "tourism", "geohazard"),
    ),
    "510184": DistrictProfile(
        "outer", ("崇阳街道", "道明镇", "街子镇", "怀远镇", "隆兴镇", "白头镇", "王场镇", "江源街道"),
        crops=("rice", "bamboo", "mushroom", "bee"), industries=("furniture", "electronics"),
        extras=("heritage", "tourism"),
    ),
    "510185": DistrictProfile(
        "outer", ("简城街道", "射洪坝街道", "东溪街道", "平泉街道", "石桥镇", "禾丰镇", "青龙镇", "石盘街道"),
        crops=("cattle", "pig", "citrus", "grainoil"), industries=("agri", "food"), extras=("ecommerce",),
    ),
    "GX": DistrictProfile(
        "gx", ("肖家河街道", "桂溪街道", "芳草街街道", "石羊街道", "合作街道", "西园街道", "中和街道"),
        industries=("software", "electronics", "bio"),
    ),
    "TF": DistrictProfile(
        "tf", ("华阳街道", "正兴街道", "兴隆街道", "煎茶街道", "永兴街道", "籍田街道", "新兴街道", "太平街道"),
        crops=("vegetable", "citrus", "fruit"), industries=("software", "electronics"), extras=("tourism",),
    ),
    "DB": DistrictProfile(
        "db", ("三岔街道", "贾家街道", "草池街道", "石板凳街道", "丹景街道", "福田街道", "高明镇"),
        crops=("citrus", "pig", "cattle", "grainoil"), industries=("logistics", "agri"), extras=("water",),
    ),
}

# How many units of each kind a district of a tier gets.
UNIT_PLAN: dict[str, tuple[tuple[str, int], ...]] = {
    "core": (("社区", 3), ("镇街", 1), ("学校", 1), ("医院", 1), ("企业", 1), ("其他", 1)),
    "gx": (("社区", 2), ("镇街", 1), ("园区", 2), ("企业", 3), ("学校", 1), ("医院", 1)),
    "suburban": (("村", 3), ("社区", 1), ("镇街", 1), ("园区", 1), ("企业", 1), ("学校", 1), ("医院", 1)),
    "outer": (
        ("村", 4), ("社区", 1), ("镇街", 1), ("园区", 1), ("企业", 1), ("学校", 1), ("医院", 1), ("其他", 1),
    ),
    "tf": (("村", 2), ("社区", 2), ("镇街", 1), ("园区", 1), ("企业", 2), ("学校", 1), ("医院", 1)),
    "db": (("村", 3), ("社区", 1), ("镇街", 1), ("园区", 1), ("企业", 1), ("学校", 1), ("医院", 1)),
}

# Parks (园区): name, district, what the park is built around, topics asked about.
PARKS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("成都经济技术开发区", "510112", "汽车及零部件制造", ("machining", "automation", "materials", "safety")),
    ("成都国际铁路港经济技术开发区", "510113", "国际物流和供应链服务", ("transport", "digital", "safety")),
    ("新都区现代交通产业功能区", "510114", "轨道交通装备制造", ("machining", "electronics", "safety")),
    ("成都医学城", "510115", "生物医药和医疗器械", ("biotech", "pharmacy", "wastewater", "safety")),
    ("成都芯谷产业园", "510116", "集成电路和新型显示", ("electronics", "materials", "digital")),
    ("郫都区川菜产业园", "510117", "川菜调味品和食品加工", ("ferment", "food_safety", "wastewater")),
    ("新津区天府农博园", "510118", "现代农业展示和农业科技服务", ("smartagri", "tourism", "agroprocess")),
    ("金堂县淮州新城节能环保产业园", "510121", "节能环保装备和新材料", ("wastewater", "energy", "materials")),
    ("大邑县文体旅游产业园区", "510129", "文创和体育旅游", ("tourism", "heritage", "economy")),
    ("蒲江县现代农业产业园", "510131", "猕猴桃、柑橘和茶叶全产业链", ("kiwi", "citrus", "agroprocess", "smartagri")),
    ("都江堰精华灌区康养产业园", "510181", "中医药康养和生态旅游", ("tourism", "herb", "tcm")),
    ("彭州石化产业园", "510182", "石油化工和精细化工", ("safety", "wastewater", "occupational")),
    ("邛崃市白酒产业园区", "510183", "白酒酿造和包装配套", ("ferment", "food_safety", "wastewater")),
    ("崇州经济开发区", "510184", "家居制造和消费电子", ("quality", "electronics", "automation")),
    ("简阳经济开发区", "510185", "农产品加工和装备制造", ("agroprocess", "machining", "safety")),
    ("天府软件园", "GX", "软件和信息服务", ("digital", "ai", "corplaw")),
    ("成都天府国际生物城", "GX", "生物医药研发和生产", ("biotech", "pharmacy", "corplaw")),
    ("天府新区成都科学城", "TF", "科技研发和成果转化", ("ai", "electronics", "corplaw")),
    ("东部新区空港产业园", "DB", "航空物流和临空制造", ("transport", "automation", "energy")),
)

# ---------------------------------------------------------------------------------------------------------
# Employers and professional titles
# ---------------------------------------------------------------------------------------------------------

# Title ladders: the title for 正高 / 副高 / 中级 / 初级 (None where the ladder has no such rung).
LADDERS: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "academic": ("教授", "副教授", "讲师", "助教"),
    "research": ("研究员", "副研究员", "助理研究员", "研究实习员"),
    "medical": ("主任医师", "副主任医师", "主治医师", "医师"),
    "tcm": ("主任中医师", "副主任中医师", "主治中医师", "中医师"),
    "pharma": ("主任药师", "副主任药师", "主管药师", "药师"),
    "engineer": ("正高级工程师", "高级工程师", "工程师", "助理工程师"),
    "agronomist": ("农业技术推广研究员", "高级农艺师", "农艺师", "助理农艺师"),
    "vet": ("正高级兽医师", "高级兽医师", "兽医师", "助理兽医师"),
    "teacher": ("正高级教师", "高级教师", "一级教师", "二级教师"),
    "economist": ("正高级经济师", "高级经济师", "经济师", "助理经济师"),
    "lawyer": ("一级律师", "二级律师", "三级律师", "四级律师"),
    "social": (None, "高级社会工作师", "社会工作师", "助理社会工作师"),
    "culture": ("研究馆员", "副研究馆员", "馆员", "助理馆员"),
    "crafts": ("正高级工艺美术师", "高级工艺美术师", "工艺美术师", "助理工艺美术师"),
}


@dataclass(frozen=True)
class Employer:
    """Where an expert works: name, employer type (one of EMPLOYER_TYPES), district code and title ladder."""

    name: str
    kind: str
    district: str
    ladder: str


# City- and province-level institutions, with the discipline codes their experts come from.
CITY_EMPLOYERS: tuple[tuple[Employer, tuple[str, ...]], ...] = (
    (Employer("四川大学", "高校", "510107", "academic"),
     ("520", "560", "570", "610", "430", "550", "820", "840", "880", "790", "180", "170", "190", "710", "760",
      "850", "630", "620", "460", "510")),
    (Employer("电子科技大学", "高校", "GX", "academic"), ("510", "520", "630", "190", "470")),
    (Employer("西南交通大学", "高校", "510106", "academic"), ("560", "580", "460", "620", "630", "420", "170")),
    (Employer("四川农业大学", "高校", "510115", "academic"),
     ("210", "220", "230", "240", "550", "790", "760", "460", "610")),
    (Employer("成都中医药大学", "高校", "510115", "academic"), ("360", "350", "330", "190")),
    (Employer("西南财经大学", "高校", "510115", "academic"), ("790", "630", "820", "840")),
    (Employer("成都理工大学", "高校", "510108", "academic"), ("170", "610", "420", "560", "480")),
    (Employer("西华大学", "高校", "510117", "academic"), ("550", "460", "470", "820", "580")),
    (Employer("成都大学", "高校", "510112", "academic"), ("550", "880", "760", "520", "840", "180")),
    (Employer("四川师范大学", "高校", "510104", "academic"), ("880", "190", "760", "850", "710", "890")),
    (Employer("成都信息工程大学", "高校", "510116", "academic"), ("520", "510", "170", "610")),
    (Employer("成都医学院", "高校", "510114", "academic"), ("320", "330", "190", "350")),
    (Employer("成都工业学院", "高校", "510117", "academic"), ("460", "510", "430")),
    (Employer("成都体育学院", "高校", "510107", "academic"), ("890",)),
    (Employer("成都农业科技职业学院", "高校", "510115", "academic"), ("210", "220", "230", "240", "790")),
    (Employer("中共成都市委党校", "机关事业", "510105", "academic"), ("710", "840", "630", "790")),
    (Employer("四川省农业科学院", "科研院所", "510104", "research"), ("210", "240", "550", "460")),
    (Employer("成都市农林科学院", "科研院所", "510115", "research"), ("210", "220", "230", "240")),
    (Employer("中国科学院成都生物研究所", "科研院所", "510107", "research"), ("180", "210", "610")),
    (Employer("中国科学院、水利部成都山地灾害与环境研究所", "科研院所", "510107", "research"), ("170", "610", "570")),
    (Employer("四川省林业科学研究院", "科研院所", "510106", "research"), ("220",)),
    (Employer("四川省畜牧科学研究院", "科研院所", "510107", "research"), ("230",)),
    (Employer("四川省环境保护科学研究院", "科研院所", "510107", "research"), ("610",)),
    (Employer("中国电子科技集团公司第十研究所", "科研院所", "510106", "research"), ("510",)),
    (Employer("四川省食品发酵工业研究设计院", "科研院所", "510115", "research"), ("550", "180")),
    (Employer("四川省中医药科学院", "科研院所", "510107", "research"), ("360",)),
    (Employer("四川省建筑科学研究院", "科研院所", "510106", "research"), ("560",)),
    (Employer("四川省水利科学研究院", "科研院所", "510106", "research"), ("570",)),
    (Employer("四川省安全科学技术研究院", "科研院所", "510107", "research"), ("620",)),
    (Employer("成都市教育科学研究院", "机关事业", "510105", "teacher"), ("880", "190", "760")),
    (Employer("四川省疾病预防控制中心", "机关事业", "510107", "medical"), ("330",)),
    (Employer("成都市疾病预防控制中心", "机关事业", "510104", "medical"), ("330",)),
    (Employer("成都市农业技术推广总站", "机关事业", "510104", "agronomist"), ("210",)),
    (Employer("成都市动物疫病预防控制中心", "机关事业", "510104", "vet"), ("230",)),
    (Employer("成都市规划设计研究院", "机关事业", "510105", "engineer"), ("560",)),
    (Employer("成都市文化馆", "机关事业", "510105", "culture"), ("850", "760")),
    (Employer("四川大学华西医院", "医院", "510107", "medical"), ("320", "350", "190", "330")),
    (Employer("四川省人民医院", "医院", "510105", "medical"), ("320", "350")),
    (Employer("成都市第一人民医院", "医院", "GX", "medical"), ("320", "360")),
    (Employer("成都市第二人民医院", "医院", "510104", "medical"), ("320",)),
    (Employer("成都市第三人民医院", "医院", "510105", "medical"), ("320", "350")),
    (Employer("成都市第五人民医院", "医院", "510115", "medical"), ("320",)),
    (Employer("成都中医药大学附属医院", "医院", "510106", "tcm"), ("360",)),
    (Employer("四川省第二中医医院", "医院", "510105", "tcm"), ("360",)),
    (Employer("成都市妇女儿童中心医院", "医院", "510105", "medical"), ("320",)),
    (Employer("四川大学华西第二医院", "医院", "510107", "medical"), ("320",)),
    (Employer("四川省骨科医院", "医院", "510107", "medical"), ("320",)),
    (Employer("成都市第四人民医院", "医院", "510105", "medical"), ("190",)),
    (Employer("成都市公共卫生临床医疗中心", "医院", "510104", "medical"), ("330",)),
    (Employer("中铁二院工程集团有限责任公司", "企业", "510106", "engineer"), ("560", "580", "570", "620", "420")),
    (Employer("东方电气股份有限公司", "企业", "GX", "engineer"), ("470", "480", "460")),
    (Employer("中国五冶集团有限公司", "企业", "510108", "engineer"), ("560", "620")),
    (Employer("中国电建集团成都勘测设计研究院有限公司", "企业", "510105", "engineer"), ("570", "610", "480", "170")),
    (Employer("新希望六和股份有限公司", "企业", "510104", "vet"), ("230",)),
    (Employer("通威股份有限公司", "企业", "GX", "engineer"), ("240", "480")),
    (Employer("四川省建筑设计研究院有限公司", "企业", "TF", "engineer"), ("560",)),
    (Employer("中国移动通信集团四川有限公司", "企业", "GX", "engineer"), ("510", "520")),
    (Employer("成都建工集团有限公司", "企业", "510107", "engineer"), ("560", "620")),
    (Employer("成都市电子商务协会", "社会组织", "510105", "economist"), ("790",)),
    (Employer("成都市工艺美术协会", "社会组织", "510104", "crafts"), ("760", "850")),
    (Employer("成都市企业联合会", "社会组织", "510106", "economist"), ("630",)),
)

# District-level employers: a name template ({d} = district prefix, {b} = brand), type, ladder, fields,
# and whether the employer only exists outside the urban core.
LOCAL_EMPLOYERS: tuple[tuple[str, str, str, tuple[str, ...], bool], ...] = (
    ("{d}农业技术推广中心", "机关事业", "agronomist", ("210",), True),
    ("{d}{b}农业开发有限公司", "企业", "agronomist", ("210",), True),
    ("{d}林业技术推广站", "机关事业", "engineer", ("220",), True),
    ("{d}动物疫病预防控制中心", "机关事业", "vet", ("230",), True),
    ("{d}水产技术推广站", "机关事业", "engineer", ("240",), True),
    ("{d}农业机械化服务中心", "机关事业", "engineer", ("460",), True),
    ("{d}人民医院", "医院", "medical", ("320", "350"), False),
    ("{d}中医医院", "医院", "tcm", ("360",), False),
    ("{d}疾病预防控制中心", "机关事业", "medical", ("330",), False),
    ("{d}教师发展中心", "机关事业", "teacher", ("880", "190", "760", "890"), False),
    ("{d}住房和城乡建设局", "机关事业", "engineer", ("560",), False),
    ("{d}水务局", "机关事业", "engineer", ("570",), True),
    ("{d}生态环境监测站", "机关事业", "engineer", ("610",), False),
    ("{d}应急管理局", "机关事业", "engineer", ("620",), False),
    ("{d}文化馆", "机关事业", "culture", ("850", "760"), False),
    ("四川{b}律师事务所", "社会组织", "lawyer", ("820",), False),
    ("{d}{b}社会工作服务中心", "社会组织", "social", ("840", "190"), False),
    ("成都{b}机械制造有限公司", "企业", "engineer", ("460",), False),
    ("成都{b}电子科技有限公司", "企业", "engineer", ("510",), False),
    ("成都{b}信息技术有限公司", "企业", "engineer", ("520",), False),
    ("四川{b}食品有限公司", "企业", "engineer", ("550",), False),
    ("成都{b}新材料有限公司", "企业", "engineer", ("430",), False),
    ("四川{b}环保科技有限公司", "企业", "engineer", ("610",), False),
    ("成都{b}新能源科技有限公司", "企业", "engineer", ("480", "470"), False),
    ("四川{b}生物科技有限公司", "企业", "engineer", ("180",), False),
    ("成都{b}企业管理咨询有限公司", "企业", "economist", ("630", "790"), False),
    ("{d}{b}电子商务有限公司", "企业", "economist", ("790",), False),
)

BRANDS = (
    "蓉丰", "川禾", "锦程", "蜀润", "天源", "青禾", "瑞丰", "鑫达", "恒远", "联创", "锐科", "嘉德", "新禾", "蜀康",
    "汇通", "巴山", "川研", "蓉信", "锦添", "德润", "博远", "华蓉", "益农", "绿源", "金穗", "天泽", "正和", "宏图",
    "启明", "云帆", "同心", "善行", "益邻", "明理", "君和", "正衡", "蜀道", "禾丰", "川野", "岷江",
)

# ---------------------------------------------------------------------------------------------------------
# Names and places
# ---------------------------------------------------------------------------------------------------------

# Family names with rough weights for Sichuan.
SURNAMES = (
    ("李", 9), ("王", 8), ("张", 8), ("刘", 7), ("陈", 7), ("杨", 6), ("黄", 4), ("赵", 4), ("吴", 4), ("周", 4),
    ("徐", 3), ("罗", 4), ("何", 4), ("胡", 3), ("谢", 3), ("唐", 3), ("邓", 3), ("曾", 3), ("孙", 2), ("马", 2),
    ("朱", 2), ("郭", 2), ("高", 2), ("林", 2), ("郑", 2), ("梁", 2), ("宋", 2), ("许", 2), ("冯", 2), ("曹", 2),
    ("彭", 2), ("肖", 2), ("田", 2), ("袁", 2), ("蒋", 2), ("余", 2), ("杜", 2), ("任", 2), ("钟", 2), ("谭", 2),
    ("廖", 2), ("韩", 1), ("董", 1), ("潘", 1), ("蔡", 1), ("叶", 1), ("程", 1), ("苏", 1), ("魏", 1), ("吕", 1),
    ("丁", 1), ("沈", 1), ("姚", 1), ("卢", 1), ("范", 1), ("严", 1), ("雷", 1), ("向", 1), ("文", 1), ("付", 1),
    ("熊", 1), ("龚", 1), ("汪", 1), ("易", 1), ("邱", 1), ("蒲", 1), ("敬", 1), ("苟", 1),
)
GIVEN_SINGLE = {
    "男": "伟强军勇杰涛明斌超波辉刚健平磊鹏华俊峰林浩宇海东博晨帆毅凯亮昊川",
    "女": "芳娟敏静丽艳玲婷雪琳洁红霞燕佳欣颖倩璐萍慧莉丹蓉雯悦瑶",
}
GIVEN_FIRST = {"男": "志建晓文国永德明海宏俊子家天春立学世正新昌兴", "女": "晓丽秀雪婷佳思雨春玉文慧美静海紫"}
GIVEN_SECOND = {
    "男": "华明强军平伟峰林刚东勇涛宇杰斌飞龙成良辉川",
    "女": "梅燕娟芳红琴霞丽婷敏萍洁颖莉蓉琳菲娜雯瑶",
}

PHONE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "177", "180", "181",
    "182", "183", "186", "187", "188", "189", "191", "198", "199",
)

VILLAGE_NAMES = (
    "五星", "明月", "铁牛", "红光", "青杠", "黄泥", "石板", "双河", "白果", "松林", "竹林", "红星", "新民", "金鸡",
    "龙潭", "凉水井", "桂花", "石桥", "高峰", "天宫", "凤凰", "白鹤", "荷花", "幸福", "团结", "永丰", "大兴", "五里",
    "柏杨", "茶园", "花果", "桃源", "杏林", "马鞍", "水井", "金星", "长松", "万家", "安乐", "光明", "古佛", "青龙",
    "白马", "柑园", "清泉", "莲花", "黄桷", "庙山", "盐井", "大坪", "三合", "和平", "兴隆", "中兴", "复兴", "七里",
    "槐树", "柳林", "枫林", "新华",
)
COMMUNITY_NAMES = (
    "锦官", "和平", "东光", "新华", "望江", "龙舟", "金沙", "清水河", "桂苑", "芳草", "紫荆", "桐梓林", "府河",
    "沙河", "建设", "花园", "锦华", "兴城", "天鹅", "翠柏", "莲花", "南湖", "锦城", "双桂", "滨江", "新街", "福缘",
    "同心", "文化", "书院", "驿都", "宝华", "泉水", "华兴", "玉林", "蜀都", "光华", "文星", "杏坛", "长乐",
)
ROADS = (
    "人民路", "建设路", "文化路", "迎宾大道", "滨河路", "兴业路", "科技路", "创新大道", "工业大道", "学府路",
    "光明路", "新华大道", "和平街", "金河路", "府河路", "锦华路", "长安路", "复兴街", "育才路", "望江路", "新城大道",
    "锦绣大道", "振兴路", "康庄街",
)
# The prefix used when a district names a body after itself (e.g. 成都高新区疾病预防控制中心).
ZONE_PREFIX = {"GX": "成都高新区", "TF": "四川天府新区", "DB": "成都东部新区"}

# ---------------------------------------------------------------------------------------------------------
# Text banks. Slots in braces are filled from a per-sentence dict; unused slots are ignored.
# ---------------------------------------------------------------------------------------------------------

NON_PRODUCT_WORDS = ("{subject}", "减产", "发生较重")

# Per genre: the people served, what a "site" is, and words used in several banks.
GENRE_WORDS: dict[str, dict[str, str]] = {
    "agri": {"sites": "种养基地", "effect": "产量和品质", "busy": "农忙季节", "practice": "技术推广",
             "methods": "技术"},
    "rural": {"sites": "村", "effect": "集体经济和农民增收", "busy": "农忙季节", "practice": "基层实践",
              "methods": "工作方法"},
    "health": {"sites": "基层医疗机构", "effect": "群众就医体验", "busy": "流感高发期", "practice": "临床实践",
               "methods": "技术"},
    "industry": {"sites": "企业", "effect": "产品交付和生产效率", "busy": "年底生产旺季", "practice": "工程应用",
                 "methods": "技术"},
    "civic": {"sites": "社区", "effect": "群众满意度", "busy": "防汛关键期", "practice": "基层实践",
              "methods": "工作方法"},
    "school": {"sites": "学校", "effect": "教育教学质量", "busy": "期中期末考试周", "practice": "教学实践",
               "methods": "教学方法"},
}
# Who attends trainings and lectures, and what a "site" is, by the kind of unit asking.
UNIT_AUDIENCE = {"村": "村组干部和村民", "社区": "社区工作者和居民骨干", "镇街": "村（社区）干部和网格员",
                 "园区": "企业技术骨干", "学校": "教师和班主任", "医院": "医务人员", "企业": "技术骨干和一线员工",
                 "其他": "工作人员"}
GENRE_PLACE = {"村": "乡村", "社区": "社区", "镇街": "村社", "园区": "园区", "学校": "校园", "企业": "企业",
               "医院": "基层", "其他": "基层"}

SPECIALTY_OPENINGS = (
    "长期从事{label}研究与{practice}", "从事{label}工作{years}年", "主要研究方向为{label}",
    "扎根{label}一线{years}年", "专注{label}领域的应用研究和基层服务",
)
SPECIALTY_SKILLS = ("擅长{tech}和{tech2}", "熟悉{tech}、{tech2}等{methods}", "在{tech}、{tech2}方面有系统研究")
SPECIALTY_EXPERIENCE: dict[str, tuple[str, ...]] = {
    "agri": ("多次在基层开展{issue}现场诊断和技术培训", "在解决{issue}问题上有丰富实践经验",
             "主持完成{subject}相关技术示范{n}项"),
    "rural": ("参与过{n}个村的{subject}项目策划和落地", "熟悉{issue}方面的政策和基层实践"),
    "health": ("在{issue}方面有丰富临床经验", "长期参与基层{issue}的培训和指导", "牵头开展{issue}相关适宜技术推广"),
    "industry": ("为{n}家企业解决过{issue}方面的技术难题", "在{issue}领域有较多工程实践"),
    "civic": ("参与过多个区县{issue}的调研和方案设计", "熟悉{issue}的政策要求和基层实践"),
    "school": ("长期指导区域{issue}工作", "主持过{issue}相关课题{n}项"),
}

PROJECT_TITLES: dict[str, tuple[str, ...]] = {
    "agri": ("{subject}{tech}关键技术研究与示范", "{tech}集成示范与推广",
             "成都平原{subject}提质增效技术示范推广", "{subject}{tech}技术推广项目"),
    "rural": ("{subject}{tech}示范项目", "{tech}模式研究与推广", "乡村振兴背景下{subject}发展路径研究"),
    "health": ("基层医疗机构{tech}能力提升项目", "{tech}适宜技术推广项目", "{issue}改进研究",
               "{tech}社区干预研究"),
    "industry": ("{tech}技术研发与应用", "面向{subject}的{tech}关键技术研究", "{issue}技术改造项目"),
    "civic": ("{tech}实践研究", "成都市{issue}试点项目", "超大城市{subject}工作机制研究"),
    "school": ("{tech}实践研究", "区域推进{tech}的行动研究", "{issue}改进策略研究"),
}
PROJECT_FUNDERS: dict[str, tuple[str, ...]] = {
    "agri": ("四川省重点研发计划项目", "成都市科技计划项目", "国家重点研发计划课题", "四川省现代农业产业技术体系任务",
             "农业农村部农业技术推广项目"),
    "rural": ("四川省社会科学规划项目", "成都市软科学研究项目", "乡村振兴专项课题"),
    "health": ("四川省卫生健康委科研课题", "成都市卫生健康委医学科研课题", "国家自然科学基金项目",
               "四川省科技计划项目"),
    "industry": ("四川省重点研发计划项目", "成都市技术创新研发项目", "企业委托横向项目", "国家重点研发计划课题"),
    "civic": ("国家社会科学基金项目", "四川省社会科学规划项目", "成都市哲学社会科学规划项目", "成都市软科学研究项目"),
    "school": ("四川省教育科研课题", "成都市教育科研规划课题", "全国教育科学规划课题"),
}
PROJECT_RESULTS: dict[str, tuple[str, ...]] = {
    "agri": ("在{dname}建立示范基地{n}亩，辐射带动农户{h}户，亩均增收{k}元。",
             "集成{tech}与{tech2}，示范区{issue}问题明显缓解，相关技术规程已在{m}个区县推广。"),
    "rural": ("在{m}个村开展试点，带动村集体经济年增收{k}万元。", "形成的{tech}工作指引被{dname}采纳推广。"),
    "health": ("在{m}家基层医疗机构推广应用，覆盖患者{h}人。", "编写基层{tech}操作规范1部，培训基层医务人员{h}人次。"),
    "industry": ("成果在{m}家企业应用，新增产值约{k}万元，获授权发明专利{p}项。",
                 "完成{tech}中试验证，相关工艺已在合作企业投入使用。"),
    "civic": ("形成研究报告和政策建议{m}份，其中{p}份被相关部门采纳。",
              "在{dname}{m}个社区开展试点，经验在全市交流推广。"),
    "school": ("成果在{m}所学校推广应用，培训教师{h}人次。", "形成{tech}案例集1部，获市级教学成果奖。"),
}
PAPER_TITLES: dict[str, tuple[str, ...]] = {
    "agri": ("{issue}成因分析及对策", "{tech}应用效果研究", "成都地区{issue}调查与分析"),
    "rural": ("{issue}的现实困境与对策", "{tech}助推乡村振兴的实践路径", "成都{subject}发展现状调查"),
    "health": ("基层{issue}现状与对策分析", "{tech}在基层医疗机构的应用效果观察", "成都市{issue}现况调查"),
    "industry": ("{tech}在{subject}中的应用", "{issue}问题分析及改进措施", "基于{tech}的{subject}优化研究"),
    "civic": ("{issue}的成因与治理路径", "{tech}的实践探索——以成都市为例", "超大城市{issue}创新研究"),
    "school": ("{issue}的困境与突破", "{tech}的实践与思考", "基于{tech}的区域教研改进"),
}
JOURNALS: dict[str, tuple[str, ...]] = {
    "agri": ("西南农业学报", "四川农业大学学报", "中国南方果树", "植物保护", "中国农学通报", "四川农业科技"),
    "rural": ("农村经济", "中国农村观察", "四川农业科技", "农业经济问题"),
    "health": ("华西医学", "中国全科医学", "四川医学", "预防医学情报杂志", "中国中医基础医学杂志"),
    "industry": ("机械工程学报", "食品科学", "中国环境科学", "计算机应用", "材料导报", "安全与环境学报"),
    "civic": ("中国行政管理", "城市规划", "社会科学研究", "中国应急管理科学", "理论与改革"),
    "school": ("教育科学研究", "中国电化教育", "课程·教材·教法", "四川教育", "中小学心理健康教育"),
}
PAPER_SUMMARIES = (
    "文章基于{dname}{m}个{sites}的调查数据，分析了{issue}方面的突出问题及成因，提出以{tech}为核心的改进措施。",
    "研究比较了不同{tech}方案的效果，结果表明综合措施可使相关指标改善{pct}%以上。",
    "文章总结了在{dname}开展{tech}的做法和经验，为同类地区提供参考。",
)
SERVICE_TITLES: dict[str, tuple[str, ...]] = {
    "agri": ("{year}年赴{dname}开展{subject}技术服务", "{dname}{tech}现场指导"),
    "rural": ("{year}年{dname}{subject}驻村指导", "{dname}{tech}专题服务"),
    "health": ("{year}年{dname}基层医疗机构{tech}带教", "{dname}{tech}义诊与培训"),
    "industry": ("{year}年{dname}企业{tech}技术服务", "为{dname}企业开展{tech}诊断"),
    "civic": ("{year}年{dname}{subject}专题指导", "{dname}{tech}咨询服务"),
    "school": ("{year}年{dname}学校{tech}指导", "{dname}{tech}送教下乡"),
}
SERVICE_TEXTS = (
    "{year}年{month}月赴{dname}{town}，开展{tech}现场指导和培训，服务{m}个{sites}，培训{h}人次，"
    "协助解决{issue}等问题。",
    "连续{m}个月定期到{dname}蹲点，围绕{issue}开展服务，帮助建立{tech}工作规范。",
    "作为千名专家下基层成员赴{dname}服务，讲解{tech}要点，现场答疑{k}个。",
)

# Need titles: (template, genres where it reads naturally; empty = all).
NEED_TITLES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "技术服务": (
        ("{issue}技术指导", ("agri", "industry", "health")),
        ("{issue}现场诊断与技术服务", ("agri", "industry")),
        ("{issue}综合防治技术指导", ("agri",)),
        ("{tech}技术指导", ("agri", "industry", "health")),
        ("{issue}专业指导", ("civic", "school", "rural", "health")),
        ("{tech}上门指导", ("civic", "school", "rural")),
    ),
    "科技推广": (
        ("{tech}技术推广", ("agri", "industry", "health")),
        ("{subject}{tech}示范推广", ("agri",)),
        ("推广应用{tech}", ()),
        ("{tech}试点推广", ("civic", "school", "rural")),
    ),
    "项目攻关": (
        ("{issue}技术攻关", ("agri", "industry")),
        ("破解{issue}难题联合攻关", ()),
        ("{subject}{tech}关键技术攻关", ("agri",)),
        ("{issue}难点攻关", ("civic", "school", "rural", "health")),
    ),
    "人才培训": (
        ("{tech}专题培训", ()),
        ("{audience}{tech}培训", ()),
        ("{subject}实用技术培训班", ("agri",)),
        ("{tech}能力提升培训班", ("health", "civic", "school", "industry", "rural")),
    ),
    "巡回宣讲": (
        ("{lecture}巡回宣讲", ()),
        ("{lecture}进{place}巡回宣讲", ()),
        ("“{lecture}”系列巡回宣讲", ()),
    ),
}
SERVICE_TYPE_WEIGHTS: dict[str, tuple[float, float, float, float, float]] = {
    # 技术服务, 科技推广, 项目攻关, 人才培训, 巡回宣讲
    "agri": (0.35, 0.25, 0.10, 0.20, 0.10),
    "rural": (0.30, 0.20, 0.10, 0.25, 0.15),
    "health": (0.30, 0.15, 0.05, 0.30, 0.20),
    "industry": (0.35, 0.15, 0.30, 0.15, 0.05),
    "civic": (0.30, 0.10, 0.10, 0.25, 0.25),
    "school": (0.20, 0.10, 0.05, 0.40, 0.25),
}

# Opening sentences of a need, by unit kind (facts of the unit fill the numbers).
NEED_OPENINGS: dict[str, tuple[str, ...]] = {
    "村": ("本村位于{town}，全村{households}户{population}人，{trait}。",
           "我村地处{dname}{town}，{trait}，常住人口约{population}人。"),
    "社区": ("本社区位于{town}，辖区常住人口约{population}人，其中60岁以上老人占{elderly_pct}%。",
             "本社区是{trait}，共有住户{households}户。"),
    "镇街": ("{town}地处{dname}{trait}，辖{villages}个{sites}，常住人口约{population}人。",
             "我{self}位于{dname}{trait}，常住人口约{population}人，下辖{villages}个{sites}。"),
    "园区": ("园区以{detail}为主导产业，现有入驻企业{firms}家。",
             "{short}目前聚集{detail}企业{firms}家，其中规上企业{big_firms}家。"),
    "学校": ("我校现有学生{students}名、教职工{staff}名，{trait}。",
             "学校是一所{detail}，{trait}。"),
    "医院": ("我院是{detail}，服务辖区人口约{population}人，开放床位{beds}张。",
             "我们是{dname}的一家{detail}，在岗医务人员{staff}人。"),
    "企业": ("我公司主要从事{detail}，现有员工{staff}人，{trait}。",
             "公司成立于{founded}年，主营{detail}，{trait}。"),
    "其他": ("我们是{detail}，{trait}。",),
}
UNIT_TRAITS: dict[str, tuple[str, ...]] = {
    "村": ("青壮年外出务工较多，留守老人比例较高", "近年来依托特色产业发展较快", "是{dname}乡村振兴示范村",
           "村集体经济还比较薄弱", "交通条件近年明显改善，来村游客逐年增加"),
    "社区": ("老旧院落集中的老城社区", "拆迁安置社区", "新建商品房小区较多的社区", "产业园区配套社区",
             "流动人口较多的城乡接合部社区"),
    "镇街": ("城乡接合部", "浅丘地区", "平坝农业区", "城市新区"),
    "学校": ("留守儿童占比较高", "近年生源增长较快", "是区域内规模较大的公办学校", "教师平均年龄偏大",
             "新入职青年教师较多"),
    "企业": ("是省级专精特新中小企业", "产品主要销往省内外", "年产值约{output}亿元", "近两年业务增长较快"),
    "其他": ("服务对象以周边群众为主", "日常工作人员{staff}人", "近两年服务需求增长明显"),
}
# Problem sentences by topic genre.
NEED_PROBLEMS: dict[str, tuple[str, ...]] = {
    "agri": ("近两年{issue}日益突出，部分地块减产{pct}%以上。",
             "去年{season}{issue}发生较重，农户自行处理效果不理想。",
             "农户普遍反映{issue}，但缺乏系统的技术指导。",
             "{issue}已成为制约本地{subject}产业提质增效的主要瓶颈。"),
    "rural": ("当地在{issue}方面一直没有找到好办法。",
              "{issue}问题制约了本地{subject}发展，群众意愿强烈。",
              "我们多次研究{issue}问题，希望借助外部专业力量破题。"),
    "health": ("目前我们在{issue}方面能力不足，基层医务人员缺少系统培训。",
               "{issue}是当前工作中的薄弱环节，群众反映较多。",
               "上级考核显示我们在{issue}方面与目标差距较大。"),
    "industry": ("近期在{issue}方面遇到困难，影响了{effect}。",
                 "{issue}是企业当前最突出的技术短板，内部团队尚无成熟方案。",
                 "客户对{issue}提出了更高要求，现有工艺和管理难以满足。"),
    "civic": ("辖区在{issue}方面短板明显，群众反映较多。",
              "近年来{issue}的任务越来越重，现有工作力量和专业能力难以应对。",
              "{issue}是今年的重点工作之一，但缺乏专业指导。"),
    "school": ("学校在{issue}方面力量薄弱，缺少专业引领。",
               "{issue}是家长和教师共同关心的问题。",
               "近两年{issue}方面的问题逐渐显现，亟须专业支持。"),
}
NEED_ATTEMPTS: dict[str, tuple[str, ...]] = {
    "agri": ("此前自行购买农资处理过，但效果有限。", "曾请农资经销商来看过，建议不够系统。",
             "去年参加过县上组织的培训，但实际操作中仍有不少疑问。"),
    "rural": ("此前与电商平台和设计团队接触过，方案落地难。", "曾外出考察学习，但经验难以照搬。"),
    "health": ("院内组织过几次培训，但缺少上级专家的带教。", "已与上级医院建立转诊关系，但技术下沉不够。"),
    "industry": ("曾请设备厂家检修，问题仍反复出现。", "内部组织过技术攻关，进展不大。",
                 "更换过部分设备和原料，效果不明显。"),
    "civic": ("组织过几次宣传和培训活动，效果不够持久。", "已制定初步工作方案，但专业性不足。"),
    "school": ("组织过校本培训，但缺少高水平专家引领。", "曾外出参观学习，回来后落地困难。"),
}
NEED_REQUESTS: dict[str, tuple[str, ...]] = {
    "技术服务": ("希望专家到现场诊断，提出{tech}等针对性措施，并跟踪指导{visits}次。",
                 "恳请派{experts}名熟悉{tech}的专家实地指导，帮助制定解决方案。",
                 "希望专家结合实际情况给出可操作的{tech}方案，并手把手教会我们的人员。"),
    "科技推广": ("希望引进并示范推广{tech}，先在{n_sites}个{sites}开展示范，再逐步推开。",
                 "拟推广{tech}，需要专家提供实施方案并现场示范。",
                 "希望专家帮助我们把{tech}用起来，形成可复制的做法。"),
    "项目攻关": ("希望与专家团队联合攻关，围绕{issue}开展系统研究，形成可复制的解决方案。",
                 "希望组建{experts}人专家团队，针对{issue}开展约{months}个月的攻关。",
                 "可以提供试验场地和配套资金，希望专家牵头设计攻关方案。"),
    "人才培训": ("希望邀请专家开展{tech}专题培训，预计参训{trainees}人，以实操为主。",
                 "拟举办{sessions}期培训班，对{audience}进行系统培训。",
                 "希望培训讲练结合，培训后能组建一支本地骨干队伍。"),
    "巡回宣讲": ("希望专家围绕{lecture}开展巡回宣讲，覆盖{n_sites}个{sites}，每场约{trainees}人。",
                 "希望以通俗易懂的方式开展{lecture}宣讲，并留出时间现场答疑。",
                 "计划安排{sessions}场宣讲，希望内容贴近基层实际。"),
}
NEED_EXTRAS = (
    "我们可提供场地、交通和必要的试验材料。", "时间上希望避开{busy}。", "有意向的专家可与联系人直接沟通具体安排。",
    "如能长期结对服务更好。", "服务成果希望形成书面材料，便于后续推广。",
)
SEASONS = ("春季", "夏季", "秋季", "冬春季", "雨季")

VISIT_ACTIVITY = {"技术服务": "现场指导", "科技推广": "示范推广", "项目攻关": "联合攻关", "人才培训": "专题培训",
                  "巡回宣讲": "巡回宣讲"}
VISIT_CONTENTS = (
    "到{unit}开展{tech}{activity}，现场查看了实际情况，针对{issue}提出{k}条具体建议。",
    "围绕{issue}与{audience}座谈交流，讲解{tech}要点，并现场演示操作。",
    "赴{unit}开展{activity}，结合{issue}讲授{tech}，会后逐一解答提问。",
    "对{issue}进行诊断分析，制定了以{tech}为主的改进方案，约定一个月后回访。",
)
VISIT_COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("专家讲解细致、针对性强，解决了我们的实际问题。", "方案实用，群众反响很好，希望长期合作。",
        "专家不辞辛苦深入一线，效果超出预期。"),
    4: ("指导很专业，希望后续能增加回访次数。", "整体效果不错，部分措施还需要时间验证。"),
    3: ("时间安排有些仓促，部分问题还需继续跟进。", "内容偏理论，希望下次多一些现场操作。"),
}

CONTACT_SUMMARIES: dict[str, tuple[str, ...]] = {
    "走访慰问": ("到{employer}走访{expert}，了解其在{label}方面的最新进展，听取对我市相关工作的意见建议。",
                 "走访{expert}所在团队，实地察看科研条件，询问工作和生活中的困难。"),
    "交流座谈": ("邀请{expert}参加{label}专题座谈，围绕{issue}交流讨论。",
                 "与{expert}座谈，听取其关于{issue}的思路和建议。"),
    "电话": ("电话了解{expert}近期工作和生活情况，对其参与下基层服务表示感谢。",
             "电话沟通{expert}此前反映事项的办理进展。"),
    "节日慰问": ("节前看望慰问{expert}，送上节日祝福，感谢其为我市发展作出的贡献。",
                 "节日期间走访慰问{expert}及家属，了解家庭生活情况。"),
    "列席会议": ("邀请{expert}列席市政府专题会议，就{label}相关议题发表意见。",
                 "邀请{expert}列席{issue}工作推进会，提出专业意见。"),
}
CONCERNS: dict[str, tuple[str, ...]] = {
    "科研条件": ("团队实验用房紧张，大型仪器共享渠道不畅，希望协调公共平台使用。",
                 "野外试验基地用地到期，希望协调续租或另行安排试验用地。"),
    "项目": ("希望在{label}方向的市级科技项目申报上给予指导和支持。", "在研成果转化项目需要地方配套，希望协调落实。"),
    "团队": ("团队引进青年骨干在落户和人才认定上遇到困难，希望协助解决。", "希望支持组建{label}方向的专家服务团队。"),
    "子女入学": ("子女明年小学入学，希望协助了解就近入学政策。", "子女随迁转学手续办理不顺，希望给予帮助。"),
    "住房": ("希望了解人才公寓申请条件和办理流程。", "引进人才购房资格认定材料较多，希望简化办理。"),
    "医疗": ("家中老人长期患病，希望了解就医绿色通道服务。", "希望落实高层次人才健康体检服务。"),
    "配偶就业": ("配偶随调来蓉，希望协助推荐合适工作岗位。", "配偶工作单位调动手续办理遇到困难，希望协调。"),
    "建言献策": ("建议加强{issue}方面的统筹，建立跨部门协调机制。", "就{issue}提出书面建议，希望相关部门研究采纳。"),
}
CONCERN_REPLIES: dict[str, tuple[str, ...]] = {
    "科研条件": ("已协调市级公共技术平台开放共享，专家团队可按预约使用。", "已会同属地协调落实试验用地。"),
    "项目": ("已安排业务处室对接，提供项目申报辅导。", "已纳入年度成果转化项目支持清单。"),
    "团队": ("已按人才政策完成认定，落户手续同步办理。", "已支持组建专家服务团队并纳入年度计划。"),
    "子女入学": ("已由教育部门对接，按政策安排就近入学。", "转学手续已协调办结。"),
    "住房": ("已提供人才公寓申请指引，专人协助办理。", "已简化认定材料，资格认定已办结。"),
    "医疗": ("已纳入就医绿色通道服务，并安排专人联系。", "已安排年度健康体检。"),
    "配偶就业": ("已推荐相关岗位信息，配偶已参加面试。", "调动手续已协调办结。"),
    "建言献策": ("建议已转相关部门研究，部分内容已吸收进工作方案。", "相关部门已书面答复并邀请专家参与后续论证。"),
}
CONCERN_DEPARTMENTS = {
    "科研条件": ("市科技局",), "项目": ("市科技局", "市经信局"), "团队": ("市委人才办", "市人社局"),
    "子女入学": ("市教育局",), "住房": ("市住建局",), "医疗": ("市卫健委",), "配偶就业": ("市人社局",),
}
# Department taking suggestions (建言献策), by the first digit(s) of the expert's discipline code.
ADVICE_DEPARTMENTS = (
    (("21", "22", "23", "24"), "市农业农村局"), (("3",), "市卫健委"), (("56", "58"), "市住建局"),
    (("57",), "市水务局"), (("17", "42"), "市规划和自然资源局"), (("61",), "市生态环境局"), (("62",), "市应急局"),
    (("88", "89", "19"), "市教育局"),
    (("82",), "市司法局"), (("84",), "市民政局"), (("76", "85"), "市文广旅局"), (("4", "5"), "市经信局"),
)
FESTIVAL_DAYS = ((date(2025, 1, 20), date(2025, 1, 27)), (date(2025, 9, 28), date(2025, 10, 5)),
                 (date(2026, 2, 8), date(2026, 2, 15)), (date(2026, 9, 18), date(2026, 9, 24)))

# City leaders (fictional people, generic positions): rank, position, portfolio.
LEADER_POSTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("主要领导", "市委书记", ("630", "790", "520")),
    ("主要领导", "市委副书记、市长", ("790", "210", "560")),
    ("常委", "市委副书记", ("840", "710", "210")),
    ("常委", "市委常委、常务副市长", ("790", "630", "460")),
    ("常委", "市委常委、组织部部长", ("630", "880", "710")),
    ("常委", "市委常委、宣传部部长", ("760", "850", "860")),
    ("常委", "市委常委、统战部部长", ("840", "790", "850")),
    ("常委", "市委常委、政法委书记", ("820", "840", "620")),
    ("常委", "市委常委、秘书长", ("630", "520")),
    ("常委", "市委常委、副市长", ("560", "570", "580")),
    ("常委", "市委常委、市纪委书记、市监委主任", ("820", "630")),
    ("常委", "市委常委、高新区党工委书记", ("510", "520", "180")),
    ("其他市级", "副市长", ("210", "220", "230", "240")),
    ("其他市级", "副市长", ("320", "330", "360", "350")),
    ("其他市级", "副市长", ("880", "890", "190")),
    ("其他市级", "副市长", ("460", "510", "430", "480")),
    ("其他市级", "副市长", ("610", "570", "620")),
    ("其他市级", "市人大常委会主任", ("820", "790")),
    ("其他市级", "市人大常委会副主任", ("210", "550")),
    ("其他市级", "市人大常委会副主任", ("320", "840")),
    ("其他市级", "市政协主席", ("790", "760")),
    ("其他市级", "市政协副主席", ("880", "850")),
    ("其他市级", "市政协副主席", ("560", "610")),
    ("其他市级", "市政协副主席", ("520", "630")),
)


# fmt: on

# ---------------------------------------------------------------------------------------------------------
# Reference data and small helpers
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """A county-level division or functional zone from data/districts.json."""

    code: str
    name: str
    neighbours: tuple[str, ...]

    @property
    def prefix(self) -> str:
        """The name a district-level body carries, e.g. 蒲江县 or 成都高新区."""
        return ZONE_PREFIX.get(self.code, self.name)


def load_districts(data_dir: Path = DATA_DIR) -> list[District]:
    """Read the districts shipped in data/districts.json, in file order."""
    raw = json.loads((data_dir / "districts.json").read_text(encoding="utf-8"))
    return [District(d["code"], d["name"], tuple(d["neighbours"])) for d in raw["districts"]]


def load_field_names(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Read discipline code -> name from data/fields.json."""
    raw = json.loads((data_dir / "fields.json").read_text(encoding="utf-8"))
    return {f["code"]: f["name"] for f in raw["fields"]}


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _fill(template: str, slots: dict[str, Any]) -> str:
    return template.format_map(slots)


def usable(templates: Iterable[str], topic: Topic) -> list[str]:
    """The templates that read well for the topic (no 产区 or 减产 talk where the subject is no crop or herd)."""
    if topic.product:
        return list(templates)
    return [t for t in templates if not any(word in t for word in NON_PRODUCT_WORDS)]


def _date_between(rng: Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _round_to(value: int, step: int) -> int:
    return max(step, round(value / step) * step)


class People:
    """Fictional names, phone numbers and ID numbers, each unique across the dataset."""

    def __init__(self, rng: Random, id_regions: tuple[str, ...]) -> None:
        self._rng = rng
        self._id_regions = id_regions
        self._surnames = [surname for surname, _ in SURNAMES]
        self._surname_weights = [weight for _, weight in SURNAMES]
        self._names: set[str] = set()
        self._phones: set[str] = set()
        self._ids: set[str] = set()

    def name(self, sex: str, *, unique: bool = True) -> str:
        """A plausible Chinese name; unique among unique names when asked."""
        while True:
            surname = self._rng.choices(self._surnames, self._surname_weights)[0]
            if self._rng.random() < 0.3:
                given = self._rng.choice(GIVEN_SINGLE[sex])
            else:
                given = self._rng.choice(GIVEN_FIRST[sex]) + self._rng.choice(GIVEN_SECOND[sex])
            full = surname + given
            if not unique:
                return full
            if full not in self._names:
                self._names.add(full)
                return full

    def sex(self, female_share: float) -> str:
        """男 or 女."""
        return "女" if self._rng.random() < female_share else "男"

    def phone(self) -> str:
        """An 11-digit mobile number not handed out before."""
        while True:
            number = self._rng.choice(PHONE_PREFIXES) + f"{self._rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def id_number(self, sex: str, birth_year: int) -> str:
        """An 18-character ID number: 成都 region code, a birth date in birth_year, odd sequence for men."""
        while True:
            region = self._rng.choice(self._id_regions)
            birthday = date(birth_year, 1, 1) + timedelta(days=self._rng.randrange(365))
            sex_digit = self._rng.choice("13579" if sex == "男" else "02468")
            first17 = f"{region}{birthday:%Y%m%d}{self._rng.randrange(100):02d}{sex_digit}"
            number = first17 + id_check_char(first17)
            if number not in self._ids:
                self._ids.add(number)
                return number


# ---------------------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------------------


@dataclass
class UnitDraft:
    """A unit record plus what the generator knows about it (topics it asks about, facts for its texts)."""

    record: UnitRecord
    topics: tuple[str, ...]
    facts: dict[str, Any]


# name, address, town, topics asked about, facts for texts
BuiltUnit = tuple[str, str, str, tuple[str, ...], dict[str, Any]]


class UnitFactory:
    """Builds units of each kind with names plausible for their district."""

    def __init__(self, rng: Random, people: People) -> None:
        self.rng = rng
        self.people = people
        self._names: set[str] = set()
        self._township_towns: set[str] = set()

    def build(self, kind: str, district: District, profile: DistrictProfile) -> UnitDraft:
        """One unit of ``kind`` in ``district`` (key left empty)."""
        builders = {
            "村": self._village,
            "社区": self._community,
            "镇街": self._township,
            "园区": self._park,
            "学校": self._school,
            "医院": self._hospital,
            "企业": self._enterprise,
            "其他": self._other,
        }
        name, address, town, topics, facts = builders[kind](district, profile)
        self._names.add(name)
        facts.update(town=town, dname=district.name, urban=profile.tier in ("core", "gx"))
        facts["trait"] = _fill(facts.get("trait", ""), facts)
        record: UnitRecord = {
            "key": "",
            "name": name,
            "kind": kind,
            "district": district.code,
            "contact_name": self.people.name(self.people.sex(0.45), unique=False),
            "contact_phone": self.people.phone(),
            "address": address,
        }
        return UnitDraft(record, topics, facts)

    # -- helpers ------------------------------------------------------------------------------------------

    def _fresh(self, make: Any) -> str:
        """Call ``make()`` until it yields a name not used yet."""
        for _ in range(200):
            name = str(make())
            if name not in self._names:
                return name
        raise RuntimeError("ran out of distinct unit names")

    def _street_address(self, district: District, town: str) -> str:
        return f"{district.name}{town}{self.rng.choice(ROADS)}{self.rng.randint(1, 399)}号"

    def _town(self, profile: DistrictProfile, prefer: str = "") -> str:
        towns = [t for t in profile.towns if t.endswith(prefer)] or list(profile.towns)
        return self.rng.choice(towns)

    def _crops(self, profile: DistrictProfile, at_most: int) -> list[str]:
        count = min(len(profile.crops), self.rng.randint(1, at_most))
        return self.rng.sample(profile.crops, count)

    # -- one builder per kind -----------------------------------------------------------------------------

    def _village(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        town = self._town(profile)
        village = ""

        def make() -> str:
            nonlocal village
            village = self.rng.choice(VILLAGE_NAMES)
            return f"{district.name}{town}{village}村村民委员会"

        name = self._fresh(make)
        topics = self._crops(profile, 2)
        if self.rng.random() < 0.75:
            extra = self.rng.choice(VILLAGE_TOPICS + profile.extras)
            if extra not in topics:
                topics.append(extra)
        households = _round_to(self.rng.randint(300, 1600), 10)
        facts = {
            "households": households,
            "population": households * self.rng.randint(28, 34) // 10,
            "trait": self.rng.choice(UNIT_TRAITS["村"]),
            "sites": "村民小组",
        }
        return name, f"{district.name}{town}{village}村{self.rng.randint(1, 12)}组", town, tuple(topics), facts

    def _community(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        town = self._town(profile, "街道")
        name = self._fresh(lambda: f"{district.name}{town}{self.rng.choice(COMMUNITY_NAMES)}社区居民委员会")
        households = _round_to(self.rng.randint(1500, 9000), 100)
        facts = {
            "households": households,
            "population": households * 27 // 10,
            "elderly_pct": self.rng.randint(14, 32),
            "trait": self.rng.choice(UNIT_TRAITS["社区"]),
            "sites": "小区（院落）",
        }
        topics = tuple(self.rng.sample(COMMUNITY_TOPICS, 3))
        return name, self._street_address(district, town), town, topics, facts

    def _township(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        towns = [t for t in profile.towns if f"{district.code}{t}" not in self._township_towns]
        town = self.rng.choice(towns)
        self._township_towns.add(f"{district.code}{town}")
        is_town = town.endswith("镇")
        name = f"{district.name}{town}人民政府" if is_town else f"{district.name}{town}办事处"
        urban = profile.tier in ("core", "gx")
        # inner-city streets have no villages, fields or canals to ask about
        offered = [t for t in TOWNSHIP_TOPICS if not urban or TOPICS[t].genre != "rural"]
        topics = self.rng.sample(offered, 2)
        if "geohazard" in profile.extras:
            topics.append("geohazard")
        if is_town and profile.crops:
            topics.append(self.rng.choice(profile.crops))
        if urban:
            trait = self.rng.choice(("中心城区", "老城区", "城市更新片区"))
        elif is_town:
            trait = "山区" if "geohazard" in profile.extras else self.rng.choice(("浅丘地区", "平坝农业区"))
        else:
            trait = self.rng.choice(("城乡接合部", "城市新区"))
        facts = {
            "villages": self.rng.randint(6, 22),
            "population": _round_to(self.rng.randint(20000, 120000), 1000),
            "self": "镇" if is_town else "街道",
            "trait": trait,
            "sites": "社区" if urban else "村（社区）",
        }
        return name, self._street_address(district, town), town, tuple(topics), facts

    def _park(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        park = next(p for p in PARKS if p[1] == district.code and p[0] not in self._names)
        name, _, industry, topics = park
        town = self._town(profile)
        facts = {
            "detail": industry,
            "firms": self.rng.randint(40, 400),
            "big_firms": self.rng.randint(10, 60),
            "short": "园区",
            "sites": "企业",
        }
        return name, self._street_address(district, town), town, topics, facts

    def _school(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        town = self._town(profile)
        short = town.removesuffix("街道").removesuffix("镇")
        seat = profile.towns[0]  # district-wide schools sit in the district seat
        variants = (
            (f"{district.name}{short}小学", "公办小学", town),
            (f"{district.name}{short}中学", "完全中学", town),
            (f"{district.name}实验小学", "区域窗口学校", seat),
            (f"{district.name}职业技术学校", "中等职业学校", seat),
        )
        name, detail, town = self.rng.choice([v for v in variants if v[0] not in self._names])
        topics = self.rng.sample(SCHOOL_TOPICS, 3)
        if detail == "中等职业学校":
            topics[0] = "vocational"
        facts = {
            "detail": detail,
            "students": _round_to(self.rng.randint(600, 3200), 10),
            "staff": self.rng.randint(50, 260),
            "trait": self.rng.choice(UNIT_TRAITS["学校"]),
            "sites": "年级",
            "busy": "期中期末考试周",
        }
        return name, self._street_address(district, town), town, tuple(topics), facts

    def _hospital(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        town = self._town(profile)
        local = (
            (f"{district.name}{town}卫生院", "乡镇中心卫生院", ())
            if town.endswith("镇")
            else (f"{district.name}{town}社区卫生服务中心", "社区卫生服务中心", ())
        )
        variants = (
            local,
            local,
            (f"{district.prefix}中医医院", "二级甲等中医医院", ("tcm",)),
            (f"{district.prefix}妇幼保健院", "妇幼保健院", ("obstetrics", "pediatrics")),
        )
        name, detail, must = self.rng.choice([v for v in variants if v[0] not in self._names])
        topics = list(must) + [t for t in self.rng.sample(HOSPITAL_TOPICS, 4) if t not in must]
        grassroots = not must  # a township or community health centre, not a district hospital
        facts = {
            "detail": detail,
            "population": _round_to(
                self.rng.randint(20000, 90000) if grassroots else self.rng.randint(150000, 600000), 1000
            ),
            "beds": self.rng.randint(20, 99) if grassroots else self.rng.randint(150, 500),
            "staff": self.rng.randint(30, 150) if grassroots else self.rng.randint(200, 800),
            "sites": "村卫生室" if town.endswith("镇") else "社区卫生服务站",
            "busy": "流感高发期",
        }
        return name, self._street_address(district, town), town, tuple(topics[:3]), facts

    def _enterprise(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        industry = INDUSTRIES[self.rng.choice(profile.industries)]
        prefix = self.rng.choice(("成都", "成都", "四川", district.prefix))
        name = self._fresh(lambda: f"{prefix}{self.rng.choice(BRANDS)}{industry.name_word}有限公司")
        topics = self.rng.sample(industry.topics, min(3, len(industry.topics)))
        if industry.name_word == "农业开发" and profile.crops:
            topics.insert(0, self.rng.choice(profile.crops))
        facts = {
            "detail": industry.business,
            "staff": self.rng.randint(30, 900),
            "founded": self.rng.randint(1998, 2020),
            "output": round(self.rng.uniform(0.3, 12.0), 1),
            "trait": self.rng.choice(UNIT_TRAITS["企业"]),
            "sites": "车间",
            "busy": "年底生产旺季",
        }
        town = self._town(profile)
        return name, self._street_address(district, town), town, tuple(topics[:3]), facts

    def _other(self, district: District, profile: DistrictProfile) -> BuiltUnit:
        town = self._town(profile)
        trait = self.rng.choice(UNIT_TRAITS["其他"])
        if profile.crops and self.rng.random() < 0.7:
            crop = self.rng.choice(profile.crops)
            subject = TOPICS[crop].subject
            name = self._fresh(lambda: f"{district.name}{town}{self.rng.choice(VILLAGE_NAMES)}{subject}专业合作社")
            topics: tuple[str, ...] = (crop, self.rng.choice(("ecommerce", "agrimachine", "smartagri", "soil")))
            facts: dict[str, Any] = {
                "detail": f"一家以{subject}为主的农民专业合作社",
                "trait": f"现有社员{self.rng.randint(40, 400)}户",
                "sites": "生产基地",
            }
            address = f"{district.name}{town}{self.rng.choice(VILLAGE_NAMES)}村"
            return name, address, town, topics, facts
        if self.rng.random() < 0.6:
            name = self._fresh(lambda: f"{district.name}{town}养老服务中心")
            topics = tuple(self.rng.sample(ELDERCARE_TOPICS, 3))
            detail = f"{town}片区的社区养老服务综合体，提供日间照料和助餐服务"
        else:
            name = self._fresh(lambda: f"{district.name}{town}综合文化站")
            topics = tuple(self.rng.sample(CULTURE_STATION_TOPICS, 2))
            detail = f"{town}的综合文化站，负责群众文化活动和公共文化服务"
        facts = {"detail": detail, "trait": trait, "staff": self.rng.randint(4, 30), "sites": "服务点"}
        return name, self._street_address(district, town), town, topics, facts


def make_units(rng: Random, people: People, districts: list[District]) -> list[UnitDraft]:
    """Units for every district according to its tier's plan, keyed U001…"""
    factory = UnitFactory(rng, people)
    units: list[UnitDraft] = []
    for district in districts:
        profile = DISTRICT_PROFILES[district.code]
        for kind, count in UNIT_PLAN[profile.tier]:
            units.extend(factory.build(kind, district, profile) for _ in range(count))
    for number, unit in enumerate(units, start=1):
        unit.record["key"] = f"U{number:03d}"
    return units


# ---------------------------------------------------------------------------------------------------------
# Needs
# ---------------------------------------------------------------------------------------------------------

NEED_STATUS_WEIGHTS = (("open", 0.68), ("done", 0.13), ("submitted", 0.08), ("draft", 0.07), ("withdrawn", 0.04))
FARM_OPENINGS = (
    "本村位于{town}，{scale}，涉及农户{farmers}户。",
    "我村{scale}，是{dname}{subject}主要产区之一。",
)


@dataclass
class NeedDraft:
    """A need record plus the topic, issue and technique it was written from."""

    record: NeedRecord
    topic: str
    issue: str
    technique: str


def _scale(rng: Random, unit: UnitDraft, topic_key: str) -> str:
    """The farm-size fragment for a unit and topic, fixed on first use so a unit's needs agree."""
    fact_key = f"scale:{topic_key}"
    if fact_key not in unit.facts:
        template, low, high = TOPICS[topic_key].scale or ("", 0, 0)
        size = rng.randint(low, high)
        size = _round_to(size, 50) if size >= 500 else _round_to(size, 10) if size >= 50 else size
        unit.facts[fact_key] = template.format(n=size, m=_round_to(size // 4, 10))
    return str(unit.facts[fact_key])


def _need_slots(rng: Random, unit: UnitDraft, topic: Topic, experts_wanted: int) -> dict[str, Any]:
    kind = unit.record["kind"]
    issue, tech, tech2 = topic.pick(rng, kind, urban=unit.facts["urban"])
    slots: dict[str, Any] = dict(GENRE_WORDS[topic.genre])
    slots.update(unit.facts)
    slots.update(
        subject=topic.subject,
        issue=issue,
        tech=tech,
        tech2=tech2,
        lecture=topic.lecture,
        audience=_audience(kind, topic.genre),
        place=GENRE_PLACE[kind],
        season=rng.choice(SEASONS),
        pct=rng.choice((10, 15, 20, 30)),
        visits=rng.randint(2, 4),
        experts=experts_wanted,
        n_sites=rng.randint(2, 6),
        months=rng.choice((3, 6, 12)),
        trainees=rng.choice((20, 30, 40, 50, 60, 80, 100)),
        sessions=rng.randint(2, 5),
        farmers=rng.randint(80, 600),
    )
    return slots


def _voice(genre: str, kind: str) -> str:
    """Which genre's problem sentences suit this unit: a school talks like a school whatever the subject."""
    if kind == "学校" and genre in ("health", "civic"):
        return "school"
    if kind != "学校" and genre == "school":
        return "civic"
    if kind in ("社区", "镇街", "其他") and genre == "health":
        return "civic"
    if kind == "村" and genre == "civic":
        return "rural"
    if kind in ("企业", "园区") and genre in ("health", "civic"):
        return "industry"
    return genre


def _audience(kind: str, genre: str) -> str:
    """Who attends a training or lecture, by the unit asking (and, for villages, by the subject)."""
    if kind in ("村", "其他") and genre == "agri":
        return "种养殖户"
    return UNIT_AUDIENCE[kind]


def need_title(rng: Random, topic: Topic, service_type: str, slots: dict[str, Any]) -> str:
    """A title for a need of this service type about this topic."""
    templates = [t for t, genres in NEED_TITLES[service_type] if not genres or topic.genre in genres]
    return _fill(rng.choice(usable(templates, topic)), slots)


def need_description(rng: Random, unit: UnitDraft, topic_key: str, service_type: str, slots: dict[str, Any]) -> str:
    """Two to five sentences: the unit, the problem, (what was tried), what help is wanted, (practicalities)."""
    topic = TOPICS[topic_key]
    kind = unit.record["kind"]
    if topic.scale and kind == "村":
        opening = _fill(rng.choice(usable(FARM_OPENINGS, topic)), {**slots, "scale": _scale(rng, unit, topic_key)})
    else:
        opening = _fill(rng.choice(NEED_OPENINGS[kind]), slots)
        if topic.scale and kind == "其他":
            opening += f"目前{_scale(rng, unit, topic_key)}。"
    voice = _voice(topic.genre, kind)
    problem = _fill(rng.choice(usable(NEED_PROBLEMS[voice], topic)), slots)
    request = _fill(rng.choice(NEED_REQUESTS[service_type]), slots)
    attempt = rng.choice(NEED_ATTEMPTS[voice]) if rng.random() < 0.4 else ""
    extra = _fill(rng.choice(NEED_EXTRAS), slots) if rng.random() < 0.35 else ""
    # the opening may already hold two sentences; keep the whole within five
    if opening.count("。") + 3 + bool(attempt) + bool(extra) > 5:
        extra = ""
    return opening + problem + attempt + request + extra


def _need_period(rng: Random, status: str) -> tuple[date, date]:
    """Wanted period: past for done/withdrawn needs, current for open ones, future for drafts."""
    if status == "done":
        start = _date_between(rng, date(2025, 3, 1), date(2026, 7, 1))
        return start, min(start + timedelta(days=rng.randint(60, 150)), date(2026, 11, 20))
    if status == "withdrawn":
        start = _date_between(rng, date(2025, 6, 1), date(2026, 10, 1))
    elif status == "open":
        start = _date_between(rng, date(2026, 5, 1), date(2026, 12, 31))
    else:
        start = _date_between(rng, date(2026, 12, 1), date(2027, 3, 31))
    return start, start + timedelta(days=rng.randint(60, 200))


def make_needs(rng: Random, units: list[UnitDraft]) -> list[NeedDraft]:
    """One to three needs per unit, each written from one of the unit's topics, keyed N0001…"""
    statuses = [s for s, _ in NEED_STATUS_WEIGHTS]
    status_weights = [w for _, w in NEED_STATUS_WEIGHTS]
    needs: list[NeedDraft] = []
    for unit in units:
        count = rng.choices((1, 2, 3), (0.38, 0.4, 0.22))[0]
        topic_keys = rng.sample(unit.topics, min(count, len(unit.topics)))
        titles: set[str] = set()
        for topic_key in topic_keys:
            topic = TOPICS[topic_key]
            service_type = rng.choices(SERVICE_TYPES, SERVICE_TYPE_WEIGHTS[topic.genre])[0]
            if service_type == "项目攻关":
                experts_wanted = rng.choice((2, 2, 3))
            elif service_type == "巡回宣讲":
                experts_wanted = rng.choice((1, 2, 3))
            else:
                experts_wanted = rng.choice((1, 1, 1, 2))
            slots = _need_slots(rng, unit, topic, experts_wanted)
            title = need_title(rng, topic, service_type, slots)
            if title in titles:
                continue
            titles.add(title)
            status = rng.choices(statuses, status_weights)[0]
            start, end = _need_period(rng, status)
            record: NeedRecord = {
                "key": "",
                "unit": unit.record["key"],
                "title": title,
                "description": need_description(rng, unit, topic_key, service_type, slots),
                "service_type": service_type,
                "field": topic.field,
                "district": unit.record["district"],
                "wanted_from": start.isoformat(),
                "wanted_to": end.isoformat(),
                "experts_wanted": experts_wanted,
                "status": status,
            }
            needs.append(NeedDraft(record, topic_key, slots["issue"], slots["tech"]))
    for number, need in enumerate(needs, start=1):
        need.record["key"] = f"N{number:04d}"
    return needs


#: Units large enough that a need is often handled by someone other than the unit's contact person.
STAFFED_UNIT_KINDS = frozenset({"园区", "学校", "企业", "医院"})


def add_need_contacts(rng: Random, id_regions: tuple[str, ...], needs: list[NeedDraft], units: list[UnitDraft]) -> None:
    """Half the needs of parks, schools, enterprises and hospitals name their own contact person (a
    department's staff member), the others leave it to the unit's contact."""
    kinds = {u.record["key"]: u.record["kind"] for u in units}
    people = People(rng, id_regions)
    for need in needs:
        if kinds[need.record["unit"]] in STAFFED_UNIT_KINDS and rng.random() < 0.5:
            need.record["contact_name"] = people.name(people.sex(0.45), unique=False)
            need.record["contact_phone"] = people.phone()


# ---------------------------------------------------------------------------------------------------------
# Experts
# ---------------------------------------------------------------------------------------------------------

EXPERT_TARGET = 380
LOCAL_SHARE = 0.45  # share of experts working for a district-level employer, where the field has one
LEVEL_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "高校": (0.35, 0.38, 0.22, 0.05),
    "科研院所": (0.35, 0.38, 0.22, 0.05),
    "医院": (0.30, 0.38, 0.27, 0.05),
    "企业": (0.20, 0.40, 0.30, 0.10),
    "机关事业": (0.20, 0.40, 0.30, 0.10),
    "社会组织": (0.10, 0.35, 0.40, 0.15),
}
BIRTH_YEARS = {"正高": (1958, 1982), "副高": (1964, 1988), "中级": (1978, 1994), "初级": (1990, 1999)}
YOUTH_FROM = 1986  # born this year or later: 青年 talent
ACADEMICIANS = 3
TIER_RANK = {"院士": 5, "国家级领军": 4, "地方级领军": 3, "其他高层次": 1, "青年": 0}


@dataclass
class ExpertDraft:
    """An expert record plus the topics it was written from (primary first)."""

    record: ExpertRecord
    topics: tuple[str, ...]


class ExpertFactory:
    """Creates experts for a topic: employer, title, age, talent tier, texts and personal data."""

    def __init__(
        self, rng: Random, people: People, districts: list[District], demand: Counter[tuple[str, str]]
    ) -> None:
        self.rng = rng
        self.people = people
        self.districts = districts
        self.demand = demand
        self._brand_by_template: dict[tuple[str, str], str] = {}

    def employer(self, topic_key: str) -> Employer:
        """A city institution or a district-level body whose experts work on the topic's field."""
        topic = TOPICS[topic_key]
        city = [employer for employer, fields in CITY_EMPLOYERS if topic.field in fields]
        local = [entry for entry in LOCAL_EMPLOYERS if topic.field in entry[3]]
        if local and (not city or self.rng.random() < LOCAL_SHARE):
            template, kind, ladder, _, rural_only = self.rng.choice(local)
            district = self._district_for(topic_key, rural_only)
            return Employer(self._local_name(template, district), kind, district.code, ladder)
        return self.rng.choice(city)

    def _district_for(self, topic_key: str, rural_only: bool) -> District:
        """Districts that asked about the topic are likelier homes for its local experts."""
        options = [d for d in self.districts if not rural_only or DISTRICT_PROFILES[d.code].tier not in ("core", "gx")]
        weights = [self.demand[(topic_key, d.code)] + 0.3 for d in options]
        return self.rng.choices(options, weights)[0]

    def _document_place(self, topic_key: str, home: str) -> District:
        """Where a project or service took place: often at home, else where the topic is in demand."""
        rural = TOPICS[topic_key].genre in ("agri", "rural")
        home_district = next(d for d in self.districts if d.code == home)
        if self.rng.random() < 0.4 and not (rural and DISTRICT_PROFILES[home].tier in ("core", "gx")):
            return home_district
        return self._district_for(topic_key, rural)

    def _local_name(self, template: str, district: District) -> str:
        # one brand per (template, district), so colleagues share an employer instead of a new firm each time
        brand_key = (template, district.code)
        if brand_key not in self._brand_by_template:
            self._brand_by_template[brand_key] = self.rng.choice(BRANDS)
        return template.format(d=district.prefix, b=self._brand_by_template[brand_key])

    def build(self, topic_key: str) -> ExpertDraft:
        """One expert whose main topic is ``topic_key`` (key left empty)."""
        rng = self.rng
        topic = TOPICS[topic_key]
        employer = self.employer(topic_key)
        ladder = LADDERS[_ladder_for(employer.ladder, topic.field)]
        while True:
            level_index = rng.choices(range(4), LEVEL_WEIGHTS[employer.kind])[0]
            if ladder[level_index] is not None:
                break
        level = TITLE_LEVELS[level_index]
        birth_year = rng.randint(*BIRTH_YEARS[level])
        female_share = 0.55 if topic.genre in ("health", "school") else 0.35
        sex = self.people.sex(female_share)
        topics = (topic_key, *self._second_topic(topic_key))
        fields = list(dict.fromkeys(TOPICS[t].field for t in topics))
        if topic.also and rng.random() < 0.4:
            fields.extend(f for f in topic.also if f not in fields)
        status = rng.choices(("在库", "暂停", "退出"), (0.9, 0.06, 0.04))[0]
        record: ExpertRecord = {
            "key": "",
            "name": self.people.name(sex),
            "sex": sex,
            "birth_year": birth_year,
            "employer": employer.name,
            "employer_type": employer.kind,
            "title": str(ladder[level_index]),
            "title_level": level,
            "fields": fields,
            "field_labels": [TOPICS[t].label for t in topics],
            "specialties": specialties(rng, topics, birth_year),
            "documents": documents(rng, topics, level, lambda key: self._document_place(key, employer.district)),
            "talent_tier": _talent_tier(rng, level, birth_year),
            "party_member": rng.random() < (0.6 if employer.kind in ("机关事业", "高校", "医院") else 0.4),
            "district": employer.district,
            "phone": self.people.phone(),
            "id_number": self.people.id_number(sex, birth_year),
            "available": status == "在库" and rng.random() < 0.92,
            "yearly_capacity": rng.choices((10, 5, 6, 8, 12), (0.7, 0.05, 0.08, 0.1, 0.07))[0],
            "status": status,
        }
        return ExpertDraft(record, topics)

    def _second_topic(self, topic_key: str) -> tuple[str, ...]:
        """Sometimes a neighbouring speciality in the same discipline and genre."""
        topic = TOPICS[topic_key]
        if topic.field == "320":  # clinical specialities are too far apart to pair at random
            return ()
        siblings = [
            k for k, t in TOPICS.items() if k != topic_key and t.field == topic.field and t.genre == topic.genre
        ]
        if siblings and self.rng.random() < 0.25:
            return (self.rng.choice(siblings),)
        return ()


def _ladder_for(ladder: str, field_code: str) -> str:
    """Hospitals give 中医 and 药学 staff their own title series."""
    if ladder == "medical" and field_code == "360":
        return "tcm"
    if ladder == "medical" and field_code == "350":
        return "pharma"
    return ladder


def _talent_tier(rng: Random, level: str, birth_year: int) -> str:
    if birth_year >= YOUTH_FROM:
        return "青年"
    if level == "正高":
        return rng.choices(("国家级领军", "地方级领军", "其他高层次"), (0.1, 0.35, 0.55))[0]
    if level == "副高":
        return rng.choices(("国家级领军", "地方级领军", "其他高层次"), (0.02, 0.2, 0.78))[0]
    return "其他高层次"


def specialties(rng: Random, topics: tuple[str, ...], birth_year: int) -> str:
    """A 30–120 character summary of what the expert does, from the topic banks."""
    topic = TOPICS[topics[0]]
    issue, tech, tech2 = topic.pick(rng)
    slots = {
        "label": topic.label,
        "subject": topic.subject,
        "issue": issue,
        "tech": tech,
        "tech2": tech2,
        "years": max(3, min(35, 2026 - birth_year - 24)),
        "n": rng.randint(2, 8),
        **GENRE_WORDS[topic.genre],
    }
    parts = [
        _fill(rng.choice(SPECIALTY_OPENINGS), slots),
        _fill(rng.choice(SPECIALTY_SKILLS), slots),
        _fill(rng.choice(usable(SPECIALTY_EXPERIENCE[topic.genre], topic)), slots),
    ]
    if len(topics) > 1:
        parts.append(f"兼顾{TOPICS[topics[1]].label}")
    text = "，".join(parts) + "。"
    while len(text) > 120:
        parts.pop()
        text = "，".join(parts) + "。"
    return text


def documents(
    rng: Random, topics: tuple[str, ...], level: str, place: Callable[[str], District]
) -> list[DocumentRecord]:
    """Two to five projects, papers and service records on the expert's topics; ``place`` picks their district."""
    count = rng.randint(2, 5)
    kind_weights = (0.2, 0.3, 0.5) if level in ("中级", "初级") else (0.35, 0.35, 0.3)
    docs: list[DocumentRecord] = []
    for index in range(count):
        topic_key = topics[1] if len(topics) > 1 and index == count - 1 else topics[0]
        kind = rng.choices(("项目", "论文", "服务记录"), kind_weights)[0]
        docs.append(_document(rng, kind, TOPICS[topic_key], place(topic_key)))
    return docs


def _document(rng: Random, kind: str, topic: Topic, district: District) -> DocumentRecord:
    issue, tech, tech2 = topic.pick(rng)
    genre = topic.genre
    year = rng.randint(2016, 2026)
    slots: dict[str, Any] = {
        "subject": topic.subject,
        "issue": issue,
        "tech": tech,
        "tech2": tech2,
        "label": topic.label,
        "dname": district.name,
        "town": rng.choice(DISTRICT_PROFILES[district.code].towns),
        "year": year,
        "month": rng.randint(3, 10),
        "m": rng.randint(2, 12),
        "h": rng.randint(30, 400),
        "k": rng.randint(20, 300),
        "p": rng.randint(1, 6),
        "n": _round_to(rng.randint(100, 3000), 50),
        "pct": rng.randint(12, 45),
        "sites": GENRE_WORDS[genre]["sites"],
    }
    if kind == "项目":
        title = _fill(rng.choice(usable(PROJECT_TITLES[genre], topic)), slots)
        start = min(year, 2024)
        role = rng.choice(("主持", "作为主要完成人参与"))
        funder = rng.choice(PROJECT_FUNDERS[genre])
        text = f"{role}{funder}，执行期{start}—{start + rng.randint(2, 3)}年。" + _fill(
            rng.choice(PROJECT_RESULTS[genre]), slots
        )
    elif kind == "论文":
        title = _fill(rng.choice(usable(PAPER_TITLES[genre], topic)), slots)
        text = f"发表于《{rng.choice(JOURNALS[genre])}》{year}年第{rng.randint(1, 12)}期。" + _fill(
            rng.choice(PAPER_SUMMARIES), slots
        )
    else:
        slots["year"] = year = rng.randint(2022, 2025)
        title = _fill(rng.choice(usable(SERVICE_TITLES[genre], topic)), slots)
        text = _fill(rng.choice(SERVICE_TEXTS), slots)
    return {"kind": kind, "title": title, "text": text}


def make_experts(
    rng: Random, people: People, districts: list[District], needs: list[NeedDraft], units: list[UnitDraft]
) -> list[ExpertDraft]:
    """About EXPERT_TARGET experts, split over topics in proportion to need demand (at least two per topic)."""
    district_of_unit = {u.record["key"]: u.record["district"] for u in units}
    demand: Counter[tuple[str, str]] = Counter((n.topic, district_of_unit[n.record["unit"]]) for n in needs)
    per_topic = Counter(n.topic for n in needs)
    spare = EXPERT_TARGET - 2 * len(TOPICS)
    total = sum(per_topic.values())
    factory = ExpertFactory(rng, people, districts, demand)
    experts = [
        factory.build(topic_key) for topic_key in TOPICS for _ in range(2 + round(spare * per_topic[topic_key] / total))
    ]
    _crown_academicians(rng, people, experts)
    rng.shuffle(experts)
    for number, expert in enumerate(experts, start=1):
        expert.record["key"] = f"E{number:04d}"
    return experts


def _crown_academicians(rng: Random, people: People, experts: list[ExpertDraft]) -> None:
    """Make a few senior professors at major institutions 院士 (older, so their ID numbers are redone)."""
    city_names = {employer.name for employer, _ in CITY_EMPLOYERS if employer.kind in ("高校", "科研院所", "医院")}
    candidates = [e for e in experts if e.record["title_level"] == "正高" and e.record["employer"] in city_names]
    for expert in rng.sample(candidates, ACADEMICIANS):
        record = expert.record
        record["talent_tier"] = "院士"
        record["birth_year"] = rng.randint(1950, 1962)
        record["id_number"] = people.id_number(record["sex"], record["birth_year"])
        record["specialties"] = specialties(rng, expert.topics, record["birth_year"])
        record["status"] = "在库"
        record["available"] = True
        record["yearly_capacity"] = 5


# ---------------------------------------------------------------------------------------------------------
# Leaders
# ---------------------------------------------------------------------------------------------------------


def make_leaders(rng: Random, people: People) -> list[LeaderRecord]:
    """City leaders in LEADER_POSTS order, keyed L01…, each with an assisting officer (协办专员)."""
    leaders: list[LeaderRecord] = []
    for number, (rank, position, portfolio) in enumerate(LEADER_POSTS, start=1):
        leaders.append(
            {
                "key": f"L{number:02d}",
                "name": people.name(people.sex(0.2)),
                "rank": rank,
                "position": position,
                "portfolio": list(portfolio),
                "assistant": people.name(people.sex(0.5)),
                "assistant_phone": people.phone(),
            }
        )
    return leaders


# ---------------------------------------------------------------------------------------------------------
# History: visits, last year's liaisons, contacts and concerns
# ---------------------------------------------------------------------------------------------------------

VISIT_TARGET = 120
CONTACT_TARGET = 90
CONCERN_TARGET = 40
PEOPLE_TRAINED = {
    "技术服务": (5, 30),
    "科技推广": (10, 60),
    "项目攻关": (3, 15),
    "人才培训": (20, 80),
    "巡回宣讲": (40, 200),
}
PROBLEMS_SOLVED = {"技术服务": (1, 5), "科技推广": (1, 3), "项目攻关": (1, 3), "人才培训": (0, 2), "巡回宣讲": (0, 2)}


class VisitPlanner:
    """Picks fitting experts for past visits, respecting employers (no self-service) and yearly capacity."""

    def __init__(self, rng: Random, experts: list[ExpertDraft], units: list[UnitDraft], districts: list[District]):
        self.rng = rng
        self.units = {u.record["key"]: u for u in units}
        self.neighbours = {d.code: d.neighbours for d in districts}
        self.active = [e for e in experts if e.record["status"] == "在库"]
        self.load: Counter[tuple[str, int]] = Counter()

    def candidates(self, need: NeedDraft, year: int, taken: list[str]) -> list[ExpertDraft]:
        """Experts on the need's topic (else its field) who are free that year and not the unit's own staff."""
        unit_name = self.units[need.record["unit"]].record["name"]

        def free(e: ExpertDraft) -> bool:
            key = e.record["key"]
            return (
                e.record["employer"] != unit_name
                and key not in taken
                and self.load[(key, year)] < e.record["yearly_capacity"]
            )

        on_topic = [e for e in self.active if need.topic in e.topics and free(e)]
        return on_topic or [e for e in self.active if need.record["field"] in e.record["fields"] and free(e)]

    def visits(self, need: NeedDraft, count: int, last_day: date) -> list[VisitRecord]:
        """Up to ``count`` visits to ``need`` dated within its wanted period and before ``last_day``."""
        rng = self.rng
        record = need.record
        start = date.fromisoformat(record["wanted_from"])
        end = min(date.fromisoformat(record["wanted_to"]), last_day)
        district = record["district"]
        taken: list[str] = []
        visits: list[VisitRecord] = []
        for _ in range(count):
            day = _date_between(rng, start, end)
            pool = self.candidates(need, day.year, taken)
            if not pool:
                break
            weights = [
                3.0
                if e.record["district"] == district
                else 2.0
                if e.record["district"] in self.neighbours[district]
                else 1.0
                for e in pool
            ]
            expert = rng.choices(pool, weights)[0]
            taken.append(expert.record["key"])
            self.load[(expert.record["key"], day.year)] += 1
            visits.append(self._visit(need, expert, day))
        return visits

    def _visit(self, need: NeedDraft, expert: ExpertDraft, day: date) -> VisitRecord:
        rng = self.rng
        topic = TOPICS[need.topic]
        service_type = need.record["service_type"]
        unit = self.units[need.record["unit"]]
        tech = need.technique
        tech2 = rng.choice([t for t in topic.techniques if t != tech])
        slots = {
            "unit": unit.record["name"],
            "tech": tech,
            "activity": VISIT_ACTIVITY[service_type],
            "issue": need.issue,
            "k": rng.randint(3, 8),
            "audience": _audience(unit.record["kind"], topic.genre),
        }
        rating = rng.choices((5, 4, 3), (0.6, 0.32, 0.08))[0]
        days = rng.randint(2, 5) if service_type == "项目攻关" else rng.choices((1, 2, 3), (0.6, 0.25, 0.15))[0]
        return {
            "need": need.record["key"],
            "expert": expert.record["key"],
            "date": day.isoformat(),
            "days": days,
            "content": _fill(rng.choice(VISIT_CONTENTS), slots),
            "people_trained": rng.randint(*PEOPLE_TRAINED[service_type]),
            "technologies": tech if rng.random() < 0.4 else f"{tech}、{tech2}",
            "problems_solved": rng.randint(*PROBLEMS_SOLVED[service_type]),
            "rating": rating,
            "comment": rng.choice(VISIT_COMMENTS[rating]),
        }


def make_visits(
    rng: Random, needs: list[NeedDraft], experts: list[ExpertDraft], units: list[UnitDraft], districts: list[District]
) -> list[VisitRecord]:
    """Every done need gets all its visits; open needs wanting several experts get some, up to VISIT_TARGET."""
    planner = VisitPlanner(rng, experts, units, districts)
    visits: list[VisitRecord] = []
    for need in needs:
        if need.record["status"] == "done":
            visits.extend(planner.visits(need, need.record["experts_wanted"], LAST_EVENT_DAY))
    started = [
        n
        for n in needs
        if n.record["status"] == "open"
        and n.record["experts_wanted"] >= 2
        and date.fromisoformat(n.record["wanted_from"]) <= LAST_EVENT_DAY - timedelta(days=14)
    ]
    rng.shuffle(started)
    for need in started:
        if len(visits) >= VISIT_TARGET:
            break
        visits.extend(planner.visits(need, rng.randint(1, need.record["experts_wanted"] - 1), LAST_EVENT_DAY))
    visits.sort(key=lambda v: (v["date"], v["need"], v["expert"]))
    return visits


def _liaison_score(rng: Random, expert: ExpertDraft, portfolio: list[str]) -> float:
    """Portfolio fit first, then seniority, with some randomness so pairs vary between leaders."""
    overlap = any(f in portfolio for f in expert.record["fields"])
    return 3.0 * overlap + TIER_RANK[expert.record["talent_tier"]] + 2.0 * rng.random()


def make_liaisons(rng: Random, leaders: list[LeaderRecord], experts: list[ExpertDraft]) -> list[LiaisonRecord]:
    """Last year's pairs: each leader within its rank's quota, each expert with at most one leader."""
    eligible = [e for e in experts if e.record["status"] != "退出" and e.record["talent_tier"] != "青年"]
    taken: set[str] = set()
    liaisons: list[LiaisonRecord] = []
    for leader in leaders:
        low, high = LIAISON_QUOTA[leader["rank"]]
        quota = rng.randint(low, high)
        free = [e for e in eligible if e.record["key"] not in taken]
        scores = [_liaison_score(rng, e, leader["portfolio"]) for e in free]
        ranked = [e for _, e in sorted(zip(scores, free, strict=True), key=lambda pair: pair[0], reverse=True)]
        for expert in ranked[:quota]:
            taken.add(expert.record["key"])
            liaisons.append({"leader": leader["key"], "expert": expert.record["key"], "year": 2025})
    return liaisons


def make_contacts(rng: Random, liaisons: list[LiaisonRecord], experts: list[ExpertDraft]) -> list[ContactRecord]:
    """One contact per pair of last year's liaisons, then second contacts up to CONTACT_TARGET."""
    by_key = {e.record["key"]: e for e in experts}
    pairs = [*liaisons, *rng.sample(liaisons, max(0, min(len(liaisons), CONTACT_TARGET - len(liaisons))))]
    contacts: list[ContactRecord] = []
    for pair in pairs:
        expert = by_key[pair["expert"]]
        mode = rng.choices(CONTACT_MODES, (0.3, 0.25, 0.2, 0.15, 0.1))[0]
        if mode == "节日慰问":
            day = _date_between(rng, *rng.choice(FESTIVAL_DAYS))
        else:
            day = _date_between(rng, date(2025, 1, 10), LAST_EVENT_DAY - timedelta(days=3))
        topic = TOPICS[expert.topics[0]]
        slots = {
            "expert": expert.record["name"],
            "employer": expert.record["employer"],
            "label": topic.label,
            "issue": rng.choice(topic.issues),
        }
        contacts.append(
            {
                "leader": pair["leader"],
                "expert": pair["expert"],
                "date": day.isoformat(),
                "mode": mode,
                "summary": _fill(rng.choice(CONTACT_SUMMARIES[mode]), slots),
            }
        )
    contacts.sort(key=lambda c: (c["date"], c["leader"], c["expert"]))
    return contacts


def _department(category: str, fields: list[str]) -> str:
    if category in CONCERN_DEPARTMENTS:
        return CONCERN_DEPARTMENTS[category][0]
    for prefixes, department in ADVICE_DEPARTMENTS:
        if fields[0].startswith(prefixes):
            return department
    return "市发展改革委"


def make_concerns(rng: Random, contacts: list[ContactRecord], experts: list[ExpertDraft]) -> list[ConcernRecord]:
    """Concerns raised at some contacts; older ones answered (most with a rating), recent ones partly open."""
    by_key = {e.record["key"]: e for e in experts}
    chosen = sorted(rng.sample(range(len(contacts)), min(CONCERN_TARGET, len(contacts))))
    concerns: list[ConcernRecord] = []
    for index in chosen:
        contact = contacts[index]
        expert = by_key[contact["expert"]]
        topic = TOPICS[expert.topics[0]]
        category = rng.choices(CONCERN_CATEGORIES, (0.18, 0.2, 0.12, 0.1, 0.1, 0.08, 0.07, 0.15))[0]
        department = _department(category, expert.record["fields"])
        if category in ("项目", "团队") and len(CONCERN_DEPARTMENTS[category]) > 1 and rng.random() < 0.4:
            department = CONCERN_DEPARTMENTS[category][1]
        raised_on = date.fromisoformat(contact["date"])
        answered = rng.random() < (0.92 if raised_on <= date(2026, 9, 30) else 0.4)
        slots = {"label": topic.label, "issue": rng.choice(topic.issues)}
        concerns.append(
            {
                "leader": contact["leader"],
                "expert": contact["expert"],
                "raised_on": contact["date"],
                "category": category,
                "content": _fill(rng.choice(CONCERNS[category]), slots),
                "department": department,
                "status": "answered" if answered else "open",
                "reply": rng.choice(CONCERN_REPLIES[category]) if answered else None,
                "satisfaction": rng.choices((5, 4, 3, 2), (0.45, 0.35, 0.15, 0.05))[0] if answered else None,
            }
        )
    return concerns


# ---------------------------------------------------------------------------------------------------------
# Whole dataset, rendering, command line
# ---------------------------------------------------------------------------------------------------------


def _check_reference_data(districts: list[District], field_names: dict[str, str]) -> None:
    """Fail loudly when the banks and data/*.json drift apart."""
    codes = [d.code for d in districts]
    if sorted(codes) != sorted(DISTRICT_PROFILES):
        raise ValueError("DISTRICT_PROFILES must cover exactly the districts in data/districts.json")
    used_fields = {t.field for t in TOPICS.values()} | {f for t in TOPICS.values() for f in t.also}
    used_fields |= {f for _, _, portfolio in LEADER_POSTS for f in portfolio}
    unknown = sorted(f for f in used_fields if f not in field_names)
    if unknown:
        raise ValueError(f"discipline codes missing from data/fields.json: {unknown}")


def generate(seed: int = SEED, data_dir: Path = DATA_DIR) -> Dataset:
    """Build the whole demo dataset; the same seed always gives the same data."""
    districts = load_districts(data_dir)
    _check_reference_data(districts, load_field_names(data_dir))
    rng = Random(seed)
    id_regions = tuple(d.code for d in districts if d.code.isdigit())
    people = People(rng, id_regions)
    units = make_units(rng, people, districts)
    needs = make_needs(rng, units)
    experts = make_experts(rng, people, districts, needs, units)
    leaders = make_leaders(rng, people)
    visits = make_visits(rng, needs, experts, units, districts)
    liaisons = make_liaisons(rng, leaders, experts)
    contacts = make_contacts(rng, liaisons, experts)
    concerns = make_concerns(rng, contacts, experts)
    # drawn last, from a stream of their own, so that adding them changed nothing else in the dataset
    add_need_contacts(Random(seed + 1), id_regions, needs, units)
    return {
        "experts": [e.record for e in experts],
        "units": [u.record for u in units],
        "needs": [n.record for n in needs],
        "leaders": leaders,
        "history": {"visits": visits, "liaisons_last_year": liaisons, "contacts": contacts, "concerns": concerns},
    }


def render(dataset: Dataset) -> dict[str, str]:
    """File name -> JSON text, exactly as written to data/demo/."""
    parts: dict[str, object] = {
        "experts.json": dataset["experts"],
        "units.json": dataset["units"],
        "needs.json": dataset["needs"],
        "leaders.json": dataset["leaders"],
        "history.json": dataset["history"],
    }
    return {name: json.dumps(value, ensure_ascii=False, indent=1) + "\n" for name, value in parts.items()}


def write(out_dir: Path = OUTPUT_DIR, seed: int = SEED) -> dict[str, str]:
    """Generate and write the dataset files into ``out_dir``; returns what was written."""
    files = render(generate(seed))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="\n")
    return files


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m service.demo.generate [--out DIR]``."""
    parser = argparse.ArgumentParser(description="Write the deterministic 成都 demo dataset.")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="output folder (default: data/demo)")
    args = parser.parse_args(argv)
    files = write(args.out)
    for name, text in files.items():
        records = json.loads(text)
        size = len(records) if isinstance(records, list) else {k: len(v) for k, v in records.items()}
        print(f"{args.out / name}: {size}")


if __name__ == "__main__":
    main()
