"""Pages of a grassroots unit 基层单位: post a need, follow its visits, confirm and rate them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service.api.deps import SessionDep
from service.api.paging import PathId
from service.domain import matching
from service.domain import needs as need_service
from service.domain import visits as visit_service
from service.domain.needs import NeedFilters
from service.domain.visits import VisitFilters
from service.errors import AppError, Conflict
from service.matcher import MATCHABLE_NEEDS
from service.models import Account
from service.models.need import NeedCreate, NeedPublic, NeedUpdate
from service.models.visit import VisitRating
from service.vocab import SERVICE_TYPES, NeedStatus, Role
from service.web.contacts import expert_phones
from service.web.forms import FORM_ERROR, FormState, form_values, parse_into, posted_version
from service.web.matching_view import matcher_of
from service.web.routing import PageRoute
from service.web.session import PostedForm, page_guard
from service.web.templating import need_state, render
from service.web.text import NEED_NOT_EDITABLE

router = APIRouter(prefix="/unit", route_class=PageRoute, include_in_schema=False)
UnitAccount = Annotated[Account, page_guard(Role.unit)]

NEED_FIELDS = (
    "title",
    "description",
    "service_type",
    "field",
    "wanted_from",
    "wanted_to",
    "experts_wanted",
    "contact_name",
    "contact_phone",
)
NEED_LABELS = {
    "title": "需求标题",
    "service_type": "服务类型",
    "contact_name": "本需求联系人",
    "contact_phone": "联系人电话",
}
PAGE_SIZE = 20


@router.get("/needs")
def my_needs(request: Request, session: SessionDep, account: UnitAccount, status: str = "", page: int = 1) -> Response:
    page = max(page, 1)
    rows, total = need_service.list_needs(
        session=session,
        viewer=account,
        filters=NeedFilters(status=status or None),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        sort=None,
    )
    return render(
        request,
        "unit/needs.html",
        {"needs": rows, "total": total, "status": status, "page": page, "pages": -(-total // PAGE_SIZE)},
        account=account,
    )


def _need_form(
    request: Request, account: Account, state: FormState, status_code: int = 200, need: NeedPublic | None = None
) -> Response:
    """The need form: blank for a new need, or `need`'s own form to edit it (unit/need_form.html serves both)."""
    return render(
        request,
        "unit/need_form.html",
        {"form": state, "service_types": SERVICE_TYPES, "need": need},
        account=account,
        status_code=status_code,
    )


@router.get("/needs/new")
def new_need(request: Request, account: UnitAccount) -> Response:
    return _need_form(request, account, FormState(values={"experts_wanted": "1"}))


@router.post("/needs/new")
def post_need(request: Request, session: SessionDep, account: UnitAccount, form: PostedForm) -> Response:
    state = FormState(values=form_values(form, NEED_FIELDS))
    data = parse_into(NeedCreate, state.values, state, labels=NEED_LABELS)
    if data is None:
        return _need_form(request, account, state, status_code=422)
    data.submit = form.get("action") == "submit"
    try:
        need = need_service.create_need(session=session, actor=account, data=data)
    except AppError as error:
        state.add(error.field or FORM_ERROR, error.message)
        return _need_form(request, account, state, status_code=error.status_code)
    notice = "need_submitted" if data.submit else "need_saved"
    return RedirectResponse(f"/unit/needs/{need.id}?msg={notice}", status_code=303)


def _need_page(
    request: Request,
    session: SessionDep,
    account: Account,
    need_id: int,
    rating_form: FormState | None = None,
    rating_visit: int | None = None,
    return_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    need = need_service.get_need(session=session, viewer=account, need_id=need_id)
    visits, _ = visit_service.list_visits(
        session=session,
        viewer=account,
        filters=VisitFilters(need_id=need_id),
        limit=100,
        offset=0,
        sort="created_at",
    )
    candidates = None
    if need.status in MATCHABLE_NEEDS:
        candidates = matching.candidates_for_need(
            session=session, viewer=account, matcher=matcher_of(request), need_id=need_id, k=5
        )
    return render(
        request,
        "unit/need_detail.html",
        {
            "need": need,
            "visits": visits,
            "expert_phones": expert_phones(session, account, visits),
            "candidates": candidates,
            "rating_form": rating_form or FormState(),
            "blank_form": FormState(),
            "rating_visit": rating_visit,
            # the return form's errors belong to the visit the rating form names (one form in error at a time)
            "return_form": return_form or FormState(),
            "can_submit": need.status == NeedStatus.draft,
            "can_edit": need.status in need_service.TRANSITIONS["edit_by_unit"],
            "can_withdraw": need.status in need_service.TRANSITIONS["withdraw"],
        },
        account=account,
        status_code=status_code,
    )


@router.get("/needs/{need_id}")
def need_detail(request: Request, session: SessionDep, account: UnitAccount, need_id: PathId) -> Response:
    return _need_page(request, session, account, need_id)


def _editable_need(session: SessionDep, account: Account, need_id: int) -> NeedPublic:
    """The unit's need, if it is still in a state the unit may edit (draft or submitted)."""
    need = need_service.get_need(session=session, viewer=account, need_id=need_id)
    allowed = need_service.TRANSITIONS["edit_by_unit"]
    if need.status not in allowed:
        states = "、".join(need_state(s) for s in allowed)
        raise Conflict(NEED_NOT_EDITABLE.format(now=need_state(need.status), allowed=states))
    return need


def _values_of(need: NeedPublic) -> dict[str, str]:
    """The need's stored values as the form shows them."""
    return {
        "title": need.title,
        "description": need.description,
        "service_type": need.service_type,
        "field": need.field or "",
        "wanted_from": need.wanted_from.isoformat() if need.wanted_from else "",
        "wanted_to": need.wanted_to.isoformat() if need.wanted_to else "",
        "experts_wanted": str(need.experts_wanted),
        "contact_name": need.contact_name,
        "contact_phone": need.contact_phone or "",
        "version": str(need.version),
    }


@router.get("/needs/{need_id}/edit")
def edit_need(request: Request, session: SessionDep, account: UnitAccount, need_id: PathId) -> Response:
    need = _editable_need(session, account, need_id)
    return _need_form(request, account, FormState(values=_values_of(need)), need=need)


@router.post("/needs/{need_id}/edit")
def save_need(
    request: Request, session: SessionDep, account: UnitAccount, form: PostedForm, need_id: PathId
) -> Response:
    need = _editable_need(session, account, need_id)
    state = FormState(values=form_values(form, (*NEED_FIELDS, "version")))
    # Checked as a new need would be (required fields, dates in order), then every field is written: a field
    # the unit emptied is cleared, not left as it was.
    checked = parse_into(NeedCreate, state.values, state, labels=NEED_LABELS)
    if checked is None:
        return _need_form(request, account, state, status_code=422, need=need)
    changes = NeedUpdate.model_validate(checked.model_dump(include=set(NEED_FIELDS)))
    changes.version = posted_version(state.values["version"])
    submit = form.get("action") == "submit" and need.status == NeedStatus.draft
    try:
        # 保存并提交审核 is one transaction: a refused submission keeps the need as it was, not half-saved
        need_service.update_need(session=session, actor=account, need_id=need_id, data=changes, commit=not submit)
        if submit:
            need_service.change_need_state(session=session, actor=account, need_id=need_id, action="submit")
    except AppError as error:
        session.rollback()
        state.add(error.field or FORM_ERROR, error.message)
        return _need_form(request, account, state, status_code=error.status_code, need=need)
    notice = "need_submitted" if submit else "need_updated"
    return RedirectResponse(f"/unit/needs/{need_id}?msg={notice}", status_code=303)


@router.post("/needs/{need_id}/submit")
def submit_need(session: SessionDep, account: UnitAccount, form: PostedForm, need_id: PathId) -> Response:
    need_service.change_need_state(session=session, actor=account, need_id=need_id, action="submit")
    return RedirectResponse(f"/unit/needs/{need_id}?msg=need_submitted", status_code=303)


@router.post("/needs/{need_id}/withdraw")
def withdraw_need(session: SessionDep, account: UnitAccount, form: PostedForm, need_id: PathId) -> Response:
    need_service.change_need_state(session=session, actor=account, need_id=need_id, action="withdraw")
    return RedirectResponse(f"/unit/needs/{need_id}?msg=need_withdrawn", status_code=303)


@router.post("/visits/{visit_id}/return")
def return_visit(
    request: Request, session: SessionDep, account: UnitAccount, form: PostedForm, visit_id: PathId
) -> Response:
    """记录不符，退回: the unit sends a service record it does not recognise back, with its reason."""
    visit = visit_service.get_visit(session=session, viewer=account, visit_id=visit_id)
    state = FormState(values=form_values(form, ("reason",)))
    try:
        visit_service.act_on_visit(
            session=session, actor=account, visit_id=visit_id, action="return", reason=state.values.get("reason", "")
        )
    except AppError as error:
        state.add(error.field or FORM_ERROR, error.message)
    else:
        return RedirectResponse(f"/unit/needs/{visit.need_id}?msg=visit_returned", status_code=303)
    return _need_page(
        request, session, account, visit.need_id, rating_visit=visit_id, return_form=state, status_code=422
    )


@router.post("/visits/{visit_id}/confirm")
def confirm_visit(
    request: Request, session: SessionDep, account: UnitAccount, form: PostedForm, visit_id: PathId
) -> Response:
    visit = visit_service.get_visit(session=session, viewer=account, visit_id=visit_id)
    state = FormState(values=form_values(form, ("rating", "comment")))
    rating = parse_into(VisitRating, state.values, state)
    if rating is not None:
        try:
            visit_service.act_on_visit(
                session=session, actor=account, visit_id=visit_id, action="confirm", rating=rating
            )
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            return RedirectResponse(f"/unit/needs/{visit.need_id}?msg=visit_confirmed", status_code=303)
    if "rating" in state.errors and not state.values.get("rating"):
        state.errors["rating"] = "请选择 1–5 星评分"
    return _need_page(
        request, session, account, visit.need_id, rating_form=state, rating_visit=visit_id, status_code=422
    )
