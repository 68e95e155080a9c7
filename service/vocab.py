"""The platform's controlled vocabularies: roles, workflow states and the domain's categories.

Category values are the users' own Chinese words (they are what Excel rosters contain); workflow states are
English codes with Chinese labels for the UI in `NEED_STATE_LABELS`, `VISIT_STATE_LABELS`, `CONCERN_STATE_LABELS`.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    unit = "unit"
    expert = "expert"
    district_official = "district_official"
    city_official = "city_official"
    leader = "leader"


OFFICIALS = frozenset({Role.district_official, Role.city_official})


class NeedStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    open = "open"
    matched = "matched"
    in_service = "in_service"
    done = "done"
    withdrawn = "withdrawn"


class VisitStatus(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"
    scheduled = "scheduled"
    done = "done"
    confirmed = "confirmed"
    cancelled = "cancelled"


#: Visit states that hold one of the expert's yearly places.
VISIT_HOLDS_PLACE = frozenset({VisitStatus.accepted, VisitStatus.scheduled, VisitStatus.done, VisitStatus.confirmed})


class ConcernStatus(StrEnum):
    open = "open"
    answered = "answered"
    closed = "closed"


class VisitOrigin(StrEnum):
    matching = "matching"
    official = "official"
    volunteer = "volunteer"
    campaign = "campaign"


SEXES = ("男", "女")
EMPLOYER_TYPES = ("机关事业", "高校", "科研院所", "医院", "企业", "社会组织")
TITLE_LEVELS = ("正高", "副高", "中级", "初级")
TALENT_TIERS = ("院士", "国家级领军", "地方级领军", "其他高层次", "青年")
EXPERT_STATUSES = ("在库", "暂停", "退出")
UNIT_KINDS = ("村", "社区", "镇街", "园区", "学校", "企业", "医院", "其他")
SERVICE_TYPES = ("技术服务", "科技推广", "项目攻关", "人才培训", "巡回宣讲")
LEADER_RANKS = ("主要领导", "常委", "其他市级")
CONTACT_MODES = ("走访慰问", "交流座谈", "电话", "节日慰问", "列席会议")
CONCERN_CATEGORIES = ("科研条件", "项目", "团队", "子女入学", "住房", "医疗", "配偶就业", "建言献策")

NEED_STATE_LABELS: dict[str, str] = {
    NeedStatus.draft: "草稿",
    NeedStatus.submitted: "待审核",
    NeedStatus.open: "征集中",
    NeedStatus.matched: "已匹配",
    NeedStatus.in_service: "服务中",
    NeedStatus.done: "已完成",
    NeedStatus.withdrawn: "已撤回",
}
VISIT_STATE_LABELS: dict[str, str] = {
    VisitStatus.proposed: "待专家确认",
    VisitStatus.accepted: "专家已接受",
    VisitStatus.declined: "专家已婉拒",
    VisitStatus.scheduled: "已排期",
    VisitStatus.done: "已服务",
    VisitStatus.confirmed: "单位已确认",
    VisitStatus.cancelled: "已取消",
}
CONCERN_STATE_LABELS: dict[str, str] = {
    ConcernStatus.open: "办理中",
    ConcernStatus.answered: "已答复",
    ConcernStatus.closed: "已办结",
}
# Needs and visits share no code but "done"; this map serves pages that show either (visits read 已服务).
STATE_LABELS: dict[str, str] = {**NEED_STATE_LABELS, **{k: v for k, v in VISIT_STATE_LABELS.items() if k != "done"}}
VISIT_DONE_LABEL = VISIT_STATE_LABELS[VisitStatus.done]


def need_state_label(status: str) -> str:
    return NEED_STATE_LABELS.get(status, status)


def visit_state_label(status: str) -> str:
    return VISIT_STATE_LABELS.get(status, status)


ROLE_LABELS: dict[str, str] = {
    Role.unit: "基层单位",
    Role.expert: "专家",
    Role.district_official: "区县组织部门",
    Role.city_official: "市委组织部",
    Role.leader: "市领导",
}
