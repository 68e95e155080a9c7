"""Pages of an expert 专家: recommendations, finding needs, answering invitations, recording services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from search.query import SearchResult
from service.api.deps import SessionDep
from service.api.paging import PathId
from service.domain import experts as expert_service
from service.domain import liaisons as liaison_service
from service.domain import matching
from service.domain import needs as need_service
from service.domain import search as search_service
from service.domain import visits as visit_service
from service.domain.needs import NeedFilters
from service.domain.visits import VisitFilters
from service.errors import AppError, InvalidInput
from service.models import Account
from service.models.expert import ExpertUpdate
from service.models.leader import ConcernRate
from service.models.visit import ServiceRecord, VisitDecline
from service.validation import check_document
from service.vocab import SERVICE_TYPES, Role, VisitStatus
from service.web.forms import FORM_ERROR, FormState, form_values, parse_into, posted_version
from service.web.matching_view import matcher_of
from service.web.routing import PageRoute
from service.web.scheduling import schedule_state, schedule_visit
from service.web.session import PostedForm, page_guard
from service.web.templating import render

router = APIRouter(prefix="/expert", route_class=PageRoute, include_in_schema=False)
ExpertAccount = Annotated[Account, page_guard(Role.expert)]

RECORD_FIELDS = ("service_date", "service_days", "content", "people_trained", "technologies", "problems_solved")
PROFILE_FIELDS = ("employer", "title", "phone", "specialties", "field_labels")
#: The parts of one document (成果与经历) on the profile form: inputs doc_kind, doc_title, doc_text, one per row.
DOCUMENT_PARTS = ("kind", "title", "text")
#: Kinds offered as the document's 类别 is typed (any other of up to 10 characters is kept as typed).
DOCUMENT_KINDS = ("项目", "论文", "专利", "获奖", "著作", "标准", "服务记录")
PER_PAGE = 10


def _expert_id(account: Account) -> int:
    if account.expert_id is None:
        raise InvalidInput("账号未关联专家信息，请联系组织部门")
    return account.expert_id


@router.get("")
def recommended(request: Request, session: SessionDep, account: ExpertAccount) -> Response:
    expert = expert_service.get_expert(session=session, viewer=account, expert_id=_expert_id(account))
    recommendations = matching.recommendations_for_expert(
        session=session, viewer=account, matcher=matcher_of(request), expert_id=_expert_id(account), k=10
    )
    invitations, _ = visit_service.list_visits(
        session=session,
        viewer=account,
        filters=VisitFilters(status=VisitStatus.proposed),
        limit=20,
        offset=0,
        sort=None,
    )
    return render(
        request,
        "expert/home.html",
        {"expert": expert, "recommendations": recommendations, "invitations": invitations},
        account=account,
    )


@router.get("/needs")
def find_needs(
    request: Request,
    session: SessionDep,
    account: ExpertAccount,
    q: str = "",
    district: str = "",
    field: str = "",
    service_type: str = "",
    page: int = 1,
    exact: bool = False,
) -> Response:
    params = search_service.SearchParams(
        q=q.strip()[:200],
        district=district or None,
        field=field or None,
        service_type=service_type or None,
        page=max(page, 1),
        per_page=PER_PAGE,
        exact=exact,
    )
    result: SearchResult | None = None
    fallback = None
    try:
        result = search_service.search_needs(backend=request.app.state.search, viewer=account, params=params)
    except search_service.SearchUnavailable:
        # The database still answers when the search engine is down: a plain filtered list.
        rows, total = need_service.list_needs(
            session=session,
            viewer=account,
            filters=NeedFilters(district=params.district, field=params.field, service_type=params.service_type, q=q),
            limit=PER_PAGE,
            offset=(params.page - 1) * PER_PAGE,
            sort=None,
        )
        fallback = (rows, total)
    total = result.total if result else (fallback[1] if fallback else 0)
    return render(
        request,
        "expert/needs.html",
        {
            "q": q,
            "district": district,
            "field": field,
            "service_type": service_type,
            "service_types": SERVICE_TYPES,
            "exact": exact,
            "result": result,
            "fallback": fallback,
            "total": total,
            "page": params.page,
            "pages": -(-total // PER_PAGE),
        },
        account=account,
    )


def _involvement(session: SessionDep, account: Account, need_id: int) -> list[visit_service.VisitPublic]:
    rows, _ = visit_service.list_visits(
        session=session, viewer=account, filters=VisitFilters(need_id=need_id), limit=5, offset=0, sort=None
    )
    return rows


@router.get("/needs/{need_id}")
def need_detail(request: Request, session: SessionDep, account: ExpertAccount, need_id: PathId) -> Response:
    need = need_service.get_need(session=session, viewer=account, need_id=need_id)
    # a need whose wanted period is over is not open to volunteering (visits.propose_visit refuses it)
    period_over = need_service.period_over(need.wanted_to)
    refusal = visit_service.volunteer_refusal(session, _expert_id(account), need_id)  # as propose_visit refuses
    return render(
        request,
        "expert/need_detail.html",
        {
            "need": need,
            "my_visits": _involvement(session, account, need_id),
            "period_over": period_over,
            "volunteer_refusal": refusal,
        },
        account=account,
    )


@router.post("/needs/{need_id}/volunteer")
def volunteer(session: SessionDep, account: ExpertAccount, form: PostedForm, need_id: PathId) -> Response:
    visit = visit_service.propose_visit(session=session, actor=account, need_id=need_id, expert_id=None)
    return RedirectResponse(f"/expert/visits/{visit.id}?msg=visit_volunteered", status_code=303)


@router.get("/visits")
def my_visits(request: Request, session: SessionDep, account: ExpertAccount, status: str = "") -> Response:
    rows, total = visit_service.list_visits(
        session=session,
        viewer=account,
        filters=VisitFilters(status=status or None),
        limit=100,
        offset=0,
        sort=None,
    )
    return render(request, "expert/visits.html", {"visits": rows, "total": total, "status": status}, account=account)


def _visit_page(
    request: Request,
    session: SessionDep,
    account: Account,
    visit_id: int,
    *,
    decline: FormState | None = None,
    record: FormState | None = None,
    schedule: FormState | None = None,
    status_code: int = 200,
) -> Response:
    visit = visit_service.get_visit(session=session, viewer=account, visit_id=visit_id)
    need = need_service.get_need(session=session, viewer=account, need_id=visit.need_id)
    return render(
        request,
        "expert/visit.html",
        {
            "visit": visit,
            "need": need,
            "decline": decline or FormState(),
            "record": record or FormState(),
            "schedule": schedule or schedule_state(visit),
            "can_answer": visit.status == VisitStatus.proposed,
            "can_record": visit.status in (VisitStatus.accepted, VisitStatus.scheduled),
        },
        account=account,
        status_code=status_code,
    )


@router.get("/visits/{visit_id}")
def visit_detail(request: Request, session: SessionDep, account: ExpertAccount, visit_id: PathId) -> Response:
    return _visit_page(request, session, account, visit_id)


@router.post("/visits/{visit_id}/accept")
def accept(session: SessionDep, account: ExpertAccount, form: PostedForm, visit_id: PathId) -> Response:
    visit_service.act_on_visit(session=session, actor=account, visit_id=visit_id, action="accept")
    return RedirectResponse(f"/expert/visits/{visit_id}?msg=visit_accepted", status_code=303)


@router.post("/visits/{visit_id}/decline")
def decline(
    request: Request, session: SessionDep, account: ExpertAccount, form: PostedForm, visit_id: PathId
) -> Response:
    state = FormState(values=form_values(form, ("reason",)))
    if not state.values["reason"].strip():
        state.add("reason", "婉拒时请填写原因")
    body = parse_into(VisitDecline, state.values, state) if state.ok else None
    if body is not None:
        try:
            visit_service.act_on_visit(
                session=session, actor=account, visit_id=visit_id, action="decline", reason=body.reason
            )
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            return RedirectResponse(f"/expert/visits/{visit_id}?msg=visit_declined", status_code=303)
    return _visit_page(request, session, account, visit_id, decline=state, status_code=422)


@router.post("/visits/{visit_id}/schedule")
def schedule(
    request: Request, session: SessionDep, account: ExpertAccount, form: PostedForm, visit_id: PathId
) -> Response:
    state, status_code = schedule_visit(session=session, actor=account, visit_id=visit_id, form=form)
    if state.ok:
        return RedirectResponse(f"/expert/visits/{visit_id}?msg=visit_scheduled", status_code=303)
    return _visit_page(request, session, account, visit_id, schedule=state, status_code=status_code)


@router.post("/visits/{visit_id}/record")
def record_service(
    request: Request, session: SessionDep, account: ExpertAccount, form: PostedForm, visit_id: PathId
) -> Response:
    state = FormState(values=form_values(form, RECORD_FIELDS))
    body = parse_into(ServiceRecord, state.values, state, labels={"content": "服务内容"})
    if body is not None:
        try:
            visit_service.act_on_visit(session=session, actor=account, visit_id=visit_id, action="record", record=body)
        except AppError as error:
            state.add(error.field or FORM_ERROR, error.message)
        else:
            return RedirectResponse(f"/expert/visits/{visit_id}?msg=visit_recorded", status_code=303)
    return _visit_page(request, session, account, visit_id, record=state, status_code=422)


def _liaison_page(
    request: Request,
    session: SessionDep,
    account: Account,
    *,
    rating_failed: tuple[int, FormState] | None = None,
    status_code: int = 200,
) -> Response:
    liaisons, _ = liaison_service.list_liaisons(
        session=session, viewer=account, year=None, leader_id=None, overdue=None, limit=20, offset=0, sort="-year"
    )
    contacts, _ = liaison_service.list_contacts(
        session=session, viewer=account, liaison_id=None, limit=50, offset=0, sort=None
    )
    concerns, _ = liaison_service.list_concerns(
        session=session,
        viewer=account,
        status=None,
        department=None,
        overdue=None,
        limit=50,
        offset=0,
        sort=None,
    )
    return render(
        request,
        "expert/liaison.html",
        {"liaisons": liaisons, "contacts": contacts, "concerns": concerns, "rating_failed": rating_failed},
        account=account,
        status_code=status_code,
    )


@router.get("/liaison")
def liaison(request: Request, session: SessionDep, account: ExpertAccount) -> Response:
    return _liaison_page(request, session, account)


@router.post("/concerns/{concern_id}/rate")
def rate_concern(
    request: Request, session: SessionDep, account: ExpertAccount, form: PostedForm, concern_id: PathId
) -> Response:
    """满意度 1–5 for the reply to one of the expert's concerns, which closes it."""
    state = FormState(values=form_values(form, ("satisfaction",)))
    rating = parse_into(ConcernRate, state.values, state)
    status_code = 422
    if rating is not None:
        try:
            liaison_service.rate_concern(session=session, actor=account, concern_id=concern_id, data=rating)
        except AppError as error:
            state.add(FORM_ERROR, error.message)
            status_code = error.status_code
        else:
            return RedirectResponse(f"/expert/liaison?msg=concern_rated#concern-{concern_id}", status_code=303)
    if "satisfaction" in state.errors and not state.values["satisfaction"]:
        state.errors["satisfaction"] = "请选择 1–5 星满意度"
    return _liaison_page(request, session, account, rating_failed=(concern_id, state), status_code=status_code)


def _blank_document() -> dict[str, str]:
    return {"kind": "", "title": "", "text": "", "remove": ""}


def _typed_documents(form: FormData) -> list[dict[str, str]]:
    """The profile form's document rows as typed, in order (the row for a new one included), each with `remove`
    set when its 删除此项 was ticked."""
    kinds, titles, texts = ([v if isinstance(v, str) else "" for v in form.getlist(f"doc_{p}")] for p in DOCUMENT_PARTS)
    removed = {v for v in form.getlist("doc_remove") if isinstance(v, str)}
    return [
        {"kind": kind, "title": title, "text": text, "remove": "1" if str(row) in removed else ""}
        for row, (kind, title, text) in enumerate(zip(kinds, titles, texts, strict=False))
    ]


def _kept_documents(rows: list[dict[str, str]], state: FormState) -> list[dict[str, str]]:
    """The documents to store: rows neither ticked for removal nor left wholly blank, each checked and numbered
    as the form numbers it (its message goes beside it as doc-<n>)."""
    kept = []
    for n, row in enumerate(rows, start=1):
        document = {part: row[part] for part in DOCUMENT_PARTS}
        if row["remove"] or not any(value.strip() for value in document.values()):
            continue
        try:
            kept.append(check_document(document, n))
        except ValueError as error:
            state.add(f"doc-{n}", str(error))
    return kept


def _profile_page(
    request: Request, session: SessionDep, account: Account, state: FormState | None = None, status_code: int = 200
) -> Response:
    expert = expert_service.get_expert(session=session, viewer=account, expert_id=_expert_id(account))
    if state is None:
        state = FormState(
            values={
                "employer": expert.employer,
                "title": expert.title,
                "phone": expert.phone or "",
                "specialties": expert.specialties,
                "field_labels": "、".join(expert.field_labels),
                "available": "1" if expert.available else "",
                "documents": [{**_blank_document(), **d} for d in expert.documents],
                "version": str(expert.version),
            }
        )
    documents = state.values["documents"]
    if not documents or any(documents[-1][part].strip() for part in DOCUMENT_PARTS):
        documents.append(_blank_document())  # a row to add one more
    return render(
        request,
        "expert/profile.html",
        {"expert": expert, "form": state, "document_kinds": DOCUMENT_KINDS},
        account=account,
        status_code=status_code,
    )


@router.get("/profile")
def profile(request: Request, session: SessionDep, account: ExpertAccount) -> Response:
    return _profile_page(request, session, account)


@router.post("/profile")
def save_profile(request: Request, session: SessionDep, account: ExpertAccount, form: PostedForm) -> Response:
    state = FormState(values=form_values(form, (*PROFILE_FIELDS, "available", "version")))
    state.values["documents"] = _typed_documents(form)
    documents = _kept_documents(state.values["documents"], state)
    labels = [w.strip() for w in state.values["field_labels"].replace(",", "、").replace("，", "、").split("、")]
    data = {
        "employer": state.values["employer"],
        "title": state.values["title"],
        "phone": state.values["phone"] or None,
        "specialties": state.values["specialties"],
        "field_labels": [w for w in labels if w],
        "available": bool(state.values["available"]),
        "documents": documents,
    }
    body = parse_into(ExpertUpdate, data, state, labels={"title": "职称", "name": "姓名"})
    if body is not None and state.ok:
        # parse_into leaves blank fields out; here a blank means the expert cleared the field on purpose.
        for name, value in data.items():
            if value in ("", None, []):
                setattr(body, name, value)
        body.version = posted_version(state.values["version"])
        try:
            expert_service.update_expert(session=session, actor=account, expert_id=_expert_id(account), data=body)
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            return RedirectResponse("/expert/profile?msg=profile_saved", status_code=303)
    return _profile_page(request, session, account, state, status_code=422)
