"""The API's message catalogue: Chinese labels for fields and plain-language validation messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

FIELD_LABELS: dict[str, str] = {
    "name": "姓名/名称",
    "sex": "性别",
    "birth_year": "出生年份",
    "employer": "工作单位",
    "employer_type": "单位类型",
    "title": "标题/职称",
    "title_level": "职称级别",
    "fields": "专业领域",
    "field": "领域",
    "specialties": "专业特长",
    "talent_tier": "人才层次",
    "district": "所在区县",
    "phone": "联系电话",
    "contact_phone": "联系电话",
    "contact_name": "联系人",
    "current_password": "当前密码",
    "new_password": "新密码",
    "id_number": "身份证号码",
    "yearly_capacity": "年度服务次数上限",
    "kind": "单位类别",
    "description": "需求描述",
    "service_type": "服务类型",
    "wanted_from": "期望开始日期",
    "wanted_to": "期望结束日期",
    "experts_wanted": "需要专家人数",
    "rating": "评分",
    "comment": "评价",
    "reason": "原因",
    "content": "内容",
    "service_date": "服务日期",
    "service_days": "服务天数",
    "people_trained": "培训人数",
    "mode": "联系方式",
    "date": "日期",
    "category": "类别",
    "department": "承办部门",
    "reply": "答复",
    "satisfaction": "满意度",
    "username": "用户名",
    "password": "密码",
    "year": "年度",
    "summary": "联系情况",
    "liaison_id": "联系关系",
    "contact_id": "联系记录",
    "due_date": "答复期限",
    "leader_id": "领导",
    "expert_id": "专家",
    "unit_id": "单位",
    "need_id": "需求",
    "active": "是否有效",
    "confirmed": "是否确认",
    "rank": "职级",
    "position": "职务",
    "portfolio": "分管领域",
    "assistant": "协办专员",
    "assistant_phone": "协办专员电话",
    "role": "角色",
    "display_name": "显示名称",
    "party_member": "是否党员",
    "address": "地址",
    "scheduled_from": "服务开始日期",
    "scheduled_to": "服务结束日期",
    "note": "意见",
    "review_note": "审核意见",
    "pairs": "联系关系",
    "documents": "成果与经历",
    "field_labels": "专业领域",
    "available": "是否接受服务",
    "q": "关键词",
    "limit": "每页条数",
    "offset": "跳过条数",
}


def _label(loc: Sequence[Any]) -> str:
    names = [str(p) for p in loc if p not in ("body", "query", "path", "form") and not isinstance(p, int)]
    if not names:
        return "请求"
    return FIELD_LABELS.get(names[-1], names[-1])


def _number(value: Any) -> Any:
    """60.0 as 60: a bound written as a float in a model reads as the whole number it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def humanize(error: Mapping[str, Any], label: str | None = None) -> str:
    """One pydantic/FastAPI validation error as a sentence a person understands; `label` names the field as the
    form that sent it does (需求标题, where the API's catalogue has the shared 标题/职称)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    label = label or _label(error.get("loc", ()))
    if kind == "missing":
        return f"{label}为必填项"
    if kind == "string_too_long":
        return f"{label}不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"{label}不能为空" if ctx.get("min_length") == 1 else f"{label}至少 {ctx.get('min_length')} 个字符"
    if kind == "greater_than_equal":
        return f"{label}不能小于 {_number(ctx.get('ge'))}"
    if kind == "greater_than":
        return f"{label}须大于 {_number(ctx.get('gt'))}"
    if kind == "less_than_equal":
        return f"{label}不能大于 {_number(ctx.get('le'))}"
    if kind == "less_than":
        return f"{label}须小于 {_number(ctx.get('lt'))}"
    if kind.startswith("int_"):
        return f"{label}应为整数"
    if kind.startswith(("float_", "decimal_")):
        return f"{label}应为数字"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{label}应为日期，格式 YYYY-MM-DD"
    if kind.startswith("bool"):
        return f"{label}应为是或否"
    if kind == "enum" or kind == "literal_error":
        return f"{label}应为：{ctx.get('expected', '')}"
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return f"{label}格式不正确"
    if kind == "string_type":
        return f"{label}应为文字"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{label}：{error.get('msg', '输入有误')}"


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Field-by-field messages, without echoing the submitted values (they may be personal data)."""
    return [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": humanize(e)} for e in errors]
