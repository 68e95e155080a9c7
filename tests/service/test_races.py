"""Two people acting on the same record at once (`tests/service/racing.py`): the second waits for the first and
then sees its result, so no place is overbooked, no state is left half-changed or changed twice, and a double
submit stores one record and answers the other with a Chinese 409 (never a 500 from the database)."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from service import clock
from service.domain import campaigns, experts, liaison_planning, liaisons, needs, visits
from service.domain.liaison_planning import ConfirmPair, ConfirmRequest
from service.errors import DUPLICATE_WRITE
from service.models import (
    Account,
    Campaign,
    CampaignPair,
    Concern,
    Contact,
    Expert,
    Leader,
    Liaison,
    Need,
    Unit,
    Visit,
)
from service.models.expert import ExpertUpdate
from service.models.leader import ConcernCreate, ConcernRate, ConcernReply, ContactCreate, LiaisonCreate
from service.models.need import NeedCreate, NeedUpdate
from service.models.visit import ServiceRecord, VisitRating
from service.vocab import ConcernStatus, NeedStatus, Role, VisitOrigin, VisitStatus
from tests.service.racing import detached, race
from tests.service.world import DISTRICT, World

YEAR = clock.today().year
M = TypeVar("M", bound=SQLModel)


def _as(world: World, role: Role) -> Account:
    account: Account = detached(world.accounts[role])
    return account


def _expert(session: Session, name: str, **values: object) -> Expert:
    expert = Expert(name=name, district=DISTRICT, fields=["210"], yearly_capacity=10, **values)
    session.add(expert)
    session.commit()
    session.refresh(expert)
    return expert


def _set_visit(session: Session, world: World, **values: object) -> int:
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    for key, value in values.items():
        setattr(visit, key, value)
    session.add(visit)
    session.commit()
    return world.visit.id or 0


def _fresh(engine: Engine, model: type[M], record_id: int) -> M:
    """The record as stored now, read on a connection of its own."""
    with Session(engine) as session:
        record = session.get(model, record_id)
        assert record is not None
        session.expunge_all()
        return record


# ---- visits: one state change at a time -----------------------------------------------------------------


def test_a_visit_rated_twice_at_once_keeps_the_first_rating(engine: Engine, session: Session, world: World) -> None:
    today = clock.today()
    visit_id = _set_visit(
        session, world, status=VisitStatus.done, service_date=today, service_days=1, content="现场指导", year=YEAR
    )
    unit = _as(world, Role.unit)

    def rate(stars: int) -> object:
        return lambda s: visits.act_on_visit(
            session=s, actor=unit, visit_id=visit_id, action="confirm", rating=VisitRating(rating=stars, comment="")
        )

    first, second = race(engine, rate(5), rate(1))
    assert (first.status, second.status) == (200, 409)
    assert second.message == "该服务已确认并评价，不能重复确认"
    stored = _fresh(engine, Visit, visit_id)
    assert stored.rating == 5


def test_a_visit_being_recorded_cannot_be_cancelled_meanwhile(engine: Engine, session: Session, world: World) -> None:
    visit_id = _set_visit(session, world, status=VisitStatus.scheduled, scheduled_from=clock.today(), year=YEAR)
    expert, official = _as(world, Role.expert), _as(world, Role.district_official)
    record = ServiceRecord(service_date=clock.today(), service_days=1, content="讲解溃疡病防治")

    first, second = race(
        engine,
        lambda s: visits.act_on_visit(session=s, actor=expert, visit_id=visit_id, action="record", record=record),
        lambda s: visits.act_on_visit(session=s, actor=official, visit_id=visit_id, action="cancel"),
    )
    assert (first.status, second.status) == (200, 409)
    assert "已服务" in second.message
    stored = _fresh(engine, Visit, visit_id)
    assert stored.status == VisitStatus.done


def test_a_visit_being_cancelled_cannot_be_accepted_meanwhile(engine: Engine, world: World) -> None:
    visit_id = world.visit.id or 0
    expert, official = _as(world, Role.expert), _as(world, Role.district_official)

    first, second = race(
        engine,
        lambda s: visits.act_on_visit(session=s, actor=official, visit_id=visit_id, action="cancel"),
        lambda s: visits.act_on_visit(session=s, actor=expert, visit_id=visit_id, action="accept"),
    )
    assert (first.status, second.status) == (200, 409)
    assert "已取消" in second.message
    stored = _fresh(engine, Visit, visit_id)
    assert stored.status == VisitStatus.cancelled


# ---- a need's places ---------------------------------------------------------------------------------------


def _need_with_one_place_left(session: Session, world: World) -> None:
    """world.need wants 2 experts: one has accepted, world.expert's proposal awaits an answer."""
    need = session.get(Need, world.need.id)
    assert need is not None
    need.experts_wanted = 2
    session.add(need)
    other = _expert(session, "张园")
    session.add(Visit(need_id=need.id or 0, expert_id=other.id or 0, year=YEAR, status=VisitStatus.accepted))
    session.commit()


def _held(engine: Engine, need_id: int) -> tuple[int, int]:
    with Session(engine) as session:
        need = session.get(Need, need_id)
        assert need is not None
        return needs.places_held(session, [need_id]).get(need_id, 0), need.experts_wanted


def test_places_cannot_be_cut_below_an_acceptance_in_flight(engine: Engine, session: Session, world: World) -> None:
    _need_with_one_place_left(session, world)
    expert, official = _as(world, Role.expert), _as(world, Role.district_official)
    need_id, visit_id = world.need.id or 0, world.visit.id or 0

    first, second = race(
        engine,
        lambda s: visits.act_on_visit(session=s, actor=expert, visit_id=visit_id, action="accept"),
        lambda s: needs.update_need(session=s, actor=official, need_id=need_id, data=NeedUpdate(experts_wanted=1)),
    )
    assert (first.status, second.status) == (200, 409)
    assert "所需专家人数不能少于 2" in second.message
    assert _held(engine, need_id) == (2, 2)


def test_an_acceptance_cannot_take_a_place_being_cut(engine: Engine, session: Session, world: World) -> None:
    _need_with_one_place_left(session, world)
    expert, official = _as(world, Role.expert), _as(world, Role.district_official)
    need_id, visit_id = world.need.id or 0, world.visit.id or 0

    first, second = race(
        engine,
        lambda s: needs.update_need(session=s, actor=official, need_id=need_id, data=NeedUpdate(experts_wanted=1)),
        lambda s: visits.act_on_visit(session=s, actor=expert, visit_id=visit_id, action="accept"),
    )
    assert (first.status, second.status) == (200, 409)
    assert "已全部落实" in second.message
    assert _held(engine, need_id) == (1, 1)


def test_two_experts_accepting_a_needs_last_place_at_once(engine: Engine, session: Session, world: World) -> None:
    """world.need wants one expert; world.expert and another expert were both proposed and accept at once."""
    other = _expert(session, "孙园")
    session.add(Account(username="sun", password_hash="-", role=Role.expert, expert_id=other.id))
    other_visit = Visit(need_id=world.need.id or 0, expert_id=other.id or 0, year=YEAR)
    session.add(other_visit)
    session.commit()
    first_expert = _as(world, Role.expert)
    account = session.exec(select(Account).where(Account.username == "sun")).one()
    second_expert: Account = detached(account)
    visit_ids = (world.visit.id or 0, other_visit.id or 0)

    first, second = race(
        engine,
        lambda s: visits.act_on_visit(session=s, actor=first_expert, visit_id=visit_ids[0], action="accept"),
        lambda s: visits.act_on_visit(session=s, actor=second_expert, visit_id=visit_ids[1], action="accept"),
    )
    assert (first.status, second.status) == (200, 409)
    assert "所需的 1 位专家已全部落实（1/1）" in second.message
    assert _held(engine, world.need.id or 0) == (1, 1)


# ---- an expert's places and availability -------------------------------------------------------------------


def _second_need(session: Session, world: World) -> Need:
    need = Need(
        unit_id=world.unit.id or 0,
        title="猕猴桃冬季修剪培训",
        service_type="人才培训",
        district=DISTRICT,
        status=NeedStatus.open,
    )
    session.add(need)
    session.commit()
    session.refresh(need)
    return need


def test_an_expert_paused_meanwhile_cannot_volunteer(engine: Engine, session: Session, world: World) -> None:
    need = _second_need(session, world)
    expert_account, official = _as(world, Role.expert), _as(world, Role.district_official)
    expert_id, need_id = world.expert.id or 0, need.id or 0

    first, second = race(
        engine,
        lambda s: experts.update_expert(
            session=s, actor=official, expert_id=expert_id, data=ExpertUpdate(available=False)
        ),
        lambda s: visits.propose_visit(session=s, actor=expert_account, need_id=need_id, expert_id=None),
    )
    assert (first.status, second.status) == (200, 409)
    assert "暂不接受服务" in second.message
    with Session(engine) as s:
        assert s.exec(select(func.count()).where(Visit.need_id == need_id)).one() == 0


def test_volunteering_and_accepting_at_once_keep_to_the_experts_places(
    engine: Engine, session: Session, world: World
) -> None:
    """The expert has one place left: volunteering for one need and accepting another cannot both take it."""
    need = _second_need(session, world)
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.yearly_capacity = 1
    session.add(expert)
    session.commit()
    account = _as(world, Role.expert)
    need_id, visit_id = need.id or 0, world.visit.id or 0

    first, second = race(
        engine,
        lambda s: visits.propose_visit(session=s, actor=account, need_id=need_id, expert_id=None),
        lambda s: visits.act_on_visit(session=s, actor=account, visit_id=visit_id, action="accept"),
    )
    assert (first.status, second.status) == (200, 409)
    assert "本年度服务名额已满（1/1）" in second.message
    with Session(engine) as s:
        assert experts.places_used(s, world.expert.id or 0, YEAR) == 1


# ---- double submits ----------------------------------------------------------------------------------------


def test_the_same_proposal_posted_twice_at_once_is_stored_once(engine: Engine, session: Session, world: World) -> None:
    expert_id = _expert(session, "刘农").id or 0
    official = _as(world, Role.district_official)
    need_id = world.need.id or 0

    def propose(s: Session) -> object:
        return visits.propose_visit(session=s, actor=official, need_id=need_id, expert_id=expert_id)

    first, second = race(engine, propose, propose)
    assert (first.status, second.status) == (200, 409)
    assert second.message == "专家刘农已安排在该需求中"
    with Session(engine) as s:
        assert s.exec(select(func.count()).where(Visit.need_id == need_id, Visit.expert_id == expert_id)).one() == 1


def test_a_need_posted_twice_at_once_is_stored_once(engine: Engine, world: World) -> None:
    unit = _as(world, Role.unit)
    data = NeedCreate(title="果园滴灌改造咨询", service_type="技术服务")

    def post(s: Session) -> object:
        return needs.create_need(session=s, actor=unit, data=data)

    first, second = race(engine, post, post)
    assert (first.status, second.status) == (200, 409)
    assert second.message == "本单位已有标题为“果园滴灌改造咨询”的需求"
    with Session(engine) as s:
        assert s.exec(select(func.count()).where(Need.title == "果园滴灌改造咨询")).one() == 1


def test_a_contact_logged_twice_at_once_is_stored_once(engine: Engine, world: World) -> None:
    leader = _as(world, Role.leader)
    data = ContactCreate(liaison_id=world.liaison.id or 0, date=clock.today(), mode="交流座谈", summary="座谈科研平台")

    def log(s: Session) -> object:
        return liaisons.log_contact(session=s, actor=leader, data=data)

    first, second = race(engine, log, log)
    assert (first.status, second.status) == (200, 409)
    assert second.message == "这次联系已经登记过了"
    with Session(engine) as s:
        assert s.exec(select(func.count()).where(Contact.summary == "座谈科研平台")).one() == 1


def test_a_concern_raised_twice_at_once_is_stored_once(engine: Engine, world: World) -> None:
    leader = _as(world, Role.leader)
    data = ConcernCreate(contact_id=world.contact.id or 0, category="住房", content="人才公寓申请进度")

    def raise_(s: Session) -> object:
        return liaisons.raise_concern(session=s, actor=leader, data=data)

    first, second = race(engine, raise_, raise_)
    assert (first.status, second.status) == (200, 409)
    assert second.message == "这次联系中已登记过同样的诉求"
    with Session(engine) as s:
        assert s.exec(select(func.count()).where(Concern.content == "人才公寓申请进度")).one() == 1


def test_a_concern_answered_twice_at_once_keeps_the_first_reply(engine: Engine, session: Session, world: World) -> None:
    today = clock.today()
    concern = Concern(
        contact_id=world.contact.id,
        liaison_id=world.liaison.id or 0,
        expert_id=world.expert.id or 0,
        category="住房",
        content="人才公寓申请进度",
        department="市住建局",
        raised_on=today,
        due_date=today + timedelta(days=30),
    )
    session.add(concern)
    session.commit()
    concern_id = concern.id or 0
    city = _as(world, Role.city_official)

    def reply(text: str) -> object:
        data = ConcernReply(reply=text)
        return lambda s: liaisons.reply_concern(session=s, actor=city, concern_id=concern_id, data=data)

    first, second = race(engine, reply("已安排入住"), reply("正在审核"))
    assert (first.status, second.status) == (200, 409)
    stored = _fresh(engine, Concern, concern_id)
    assert stored.reply == "已安排入住"


def test_a_concern_rated_twice_at_once_keeps_the_first_rating(engine: Engine, session: Session, world: World) -> None:
    today = clock.today()
    concern = Concern(
        contact_id=world.contact.id,
        liaison_id=world.liaison.id or 0,
        expert_id=world.expert.id or 0,
        category="住房",
        content="人才公寓申请进度",
        department="市住建局",
        raised_on=today,
        due_date=today + timedelta(days=30),
        status=ConcernStatus.answered,
        reply="已安排入住",
        replied_on=today,
    )
    session.add(concern)
    session.commit()
    concern_id = concern.id or 0
    expert = _as(world, Role.expert)

    def rate(stars: int) -> object:
        data = ConcernRate(satisfaction=stars)
        return lambda s: liaisons.rate_concern(session=s, actor=expert, concern_id=concern_id, data=data)

    first, second = race(engine, rate(5), rate(2))
    assert (first.status, second.status) == (200, 409)
    assert second.message == "该诉求已评价并办结，不能重复评价"
    assert _fresh(engine, Concern, concern_id).satisfaction == 5


# ---- needs: one review at a time ---------------------------------------------------------------------------


def test_a_need_approved_and_rejected_at_once_takes_one_decision(
    engine: Engine, session: Session, world: World
) -> None:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.status = NeedStatus.submitted
    session.add(need)
    session.commit()
    need_id = need.id or 0
    district, city = _as(world, Role.district_official), _as(world, Role.city_official)

    first, second = race(
        engine,
        lambda s: needs.change_need_state(session=s, actor=district, need_id=need_id, action="approve"),
        lambda s: needs.change_need_state(session=s, actor=city, need_id=need_id, action="reject", note="请补充面积"),
    )
    assert (first.status, second.status) == (200, 409)
    assert "征集中" in second.message
    stored = _fresh(engine, Need, need_id)
    assert stored.status == NeedStatus.open
    assert stored.review_note == ""


def test_a_unit_cannot_edit_a_need_being_approved(engine: Engine, session: Session, world: World) -> None:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.status = NeedStatus.submitted
    session.add(need)
    session.commit()
    need_id = need.id or 0
    district, unit = _as(world, Role.district_official), _as(world, Role.unit)

    first, second = race(
        engine,
        lambda s: needs.change_need_state(session=s, actor=district, need_id=need_id, action="approve"),
        lambda s: needs.update_need(session=s, actor=unit, need_id=need_id, data=NeedUpdate(title="未经审核的标题")),
    )
    assert (first.status, second.status) == (200, 409)
    stored = _fresh(engine, Need, need_id)
    assert stored.title == "电商直播培训"


# ---- campaigns ---------------------------------------------------------------------------------------------


def test_a_publish_racing_the_same_manual_proposal_publishes_nothing(
    engine: Engine, session: Session, world: World
) -> None:
    expert_id = _expert(session, "周果").id or 0
    need_id = world.need.id or 0
    campaign = Campaign(name="春季下基层", district=DISTRICT, year=YEAR, need_ids=[need_id], expert_ids=[expert_id])
    session.add(campaign)
    session.commit()
    session.add(CampaignPair(campaign_id=campaign.id or 0, need_id=need_id, expert_id=expert_id, score=0.5))
    session.commit()
    campaign_id = campaign.id or 0
    official, city = _as(world, Role.district_official), _as(world, Role.city_official)

    first, second = race(
        engine,
        lambda s: visits.propose_visit(session=s, actor=official, need_id=need_id, expert_id=expert_id),
        lambda s: campaigns.publish_campaign(session=s, actor=city, campaign_id=campaign_id),
    )
    assert (first.status, second.status) == (200, 409)
    assert second.message.startswith("发布未完成（未作任何改动）：需求“猕猴桃溃疡病综合防治技术指导”—专家周果")
    with Session(engine) as s:
        rows = s.exec(select(Visit).where(Visit.need_id == need_id, Visit.expert_id == expert_id)).all()
        assert [(v.origin, v.campaign_id) for v in rows] == [(VisitOrigin.official, None)]
        stored = s.get(Campaign, campaign_id)
        assert stored is not None
        assert stored.status == "draft"


# ---- leaders' pairs ----------------------------------------------------------------------------------------


def test_one_expert_paired_with_two_leaders_at_once_is_paired_once(
    engine: Engine, session: Session, world: World
) -> None:
    expert_id = _expert(session, "吴院士", talent_tier="院士").id or 0
    other = Leader(name="钱书记", rank="常委", portfolio=["210"])
    session.add(other)
    session.commit()
    city = _as(world, Role.city_official)
    leaders = (world.leader.id or 0, other.id or 0)

    def pair(leader_id: int) -> object:
        data = LiaisonCreate(leader_id=leader_id, expert_id=expert_id, year=YEAR)
        return lambda s: liaisons.create_liaison(session=s, actor=city, data=data)

    first, second = race(engine, pair(leaders[0]), pair(leaders[1]))
    assert (first.status, second.status) == (200, 409)
    assert second.message == f"吴院士在{YEAR}年已由其他领导联系"
    with Session(engine) as s:
        assert s.exec(select(func.count()).where(Liaison.expert_id == expert_id)).one() == 1


def test_a_leaders_last_place_is_taken_once(engine: Engine, session: Session, world: World) -> None:
    """常委 pair with at most 4 experts: with 3 already, two pairs made at once cannot both be stored."""
    for n in range(2):
        expert = _expert(session, f"已联系专家{n}")
        session.add(Liaison(leader_id=world.leader.id or 0, expert_id=expert.id or 0, year=YEAR, confirmed=True))
    session.commit()
    newcomers = [_expert(session, f"新专家{n}").id or 0 for n in range(2)]
    city = _as(world, Role.city_official)
    leader_id = world.leader.id or 0

    def pair(expert_id: int) -> object:
        data = LiaisonCreate(leader_id=leader_id, expert_id=expert_id, year=YEAR)
        return lambda s: liaisons.create_liaison(session=s, actor=city, data=data)

    first, second = race(engine, pair(newcomers[0]), pair(newcomers[1]))
    assert (first.status, second.status) == (200, 409)
    assert "已达上限 4 位" in second.message
    with Session(engine) as s:
        assert liaisons.pairs_in_year(s, leader_id, YEAR) == 4


# ---- a unique key the database refuses ---------------------------------------------------------------------


def _duplicate_unit(engine: Engine) -> None:
    """What a double submit that raced past a check does: the database refuses the second row."""
    with Session(engine) as session:
        session.add(Unit(name="重复提交的单位", kind="村", district=DISTRICT))
        session.commit()
        session.add(Unit(name="重复提交的单位", kind="村", district=DISTRICT))
        session.commit()


def test_a_unique_key_refused_by_the_database_is_a_chinese_409(engine: Engine) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from service.app import _install_error_handlers

    app = FastAPI()
    _install_error_handlers(app)
    app.get("/api/v1/twice")(lambda: _duplicate_unit(engine))
    app.get("/twice")(lambda: _duplicate_unit(engine))
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/v1/twice")
        page = client.get("/twice")
    assert api.status_code == 409
    assert api.json() == {"detail": DUPLICATE_WRITE, "code": "conflict"}
    assert page.status_code == 409
    assert "text/html" in page.headers["content-type"]
    assert DUPLICATE_WRITE in page.text


def test_a_leaders_last_place_taken_while_the_planner_confirms(engine: Engine, session: Session, world: World) -> None:
    """A pair made by hand and the planner's confirmation for the same leader at once keep to the rank's limit."""
    for n in range(2):
        expert = _expert(session, f"已联系专家{n}")
        session.add(Liaison(leader_id=world.leader.id or 0, expert_id=expert.id or 0, year=YEAR, confirmed=True))
    session.commit()
    by_hand, planned = (_expert(session, f"新专家{n}").id or 0 for n in range(2))
    city = _as(world, Role.city_official)
    leader_id = world.leader.id or 0
    pair = LiaisonCreate(leader_id=leader_id, expert_id=by_hand, year=YEAR)
    plan = ConfirmRequest(year=YEAR, pairs=[ConfirmPair(leader_id=leader_id, expert_id=planned, score=0.5)])

    first, second = race(
        engine,
        lambda s: liaisons.create_liaison(session=s, actor=city, data=pair),
        lambda s: liaison_planning.confirm(session=s, actor=city, data=plan),
    )
    assert (first.status, second.status) == (200, 200)
    assert second.value.created == []
    assert [c.reason for c in second.value.conflicts] == [f"赵市长（常委）{YEAR}年已联系 4 位专家，已达上限 4 位"]
    with Session(engine) as s:
        assert liaisons.pairs_in_year(s, leader_id, YEAR) == 4
