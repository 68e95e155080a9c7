"""/api/v1/campaigns — 千名专家下基层: select, solve, adjust, publish, re-fill."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.api.deps import SessionDep, guard
from service.api.paging import Limit, Offset, PathId, Sort, YearFilter
from service.domain import campaigns as service
from service.models import Account
from service.models.campaign import CampaignCreate, CampaignDetail, CampaignPairPublic, CampaignPublic
from service.models.common import Page
from service.vocab import Role

router = APIRouter(prefix="/campaigns", tags=["campaigns 千名专家下基层"])
Officials = Annotated[Account, guard(Role.district_official, Role.city_official)]


@router.get("", summary="活动列表（区县组织部门仅本辖区）")
def list_campaigns(
    session: SessionDep,
    viewer: Officials,
    year: YearFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[CampaignPublic]:
    rows, total = service.list_campaigns(
        session=session, viewer=viewer, year=year, limit=limit, offset=offset, sort=sort
    )
    return Page(data=rows, count=total)


@router.post("", status_code=201, summary="新建活动并选定需求与专家")
def create_campaign(session: SessionDep, actor: Officials, body: CampaignCreate) -> CampaignDetail:
    return service.create_campaign(session=session, actor=actor, data=body)


PairsLimit = Annotated[int, Query(ge=0, le=1000, description="详情中附带的配对条数（0 = 只看汇总）")]


@router.get("/{campaign_id}", summary="活动详情：配对方案（一页）与专家确认情况")
def get_campaign(
    session: SessionDep,
    viewer: Officials,
    campaign_id: PathId,
    pairs_limit: PairsLimit = service.DETAIL_PAIRS,
    pairs_offset: Offset = 0,
) -> CampaignDetail:
    return service.get_campaign(
        session=session, viewer=viewer, campaign_id=campaign_id, pairs_limit=pairs_limit, pairs_offset=pairs_offset
    )


@router.get("/{campaign_id}/pairs", summary="活动的配对，分页（按生成先后；removed=true 为已移除的）")
def list_pairs(
    session: SessionDep,
    viewer: Officials,
    campaign_id: PathId,
    removed: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[CampaignPairPublic]:
    rows, total = service.list_pairs(
        session=session, viewer=viewer, campaign_id=campaign_id, removed=removed, limit=limit, offset=offset
    )
    return Page(data=rows, count=total)


@router.post("/{campaign_id}/run", summary="运行匹配（保留锁定与已发布的配对，补足空缺名额）")
def run_campaign(request: Request, session: SessionDep, actor: Officials, campaign_id: PathId) -> CampaignDetail:
    return service.run_campaign(
        session=session, actor=actor, matcher=request.app.state.matcher, campaign_id=campaign_id
    )


@router.post("/{campaign_id}/pairs/{pair_id}/lock", summary="锁定配对（重新匹配时保留）")
def lock_pair(session: SessionDep, actor: Officials, campaign_id: PathId, pair_id: PathId) -> CampaignPairPublic:
    return service.adjust_pair(session=session, actor=actor, campaign_id=campaign_id, pair_id=pair_id, action="lock")


@router.post("/{campaign_id}/pairs/{pair_id}/unlock", summary="解除锁定")
def unlock_pair(session: SessionDep, actor: Officials, campaign_id: PathId, pair_id: PathId) -> CampaignPairPublic:
    return service.adjust_pair(session=session, actor=actor, campaign_id=campaign_id, pair_id=pair_id, action="unlock")


@router.post("/{campaign_id}/pairs/{pair_id}/remove", summary="移除配对（本活动不再推荐该专家服务该需求）")
def remove_pair(session: SessionDep, actor: Officials, campaign_id: PathId, pair_id: PathId) -> CampaignPairPublic:
    return service.adjust_pair(session=session, actor=actor, campaign_id=campaign_id, pair_id=pair_id, action="remove")


@router.post("/{campaign_id}/publish", summary="发布方案：未发布的配对成为待专家确认的服务")
def publish_campaign(session: SessionDep, actor: Officials, campaign_id: PathId) -> CampaignDetail:
    return service.publish_campaign(session=session, actor=actor, campaign_id=campaign_id)
