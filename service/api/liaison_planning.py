"""/api/v1/liaisons/plan — the leader–expert liaison planner (市委组织部 only)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.api.deps import CityOfficial, SessionDep
from service.domain import liaison_planning as service
from service.domain.liaison_planning import ConfirmRequest, ConfirmResult, LiaisonProposal, PlanRequest

router = APIRouter(prefix="/liaisons/plan", tags=["liaisons 领导干部联系专家"])


@router.post("", summary="生成领导联系专家建议方案（不保存）")
def plan_liaisons(request: Request, session: SessionDep, actor: CityOfficial, body: PlanRequest) -> LiaisonProposal:
    return service.plan(session=session, actor=actor, matcher=request.app.state.matcher, year=body.year)


@router.post("/confirm", status_code=201, summary="确认方案：保存为本年度联系关系（已有的保持不变，冲突逐条报告）")
def confirm_liaisons(session: SessionDep, actor: CityOfficial, body: ConfirmRequest) -> ConfirmResult:
    return service.confirm(session=session, actor=actor, data=body)
