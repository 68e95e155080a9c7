"""Visits 服务: proposed → accepted | declined → scheduled → done (service record) → confirmed, rated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, func, select

from service import clock
from service.domain.access import is_official, require_district, require_expert, require_unit
from service.domain.common import checked_filter, get_for_update, get_or_404, names_by_id, paginate
from service.domain.experts import places_used
from service.domain.needs import SERVABLE, period_over, refresh_need_status, require_open_place
from service.errors import Conflict, Forbidden, InvalidInput
from service.models import Account, Expert, Need, Unit, Visit
from service.models.common import utcnow
from service.models.visit import ServiceRecord, UnitContact, VisitPublic, VisitRating, VisitSchedule
from service.validation import check_choice, check_district
from service.vocab import (
    ROLE_LABELS,
    VISIT_HOLDS_PLACE,
    Role,
    VisitOrigin,
    VisitStatus,
    need_state_label,
    visit_state_label,
)

SORTABLE = {"id": Visit.id, "created_at": Visit.created_at, "service_date": Visit.service_date}
_FROM: dict[str, tuple[VisitStatus, ...]] = {
    "accept": (VisitStatus.proposed,),
    "decline": (VisitStatus.proposed, VisitStatus.accepted),
    "schedule": (VisitStatus.accepted, VisitStatus.scheduled),
    "record": (VisitStatus.accepted, VisitStatus.scheduled),
    "confirm": (VisitStatus.done,),
    "return": (VisitStatus.done,),
    "cancel": (VisitStatus.proposed, VisitStatus.accepted, VisitStatus.scheduled),
}
_ACTION_LABELS = {
    "accept": "接受",
    "decline": "婉拒",
    "schedule": "排期",
    "record": "填写服务记录",
    "confirm": "确认评价",
    "return": "退回服务记录",
    "cancel": "取消",
}


#: Needs an expert may volunteer for and then decline in a year: volunteering accepts at once and shows the
#: need's contact (name and phone), so volunteering and declining again and again would collect units' phones.
#: Past this many, the expert is arranged by the officials only (they still see each such step in 操作记录).
VOLUNTEER_DECLINES_PER_YEAR = 3


@dataclass
class VisitFilters:
    status: str | None = None
    need_id: int | None = None
    expert_id: int | None = None
    campaign_id: int | None = None
    year: int | None = None
    district: str | None = None

    def __post_init__(self) -> None:
        self.status = checked_filter(check_choice(tuple(VisitStatus), "服务状态"), self.status)
        self.district = checked_filter(check_district, self.district)


def visit_view(session: Session, visit: Visit) -> VisitPublic:
    return visit_views(session, [visit])[0]


def visit_views(session: Session, visits: Sequence[Visit]) -> list[VisitPublic]:
    """The visits as the API shows them, with their needs' titles and experts' names read in one query each."""
    titles = names_by_id(session, Need.id, Need.title, {v.need_id for v in visits})
    names = names_by_id(session, Expert.id, Expert.name, {v.expert_id for v in visits})
    return [
        VisitPublic.model_validate(
            {**v.model_dump(), "need_title": titles.get(v.need_id, ""), "expert_name": names.get(v.expert_id, "")}
        )
        for v in visits
    ]


def list_visits(
    *, session: Session, viewer: Account, filters: VisitFilters, limit: int, offset: int, sort: str | None
) -> tuple[list[VisitPublic], int]:
    statement = select(Visit).join(Need, Need.id == Visit.need_id)  # type: ignore[arg-type]
    if viewer.role == Role.unit:
        statement = statement.where(Need.unit_id == viewer.unit_id)
    elif viewer.role == Role.expert:
        statement = statement.where(Visit.expert_id == viewer.expert_id)
    elif viewer.role == Role.district_official:
        statement = statement.where(Need.district == viewer.district)
    for name in ("status", "need_id", "expert_id", "campaign_id", "year"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Visit, name) == value)
    if filters.district:
        statement = statement.where(Need.district == filters.district)
    rows, total = paginate(
        session,
        statement,
        limit=limit,
        offset=offset,
        sort=sort,
        sortable=SORTABLE,
        default_sort="-created_at",
    )
    return visit_views(session, rows), total


def _require_visit_access(session: Session, viewer: Account, visit: Visit) -> Need:
    need = get_or_404(session, Need, visit.need_id)
    if viewer.role == Role.unit:
        require_unit(viewer, need.unit_id)
    elif viewer.role == Role.expert:
        require_expert(viewer, visit.expert_id)
    elif is_official(viewer):
        require_district(viewer, need.district)
    else:
        raise Forbidden("无权查看此服务")
    return need


def get_visit(*, session: Session, viewer: Account, visit_id: int) -> VisitPublic:
    """The visit; its own expert, once they accepted it, also gets whom to call (`unit_contact`: the need's
    contact, or the unit's)."""
    visit = get_or_404(session, Visit, visit_id)
    need = _require_visit_access(session, viewer, visit)
    view = visit_view(session, visit)
    own = viewer.role == Role.expert and viewer.expert_id == visit.expert_id
    if own and visit.status in VISIT_HOLDS_PLACE:
        view.unit_contact = _contact_of(session, need)
    return view


def _contact_of(session: Session, need: Need) -> UnitContact | None:
    """Whom the serving expert calls: the need's own contact when it names one, else the unit's (never a mix of
    the two people's name and phone)."""
    unit = session.get(Unit, need.unit_id)
    if unit is None:
        return None
    source: Need | Unit = need if need.contact_name or need.contact_phone else unit
    if not (source.contact_name or source.contact_phone):
        return None
    return UnitContact(unit_name=unit.name, person=source.contact_name, phone=source.contact_phone or "")


def service_year(need: Need) -> int:
    """The year whose capacity a visit uses: when the unit wants it, else this year. A period that began in a
    year already over is served from this year on, so a visit arranged now never takes a closed year's place."""
    this_year = clock.today().year
    return max(need.wanted_from.year, this_year) if need.wanted_from else this_year


def propose_visit(
    *,
    session: Session,
    actor: Account,
    need_id: int,
    expert_id: int | None,
    origin: VisitOrigin | None = None,
    score: float | None = None,
    campaign_id: int | None = None,
    year: int | None = None,
    commit: bool = True,
) -> VisitPublic:
    """An official proposes an expert for a need, or an expert volunteers (and so accepts at once).

    `year` is the service year whose places the visit uses (a campaign's own year); by default `service_year`.
    An expert who declined (or whose visit was cancelled) is proposed again on the same row, made afresh: the
    year is that of the new proposal and the dates agreed the first time are gone."""
    volunteering = actor.role == Role.expert
    if volunteering:
        if expert_id is not None and expert_id != actor.expert_id:
            raise Forbidden("专家只能自荐本人")
        expert_id = actor.expert_id
    if expert_id is None:
        raise InvalidInput("请指定专家（expert_id）")
    # The need's row is held until the commit: proposals and answers for one need take turns, so two equal
    # proposals posted at once store one visit and answer the other 409 (`get_for_update`).
    need = get_for_update(session, Need, need_id)
    expert = get_or_404(session, Expert, expert_id)
    if is_official(actor):
        require_district(actor, need.district)
    if need.status not in SERVABLE:
        raise Conflict(f"需求当前为“{need_state_label(need.status)}”，不能安排专家")
    if volunteering and period_over(need.wanted_to):
        raise Conflict(f"该需求期望的服务时间已于 {need.wanted_to} 结束，如仍需服务请联系组织部门")
    refusal = volunteer_refusal(session, expert_id, need_id) if volunteering else None
    if refusal:
        raise Conflict(refusal)
    _require_available(expert)
    unit = get_or_404(session, Unit, need.unit_id)
    if expert.employer and expert.employer == unit.name:
        raise Conflict("专家不能服务本人所在单位（利益回避）")
    visit = session.exec(select(Visit).where(Visit.need_id == need_id, Visit.expert_id == expert_id)).first()
    if visit is not None and visit.status not in (VisitStatus.declined, VisitStatus.cancelled):
        raise Conflict(f"专家{expert.name}已安排在该需求中")
    require_open_place(session, need)
    if visit is None:
        visit = Visit(need_id=need_id, expert_id=expert_id, year=0)
    visit.year = year if year is not None else service_year(need)
    visit.scheduled_from = visit.scheduled_to = None
    visit.accepted_at = None
    visit.status = VisitStatus.proposed
    visit.decline_reason = ""
    visit.origin = origin or (VisitOrigin.volunteer if volunteering else VisitOrigin.official)
    visit.score = score
    visit.campaign_id = campaign_id
    session.add(visit)
    session.flush()
    if volunteering:
        _take_place(session, visit, need)
        refresh_need_status(session, need)
    if commit:
        session.commit()
        session.refresh(visit)
    return visit_view(session, visit)


def volunteer_refusal(session: Session, expert_id: int, need_id: int) -> str | None:
    """Why the expert may not volunteer for the need, if they have already volunteered and then declined
    `VOLUNTEER_DECLINES_PER_YEAR` other needs this year (see that setting); None otherwise. A need the expert
    declined before does not count against volunteering for it again."""
    declined = session.exec(
        select(func.count())
        .select_from(Visit)
        .where(
            Visit.expert_id == expert_id,
            Visit.need_id != need_id,
            Visit.origin == VisitOrigin.volunteer,
            Visit.status == VisitStatus.declined,
            Visit.year == clock.today().year,
        )
    ).one()
    if declined < VOLUNTEER_DECLINES_PER_YEAR:
        return None
    return (
        f"您今年已有{declined}次自荐后又婉拒，为保护服务单位的联系方式，今年不能再自荐；"
        "如愿为该需求服务，请联系组织部门安排"
    )


def _require_available(expert: Expert) -> None:
    if expert.status != "在库" or not expert.available:
        raise Conflict(
            f"专家{expert.name}当前不可安排（{expert.status}{'' if expert.available else '、暂不接受服务'}）"
        )


def _take_place(session: Session, visit: Visit, need: Need) -> None:
    """Accept `visit` if its expert can still serve and has a place left this year, and the need still has one of
    the places it asked for. The caller holds the need's row (`get_for_update`); the expert's is locked here, read
    afresh (a pause or a smaller capacity committed meanwhile counts)."""
    expert = get_for_update(session, Expert, visit.expert_id)
    _require_available(expert)
    require_open_place(session, need)
    used = places_used(session, expert.id or 0, visit.year)
    if used >= expert.yearly_capacity:
        raise Conflict(f"{expert.name}本年度服务名额已满（{used}/{expert.yearly_capacity}）")
    visit.status = VisitStatus.accepted
    visit.accepted_at = utcnow()
    session.add(visit)


def act_on_visit(
    *,
    session: Session,
    actor: Account,
    visit_id: int,
    action: str,
    reason: str = "",
    schedule: VisitSchedule | None = None,
    record: ServiceRecord | None = None,
    rating: VisitRating | None = None,
) -> VisitPublic:
    """accept | decline | schedule | record | confirm | return | cancel, each from the states in `_FROM`.

    `return`: the need's unit does not recognise a service record (the expert did not come, the record says more
    than was done) and sends it back with `reason` instead of rating it: the visit is again agreed (scheduled, or
    accepted if it never had dates) with its record kept for the expert or an official to correct and record
    again; until then it counts as neither done nor rated."""
    visit = get_or_404(session, Visit, visit_id)
    need = _require_visit_access(session, actor, visit)
    who = {
        "accept": (Role.expert,),
        "decline": (Role.expert,),
        "schedule": (Role.expert, Role.district_official, Role.city_official),
        "record": (Role.expert, Role.district_official, Role.city_official),
        "confirm": (Role.unit,),
        "return": (Role.unit,),
        "cancel": (Role.district_official, Role.city_official),
    }[action]
    if actor.role not in who:
        raise Forbidden(f"{_ACTION_LABELS[action]}服务须由{'、'.join(ROLE_LABELS[r] for r in who)}操作")
    # Read the need and the visit again, locked until the commit: a second action on the visit (a rating posted
    # twice, a cancel while the expert records the service) waits, then sees the first one's result.
    need = get_for_update(session, Need, visit.need_id)
    visit = get_for_update(session, Visit, visit_id)
    if visit.status not in _FROM[action]:
        raise Conflict(_state_message(visit.status, action))
    payload = {"schedule": schedule, "record": record, "confirm": rating}
    if action in payload and payload[action] is None:
        raise InvalidInput(f"{_ACTION_LABELS[action]}须填写相应内容")
    if action == "accept":
        if need.status not in SERVABLE:
            raise Conflict("需求已不再征集专家")
        _take_place(session, visit, need)
    elif action == "decline":
        if not reason.strip():
            raise InvalidInput("婉拒时请填写原因")
        visit.status = VisitStatus.declined
        visit.decline_reason = reason.strip()
    elif action == "schedule":
        assert schedule is not None
        if schedule.scheduled_to and schedule.scheduled_to < schedule.scheduled_from:
            raise InvalidInput("结束日期不能早于开始日期", field="scheduled_to")
        if schedule.scheduled_from.year < visit.year:
            raise InvalidInput(f"服务日期不能早于服务年度（{visit.year}年）", field="scheduled_from")
        # the visit holds a place of its service year: it may spill into the next year, not further (2099 is a slip)
        latest = visit.year + 1
        for name, day in (("scheduled_from", schedule.scheduled_from), ("scheduled_to", schedule.scheduled_to)):
            if day is not None and day.year > latest:
                raise InvalidInput(f"服务日期不能晚于{latest}年底（服务年度为{visit.year}年）", field=name)
        visit.scheduled_from = schedule.scheduled_from
        visit.scheduled_to = schedule.scheduled_to
        visit.status = VisitStatus.scheduled
    elif action == "record":
        assert record is not None
        if record.service_date > clock.today():
            raise InvalidInput("服务日期不能晚于今天", field="service_date")
        if record.service_date.year < visit.year:
            raise InvalidInput(f"服务日期不能早于服务年度（{visit.year}年）", field="service_date")
        for key, value in record.model_dump().items():
            setattr(visit, key, value)
        visit.status = VisitStatus.done
        visit.returned_reason = ""
    elif action == "confirm":
        assert rating is not None
        visit.rating = rating.rating
        visit.comment = rating.comment
        visit.status = VisitStatus.confirmed
        visit.confirmed_at = utcnow()
    elif action == "return":
        if not reason.strip():
            raise InvalidInput("退回服务记录时请写明原因", field="reason")
        visit.returned_reason = reason.strip()
        visit.status = VisitStatus.scheduled if visit.scheduled_from else VisitStatus.accepted
    elif action == "cancel":
        visit.status = VisitStatus.cancelled
    session.add(visit)
    refresh_need_status(session, need)
    session.commit()
    session.refresh(visit)
    return visit_view(session, visit)


def _state_message(status: str, action: str) -> str:
    now = visit_state_label(status)
    if action == "confirm" and status == VisitStatus.confirmed:
        return "该服务已确认并评价，不能重复确认"
    if action == "confirm":
        return f"服务当前为“{now}”：尚无服务记录的服务不能确认和评价"
    return f"服务当前为“{now}”，不能{_ACTION_LABELS[action]}"
