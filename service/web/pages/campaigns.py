"""The campaign planner 千名专家下基层: select, solve, lock or remove pairs, re-run, publish, follow answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service import clock
from service.api.deps import SessionDep
from service.api.paging import PathId
from service.domain import campaigns as campaign_service
from service.domain.access import district_scope
from service.errors import AppError
from service.models import Account
from service.models.campaign import CampaignCreate, CampaignDetail
from service.reference import district_name, districts
from service.vocab import SERVICE_TYPES, Role
from service.web.forms import FORM_ERROR, FormState, form_values, parse_into
from service.web.matching_view import matcher_of
from service.web.routing import PageRoute
from service.web.session import PostedForm, page_guard
from service.web.templating import render

router = APIRouter(prefix="/official/campaigns", route_class=PageRoute, include_in_schema=False)
OfficialAccount = Annotated[Account, page_guard(Role.district_official, Role.city_official)]

CREATE_FIELDS = ("name", "year", "need_district", "need_field", "service_type", "expert_district", "expert_field")
PAIR_ACTIONS = ("lock", "unlock", "remove")
PAIRS_PER_PAGE = 100


def _need_districts(account: Account) -> list[tuple[str, str]]:
    """The districts whose needs the account may put in a campaign: a district official's own, or all."""
    scope = district_scope(account)
    if scope is not None:
        return [(scope, district_name(scope))]
    return [(code, d.name) for code, d in districts().items()]


def _list_page(
    request: Request, session: SessionDep, account: Account, state: FormState, status_code: int = 200
) -> Response:
    rows, total = campaign_service.list_campaigns(
        session=session, viewer=account, year=None, limit=50, offset=0, sort=None
    )
    return render(
        request,
        "official/campaigns.html",
        {
            "campaigns": rows,
            "total": total,
            "form": state,
            "service_types": SERVICE_TYPES,
            "need_districts": _need_districts(account),
        },
        account=account,
        status_code=status_code,
    )


@router.get("")
def campaigns(request: Request, session: SessionDep, account: OfficialAccount) -> Response:
    values = {"year": str(clock.today().year), "need_district": district_scope(account) or ""}
    return _list_page(request, session, account, FormState(values=values))


@router.post("")
def create(request: Request, session: SessionDep, account: OfficialAccount, form: PostedForm) -> Response:
    state = FormState(values=form_values(form, CREATE_FIELDS))
    v = state.values
    data = {
        "name": v["name"],
        "year": v["year"],
        "needs": {
            k: val
            for k, val in (
                ("district", v["need_district"]),
                ("field", v["need_field"]),
                ("service_type", v["service_type"]),
            )
            if val
        },
        "experts": {k: val for k, val in (("district", v["expert_district"]), ("field", v["expert_field"])) if val},
    }
    if v["need_district"]:
        # a campaign for one district's needs is that district's (its official sees and steers it, and the
        # solver's per-district coverage rule is for city-wide campaigns only); a district official's always is
        data["district"] = v["need_district"]
    body = parse_into(CampaignCreate, data, state, labels={"name": "活动名称", "year": "年度"})
    if body is not None:
        try:
            created = campaign_service.create_campaign(session=session, actor=account, data=body)
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            return RedirectResponse(f"/official/campaigns/{created.id}?msg=campaign_created", status_code=303)
    return _list_page(request, session, account, state, status_code=422)


@router.get("/{campaign_id}")
def detail(
    request: Request, session: SessionDep, account: OfficialAccount, campaign_id: PathId, page: int = 1
) -> Response:
    return _detail_page(request, session, account, campaign_id, page)


def _detail_page(
    request: Request,
    session: SessionDep,
    account: Account,
    campaign_id: int,
    page: int = 1,
    error: AppError | None = None,
) -> Response:
    """The campaign with one page of its pairs; a refused step (run, publish, adjust) is shown above them,
    on the campaign's own page, with the step's status code."""

    # a city-wide campaign holds thousands of pairs: the page reads and shows them PAIRS_PER_PAGE at a time
    def read(page: int) -> CampaignDetail:
        return campaign_service.get_campaign(
            session=session,
            viewer=account,
            campaign_id=campaign_id,
            pairs_limit=PAIRS_PER_PAGE,
            pairs_offset=(page - 1) * PAIRS_PER_PAGE,
        )

    page = max(page, 1)
    campaign = read(page)
    pages = max(1, -(-campaign.pair_count // PAIRS_PER_PAGE))
    if page > pages:
        page = pages
        campaign = read(page)
    return render(
        request,
        "official/campaign.html",
        {"campaign": campaign, "pairs": campaign.pairs, "page": page, "pages": pages, "error": error},
        account=account,
        status_code=error.status_code if error else 200,
    )


@router.post("/{campaign_id}/run")
def run(
    request: Request, session: SessionDep, account: OfficialAccount, form: PostedForm, campaign_id: PathId
) -> Response:
    try:
        campaign_service.run_campaign(
            session=session, actor=account, matcher=matcher_of(request), campaign_id=campaign_id
        )
    except AppError as error:
        session.rollback()
        return _detail_page(request, session, account, campaign_id, error=error)
    return RedirectResponse(f"/official/campaigns/{campaign_id}?msg=campaign_ran", status_code=303)


@router.post("/{campaign_id}/publish")
def publish(
    request: Request, session: SessionDep, account: OfficialAccount, form: PostedForm, campaign_id: PathId
) -> Response:
    try:
        campaign_service.publish_campaign(session=session, actor=account, campaign_id=campaign_id)
    except AppError as error:
        session.rollback()
        return _detail_page(request, session, account, campaign_id, error=error)
    return RedirectResponse(f"/official/campaigns/{campaign_id}?msg=campaign_published", status_code=303)


@router.post("/{campaign_id}/pairs/{pair_id}/{action}")
def adjust(
    request: Request,
    session: SessionDep,
    account: OfficialAccount,
    form: PostedForm,
    campaign_id: PathId,
    pair_id: PathId,
    action: str,
) -> Response:
    if action not in PAIR_ACTIONS:
        return RedirectResponse(f"/official/campaigns/{campaign_id}", status_code=303)
    page = str(form.get("page") or "1")
    try:
        campaign_service.adjust_pair(
            session=session, actor=account, campaign_id=campaign_id, pair_id=pair_id, action=action
        )
    except AppError as error:
        session.rollback()
        return _detail_page(request, session, account, campaign_id, int(page) if page.isdigit() else 1, error)
    back = f"page={page}&" if page.isdigit() and page != "1" else ""
    return RedirectResponse(
        f"/official/campaigns/{campaign_id}?{back}msg=campaign_adjusted#pair-{pair_id}", status_code=303
    )
