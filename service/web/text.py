"""The pages' own Chinese words that live outside templates: navigation per role and notices after actions."""

from __future__ import annotations

from service.vocab import Role

SITE_TITLE = "智桥 · 专家人才服务平台"

#: Navigation per role: (path, label). The first entry is the role's home.
NAV: dict[str, list[tuple[str, str]]] = {
    Role.unit: [("/unit/needs", "我的需求"), ("/unit/needs/new", "发布需求")],
    Role.expert: [
        ("/expert", "为我推荐"),
        ("/expert/needs", "查找需求"),
        ("/expert/visits", "我的服务"),
        ("/expert/liaison", "联系与诉求"),
        ("/expert/profile", "个人信息"),
    ],
    Role.district_official: [
        ("/official", "工作台"),
        ("/official/needs", "需求审核"),
        ("/official/campaigns", "集中派遣"),
        ("/official/reports", "考核问效"),
        ("/official/import", "导入导出"),
    ],
    Role.city_official: [
        ("/official", "工作台"),
        ("/official/needs", "需求审核"),
        ("/official/campaigns", "集中派遣"),
        ("/official/liaisons", "联系专家"),
        ("/official/concerns", "专家诉求"),
        ("/official/reports", "考核问效"),
        ("/official/import", "导入导出"),
        ("/official/audit", "操作记录"),
    ],
    Role.leader: [("/leader", "我联系的专家"), ("/leader/concerns", "诉求办理")],
}

#: Notices shown once after a form succeeds (the redirect carries only the code, never user text).
NOTICES: dict[str, str] = {
    "need_saved": "需求已保存为草稿。",
    "need_submitted": "需求已提交，等待组织部门审核。",
    "need_updated": "需求已修改。",
    "need_withdrawn": "需求已撤回。",
    "need_approved": "需求已审核通过，开始征集专家。",
    "need_rejected": "需求已退回单位修改。",
    "visit_proposed": "已向专家发出服务邀请。",
    "visit_accepted": "您已接受服务邀请，请按约定开展服务。",
    "visit_declined": "您已婉拒此次服务邀请。",
    "visit_volunteered": "自荐成功，您已加入此需求的服务。",
    "visit_scheduled": "服务时间已约定。",
    "visit_recorded": "服务记录已提交，等待单位确认。",
    "visit_confirmed": "已确认服务并完成评价，感谢您的反馈。",
    "visit_returned": "已退回服务记录，专家或组织部门核实更正后会重新提交，届时请再确认评价。",
    "profile_saved": "个人信息已更新。",
    "contact_logged": "联系记录已保存。",
    "concern_raised": "诉求已登记，将转交承办部门办理。",
    "concern_assigned": "已转办承办部门。",
    "concern_replied": "诉求已答复。",
    "concern_rated": "感谢您的评价，诉求已办结。",
    "logged_out": "您已安全退出。",
    "password_changed": "密码已修改；其他设备上的登录已失效。",
    "campaign_created": "活动已创建，请运行匹配生成方案。",
    "campaign_ran": "匹配完成，请检查方案：可锁定或移除配对后重新匹配。",
    "campaign_published": "方案已发布，专家将收到服务邀请。",
    "campaign_adjusted": "配对已调整。",
}

#: Error pages: (title, message).
FORBIDDEN_PAGE = ("无权访问", "您的账号角色不能打开此页面。请从导航进入与您相关的页面。")
EXPIRED_FORM_PAGE = ("页面已过期", "表单已失效（可能因为重新登录），请返回上一页刷新后再提交。")
NOT_FOUND_PAGE = ("页面不存在", "地址有误，请从导航重新进入。")
TOO_MANY_PAGE = ("尝试次数过多", "登录尝试过于频繁，请稍后再试。")
ACTION_FAILED_TITLE = "无法完成操作"
#: A unit opens the edit page of a need past review (format: now, allowed).
NEED_NOT_EDITABLE = "需求当前为“{now}”，不能修改（仅限：{allowed}）。如需调整，请联系组织部门。"
