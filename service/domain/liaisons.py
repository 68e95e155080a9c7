"""领导干部联系专家: leaders, their liaisons with experts, contacts, and concerns tracked to a reply."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.config import Settings, get_settings
from service.domain.access import is_city
from service.domain.common import apply_update, checked_filter, get_for_update, get_or_404, paginate
from service.errors import Conflict, Forbidden, InvalidInput
from service.models import Account, Concern, Contact, Expert, Leader, Liaison
from service.models.common import utcnow
from service.models.leader import (
    ConcernAssign,
    ConcernCreate,
    ConcernPublic,
    ConcernRate,
    ConcernReply,
    ContactCreate,
    ContactPublic,
    LeaderCreate,
    LeaderPublic,
    LeaderUpdate,
    LiaisonCreate,
    LiaisonPublic,
    LiaisonUpdate,
)
from service.validation import check_choice, mask_phone
from service.vocab import ConcernStatus, Role

LEADER_SORTABLE = {"id": Leader.id, "name": Leader.name, "rank": Leader.rank}
LIAISON_SORTABLE = {"id": Liaison.id, "year": Liaison.year, "leader_id": Liaison.leader_id}
CONTACT_SORTABLE = {"id": Contact.id, "date": Contact.date}
CONCERN_SORTABLE = {"id": Concern.id, "raised_on": Concern.raised_on, "due_date": Concern.due_date}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative); the month's last day where it has no such day
    (31 January + 1 month = 28 or 29 February), never a day of a shorter month's start."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contact_since(today: date) -> date:
    """The earliest contact that still counts as recent on `today` (the reports' `since`)."""
    return add_months(today, -get_settings().contact_interval_months)


def check_pair_year(year: int, today: date | None = None) -> None:
    """Pairs are made for this year or, planned ahead, the next one (the city's calendar)."""
    this_year = (today or clock.today()).year
    if year not in (this_year, this_year + 1):
        raise InvalidInput(f"只能确定本年度（{this_year}年）或下一年度（{this_year + 1}年）的联系关系")


# ---- leaders ---------------------------------------------------------------------------------------------


def leader_view(leader: Leader, viewer: Account) -> LeaderPublic:
    data = leader.model_dump()
    if not (is_city(viewer) or viewer.leader_id == leader.id):
        data["assistant_phone"] = mask_phone(leader.assistant_phone)
    return LeaderPublic.model_validate(data)


def list_leaders(
    *, session: Session, viewer: Account, rank: str | None, limit: int, offset: int, sort: str | None
) -> tuple[list[LeaderPublic], int]:
    statement = select(Leader)
    if viewer.role == Role.leader:
        statement = statement.where(Leader.id == viewer.leader_id)
    if rank:
        statement = statement.where(Leader.rank == rank)
    rows, total = paginate(
        session, statement, limit=limit, offset=offset, sort=sort, sortable=LEADER_SORTABLE, default_sort="id"
    )
    return [leader_view(x, viewer) for x in rows], total


def get_leader(*, session: Session, viewer: Account, leader_id: int) -> LeaderPublic:
    leader = get_or_404(session, Leader, leader_id)
    if viewer.role == Role.leader and viewer.leader_id != leader_id:
        raise Forbidden("只能查看本人的信息")
    return leader_view(leader, viewer)


def create_leader(*, session: Session, actor: Account, data: LeaderCreate) -> LeaderPublic:
    leader = Leader.model_validate(data)
    session.add(leader)
    session.commit()
    session.refresh(leader)
    return leader_view(leader, actor)


def update_leader(*, session: Session, actor: Account, leader_id: int, data: LeaderUpdate) -> LeaderPublic:
    leader = get_or_404(session, Leader, leader_id)
    apply_update(leader, data.model_dump(exclude_unset=True))
    session.add(leader)
    session.commit()
    session.refresh(leader)
    return leader_view(leader, actor)


# ---- liaisons --------------------------------------------------------------------------------------------


def _last_contacts(session: Session, liaison_ids: list[int]) -> dict[int, date]:
    if not liaison_ids:
        return {}
    rows = session.exec(
        select(Contact.liaison_id, func.max(Contact.date))
        .where(Contact.liaison_id.in_(liaison_ids))  # type: ignore[attr-defined]
        .group_by(Contact.liaison_id)  # type: ignore[arg-type]
    ).all()
    return {liaison_id: last for liaison_id, last in rows}


def contact_overdue(liaison: Liaison, last_contact: date | None, today: date | None = None) -> bool:
    """No contact within the contact interval: the latest contact (or, before the first, the pair's start) is
    older than `contact_since(today)`, as the reports count "contacted recently".

    A pair starts on 1 January of its year, or when it was made if later: a pair confirmed in December for the
    next year is not late in June. A pair whose year is over is judged as it stood on 31 December."""
    if not liaison.active:
        return False
    first, last = date(liaison.year, 1, 1), date(liaison.year, 12, 31)
    as_of = min(today or clock.today(), last)
    if as_of < first:
        return False
    start = max(clock.city_date(liaison.created_at), first)
    return (last_contact or start) < contact_since(as_of)


def liaison_views(session: Session, liaisons: list[Liaison]) -> list[LiaisonPublic]:
    last = _last_contacts(session, [x.id or 0 for x in liaisons])
    out = []
    for x in liaisons:
        leader = session.get(Leader, x.leader_id)
        expert = session.get(Expert, x.expert_id)
        out.append(
            LiaisonPublic.model_validate(
                {
                    **x.model_dump(),
                    "leader_name": leader.name if leader else "",
                    "expert_name": expert.name if expert else "",
                    "last_contact": last.get(x.id or 0),
                    "contact_overdue": contact_overdue(x, last.get(x.id or 0)),
                }
            )
        )
    return out


def list_liaisons(
    *,
    session: Session,
    viewer: Account,
    year: int | None,
    leader_id: int | None,
    overdue: bool | None,
    limit: int,
    offset: int,
    sort: str | None,
) -> tuple[list[LiaisonPublic], int]:
    statement = select(Liaison)
    if viewer.role == Role.leader:
        statement = statement.where(Liaison.leader_id == viewer.leader_id)
    elif viewer.role == Role.expert:
        statement = statement.where(Liaison.expert_id == viewer.expert_id)
    if year:
        statement = statement.where(Liaison.year == year)
    if leader_id:
        statement = statement.where(Liaison.leader_id == leader_id)
    if overdue is not None:
        everything = liaison_views(session, list(session.exec(statement).all()))
        chosen = [x for x in everything if x.contact_overdue == overdue]
        return chosen[offset : offset + limit], len(chosen)
    rows, total = paginate(
        session,
        statement,
        limit=limit,
        offset=offset,
        sort=sort,
        sortable=LIAISON_SORTABLE,
        default_sort="id",
    )
    return liaison_views(session, rows), total


def _require_liaison_access(viewer: Account, liaison: Liaison) -> None:
    if viewer.role == Role.leader and viewer.leader_id != liaison.leader_id:
        raise Forbidden("只能处理本人联系的专家")
    if viewer.role == Role.expert and viewer.expert_id != liaison.expert_id:
        raise Forbidden("只能查看本人的联系记录")


def get_liaison(*, session: Session, viewer: Account, liaison_id: int) -> LiaisonPublic:
    liaison = get_or_404(session, Liaison, liaison_id)
    _require_liaison_access(viewer, liaison)
    return liaison_views(session, [liaison])[0]


def rank_quota(settings: Settings, rank: str) -> tuple[int, int]:
    """(min, max) experts for a leader of `rank`."""
    quotas = {
        "主要领导": settings.leader_quota_main,
        "常委": settings.leader_quota_standing,
        "其他市级": settings.leader_quota_other,
    }
    return quotas.get(rank, settings.leader_quota_other)


def pairs_in_year(session: Session, leader_id: int, year: int) -> int:
    """The leader's active pairs of `year`: a stopped pair leaves its place to another expert (as the planner
    counts them)."""
    statement = select(Liaison.id).where(
        Liaison.leader_id == leader_id,
        Liaison.year == year,
        col(Liaison.active).is_(True),
    )
    return len(session.exec(statement).all())


def quota_message(leader: Leader, year: int, held: int, most: int) -> str:
    return f"{leader.name}（{leader.rank}）{year}年已联系 {held} 位专家，已达上限 {most} 位"


def _require_place(session: Session, leader: Leader, expert: Expert, year: int, refused: str) -> None:
    """An active pair of `leader` and `expert` in `year` needs the expert 在库 and a place under the rank's limit."""
    if expert.status != "在库":
        raise Conflict(f"{expert.name}当前状态为“{expert.status}”，{refused}")
    most = rank_quota(get_settings(), leader.rank)[1]
    held = pairs_in_year(session, leader.id or 0, year)
    if held >= most:
        raise Conflict(quota_message(leader, year, held, most))


def create_liaison(*, session: Session, actor: Account, data: LiaisonCreate) -> LiaisonPublic:
    # The leader's row, then the expert's, held until the commit: pairs made at once for one leader or one expert
    # are checked in turn (the rank's limit, one leader per expert and year), not stored past them.
    leader = get_for_update(session, Leader, data.leader_id)
    expert = get_for_update(session, Expert, data.expert_id)
    check_pair_year(data.year)
    taken = session.exec(select(Liaison).where(Liaison.expert_id == data.expert_id, Liaison.year == data.year)).first()
    if taken is not None:
        raise Conflict(f"{expert.name}在{data.year}年已由其他领导联系")
    _require_place(session, leader, expert, data.year, "不能结对联系")
    liaison = Liaison.model_validate(data)
    session.add(liaison)
    session.commit()
    session.refresh(liaison)
    return liaison_views(session, [liaison])[0]


def update_liaison(*, session: Session, actor: Account, liaison_id: int, data: LiaisonUpdate) -> LiaisonPublic:
    liaison = get_or_404(session, Liaison, liaison_id)
    if data.active and not liaison.active:
        # Started again: it takes a place again, so the rank's limit and the expert's status apply as to a new pair
        # (the leader's row locked as in `create_liaison`).
        leader = get_for_update(session, Leader, liaison.leader_id)
        liaison = get_for_update(session, Liaison, liaison_id)
        expert = get_or_404(session, Expert, liaison.expert_id)
        _require_place(session, leader, expert, liaison.year, "不能恢复联系")
    apply_update(liaison, data.model_dump(exclude_unset=True))
    session.add(liaison)
    session.commit()
    session.refresh(liaison)
    return liaison_views(session, [liaison])[0]


# ---- contacts --------------------------------------------------------------------------------------------


def list_contacts(
    *, session: Session, viewer: Account, liaison_id: int | None, limit: int, offset: int, sort: str | None
) -> tuple[list[ContactPublic], int]:
    statement = select(Contact).join(Liaison, Liaison.id == Contact.liaison_id)  # type: ignore[arg-type]
    if viewer.role == Role.leader:
        statement = statement.where(Liaison.leader_id == viewer.leader_id)
    elif viewer.role == Role.expert:
        statement = statement.where(Liaison.expert_id == viewer.expert_id)
    if liaison_id:
        statement = statement.where(Contact.liaison_id == liaison_id)
    rows, total = paginate(
        session,
        statement,
        limit=limit,
        offset=offset,
        sort=sort,
        sortable=CONTACT_SORTABLE,
        default_sort="-date",
    )
    return [ContactPublic.model_validate(c) for c in rows], total


def get_contact(*, session: Session, viewer: Account, contact_id: int) -> ContactPublic:
    contact = get_or_404(session, Contact, contact_id)
    _require_liaison_access(viewer, get_or_404(session, Liaison, contact.liaison_id))
    return ContactPublic.model_validate(contact)


def log_contact(*, session: Session, actor: Account, data: ContactCreate, commit: bool = True) -> ContactPublic:
    """Record a contact; with `commit=False` it is only flushed, for the caller to commit together with more (the
    contact form's concern), or to roll back with them."""
    # Locked until the commit: the same contact posted twice at once is stored once (the check below sees it).
    liaison = get_for_update(session, Liaison, data.liaison_id)
    _require_liaison_access(actor, liaison)
    if not liaison.active:
        raise Conflict("该联系关系已停用，不能再记录联系")
    if data.date > clock.today():
        raise InvalidInput("联系日期不能晚于今天")
    if data.date.year != liaison.year:
        raise InvalidInput(f"联系日期须在结对年度（{liaison.year}年）内")
    same = select(Contact.id).where(
        Contact.liaison_id == data.liaison_id,
        Contact.date == data.date,
        Contact.mode == data.mode,
        Contact.summary == data.summary,
    )
    if session.exec(same).first() is not None:
        raise Conflict("这次联系已经登记过了")
    contact = Contact.model_validate(data)
    session.add(contact)
    if not commit:
        session.flush()
        return ContactPublic.model_validate(contact)
    session.commit()
    session.refresh(contact)
    return ContactPublic.model_validate(contact)


# ---- concerns --------------------------------------------------------------------------------------------


def concern_overdue(concern: Concern, today: date | None = None) -> bool:
    """Open past its due date, or answered later than it was due (件件有回音, on time)."""
    today = today or clock.today()
    if concern.status == ConcernStatus.open:
        return today > concern.due_date
    return concern.replied_on is not None and concern.replied_on > concern.due_date


def concern_view(session: Session, concern: Concern) -> ConcernPublic:
    liaison = session.get(Liaison, concern.liaison_id)
    leader = session.get(Leader, liaison.leader_id) if liaison else None
    expert = session.get(Expert, concern.expert_id)
    return ConcernPublic.model_validate(
        {
            **concern.model_dump(),
            "expert_name": expert.name if expert else "",
            "leader_name": leader.name if leader else "",
            "overdue": concern_overdue(concern),
        }
    )


def list_concerns(
    *,
    session: Session,
    viewer: Account,
    status: str | None,
    department: str | None,
    overdue: bool | None,
    limit: int,
    offset: int,
    sort: str | None,
) -> tuple[list[ConcernPublic], int]:
    status = checked_filter(check_choice(tuple(ConcernStatus), "诉求状态"), status)
    statement = select(Concern).join(Liaison, Liaison.id == Concern.liaison_id)  # type: ignore[arg-type]
    if viewer.role == Role.leader:
        statement = statement.where(Liaison.leader_id == viewer.leader_id)
    elif viewer.role == Role.expert:
        statement = statement.where(Concern.expert_id == viewer.expert_id)
    if status:
        statement = statement.where(Concern.status == status)
    if department:
        statement = statement.where(Concern.department == department)
    if overdue is not None:
        chosen = [c for c in session.exec(statement).all() if concern_overdue(c) == overdue]
        return [concern_view(session, c) for c in chosen[offset : offset + limit]], len(chosen)
    rows, total = paginate(
        session,
        statement,
        limit=limit,
        offset=offset,
        sort=sort,
        sortable=CONCERN_SORTABLE,
        default_sort="-raised_on",
    )
    return [concern_view(session, c) for c in rows], total


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _check_due_date(raised_on: date, due: date) -> None:
    """件件有回音: the reply is due on or after the day raised, and within the reply period."""
    if due < raised_on:
        raise InvalidInput("答复期限不能早于提出日期")
    days = get_settings().concern_reply_days
    latest = raised_on + timedelta(days=days)
    if due > latest:
        raise InvalidInput(f"答复期限不能晚于提出之日起 {days} 天（{_cn_date(latest)}）")


def _concern_for(session: Session, viewer: Account, concern_id: int, *, for_update: bool = False) -> Concern:
    """The concern, if the viewer may see it; `for_update`: read again and locked until the commit, so that two
    replies (or ratings) posted at once are one reply and one refusal, not the second overwriting the first."""
    concern = get_or_404(session, Concern, concern_id)
    _require_liaison_access(viewer, get_or_404(session, Liaison, concern.liaison_id))
    return get_for_update(session, Concern, concern_id) if for_update else concern


def get_concern(*, session: Session, viewer: Account, concern_id: int) -> ConcernPublic:
    return concern_view(session, _concern_for(session, viewer, concern_id))


def raise_concern(*, session: Session, actor: Account, data: ConcernCreate) -> ConcernPublic:
    """A leader (or the city) records what an expert raised during a contact; the reply is due in 30 days."""
    # Locked until the commit: the same concern posted twice at once is stored once (the check below sees it).
    contact = get_for_update(session, Contact, data.contact_id)
    liaison = get_or_404(session, Liaison, contact.liaison_id)
    _require_liaison_access(actor, liaison)
    if not liaison.active:
        raise Conflict("该联系关系已停用，不能再登记诉求")
    due = data.due_date or contact.date + timedelta(days=get_settings().concern_reply_days)
    _check_due_date(contact.date, due)
    same = select(Concern.id).where(Concern.contact_id == contact.id, Concern.content == data.content)
    if session.exec(same).first() is not None:
        raise Conflict("这次联系中已登记过同样的诉求")
    concern = Concern(
        contact_id=contact.id,
        liaison_id=liaison.id or 0,
        expert_id=liaison.expert_id,
        category=data.category,
        content=data.content,
        department=data.department,
        raised_on=contact.date,
        due_date=due,
    )
    session.add(concern)
    session.commit()
    session.refresh(concern)
    return concern_view(session, concern)


def _save_concern(session: Session, concern: Concern) -> ConcernPublic:
    """Commit a change to a concern and answer it as the API shows it."""
    concern.updated_at = utcnow()
    session.add(concern)
    session.commit()
    session.refresh(concern)
    return concern_view(session, concern)


def assign_concern(*, session: Session, actor: Account, concern_id: int, data: ConcernAssign) -> ConcernPublic:
    concern = _concern_for(session, actor, concern_id, for_update=True)
    if concern.status != ConcernStatus.open:
        raise Conflict("诉求已答复，不能再转办")
    if data.due_date:
        _check_due_date(concern.raised_on, data.due_date)
    concern.department = data.department
    if data.due_date:
        concern.due_date = data.due_date
    return _save_concern(session, concern)


def reply_concern(*, session: Session, actor: Account, concern_id: int, data: ConcernReply) -> ConcernPublic:
    concern = _concern_for(session, actor, concern_id, for_update=True)
    if concern.status != ConcernStatus.open:
        raise Conflict("诉求已答复")
    if not concern.department:
        raise Conflict("请先指定承办部门再答复")
    concern.reply = data.reply
    concern.replied_on = clock.today()
    concern.status = ConcernStatus.answered
    return _save_concern(session, concern)


def rate_concern(*, session: Session, actor: Account, concern_id: int, data: ConcernRate) -> ConcernPublic:
    """The expert who raised the concern rates the reply (满意度), which closes it."""
    if actor.role != Role.expert:
        raise Forbidden("诉求答复由提出诉求的专家本人评价")
    concern = _concern_for(session, actor, concern_id, for_update=True)
    if concern.status == ConcernStatus.closed:
        raise Conflict("该诉求已评价并办结，不能重复评价")
    if concern.status != ConcernStatus.answered:
        raise Conflict("诉求尚未答复，不能评价")
    concern.satisfaction = data.satisfaction
    concern.status = ConcernStatus.closed
    return _save_concern(session, concern)
