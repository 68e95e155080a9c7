"""Pages of the organisation departments (district and city): dashboard, review, matching, follow-up."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from service import clock
from service.api.deps import SessionDep
from service.api.paging import PathId
from service.domain import audit_log, matching, reports
from service.domain import liaisons as liaison_service
from service.domain import needs as need_service
from service.domain import visits as visit_service
from service.domain.needs import NeedFilters
from service.domain.visits import VisitFilters
from service.errors import AppError
from service.importing import MAX_UPLOAD_BYTES, ImportKind, import_file
from service.importing.catalogue import file_too_large
from service.importing.report import ImportReport
from service.matcher import MATCHABLE_NEEDS
from service.models import Account
from service.models.leader import ConcernAssign, ConcernReply
from service.vocab import NeedStatus, Role, VisitStatus
from service.web.dashboard import work_queue
from service.web.forms import FORM_ERROR, FormState, form_values, parse_into
from service.web.matching_view import matcher_of
from service.web.routing import PageRoute
from service.web.scheduling import schedule_state, schedule_visit
from service.web.session import PostedForm, page_guard
from service.web.templating import render

router = APIRouter(prefix="/official", route_class=PageRoute, include_in_schema=False)
OfficialAccount = Annotated[Account, page_guard(Role.district_official, Role.city_official)]
CityAccount = Annotated[Account, page_guard(Role.city_official)]
PAGE_SIZE = 20
#: Visits whose service dates can be agreed (as `visits.act_on_visit(action="schedule")` accepts).
SCHEDULABLE = (VisitStatus.accepted, VisitStatus.scheduled)


@router.get("")
def dashboard(request: Request, session: SessionDep, account: OfficialAccount) -> Response:
    summary = reports.dashboard_summary(session=session, viewer=account)
    queue = work_queue(session=session, viewer=account)
    return render(request, "official/dashboard.html", {"summary": summary, "queue": queue}, account=account)


@router.get("/needs")
def needs_board(
    request: Request,
    session: SessionDep,
    account: OfficialAccount,
    status: str = NeedStatus.submitted,
    q: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    rows, total = need_service.list_needs(
        session=session,
        viewer=account,
        filters=NeedFilters(status=status or None, q=q.strip()[:100] or None),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        sort=None,
    )
    return render(
        request,
        "official/needs.html",
        {"needs": rows, "total": total, "status": status, "q": q, "page": page, "pages": -(-total // PAGE_SIZE)},
        account=account,
    )


def _need_page(
    request: Request,
    session: SessionDep,
    account: Account,
    need_id: int,
    review: FormState | None = None,
    schedule_failed: tuple[int, FormState] | None = None,
    propose_error: str = "",
    status_code: int = 200,
) -> Response:
    need = need_service.get_need(session=session, viewer=account, need_id=need_id)
    visits, _ = visit_service.list_visits(
        session=session, viewer=account, filters=VisitFilters(need_id=need_id), limit=100, offset=0, sort=None
    )
    candidates = None
    if need.status in MATCHABLE_NEEDS:
        candidates = matching.candidates_for_need(
            session=session, viewer=account, matcher=matcher_of(request), need_id=need_id, k=10
        )
    return render(
        request,
        "official/need.html",
        {
            "need": need,
            "visits": visits,
            "candidates": candidates,
            "review": review or FormState(),
            "can_review": need.status == NeedStatus.submitted,
            "history": audit_log.need_history(session, need_id),
            "propose_error": propose_error,
            "schedule_forms": {
                v.id: schedule_failed[1] if schedule_failed and schedule_failed[0] == v.id else schedule_state(v)
                for v in visits
                if v.status in SCHEDULABLE
            },
        },
        account=account,
        status_code=status_code,
    )


@router.get("/needs/{need_id}")
def need_match_view(request: Request, session: SessionDep, account: OfficialAccount, need_id: PathId) -> Response:
    return _need_page(request, session, account, need_id)


@router.post("/needs/{need_id}/review")
def review_need(
    request: Request, session: SessionDep, account: OfficialAccount, form: PostedForm, need_id: PathId
) -> Response:
    state = FormState(values=form_values(form, ("note", "decision")))
    decision = state.values["decision"]
    note = state.values["note"].strip()
    if decision not in ("approve", "reject"):
        state.add(FORM_ERROR, "请选择“审核通过”或“退回修改”")
    elif decision == "reject" and not note:
        state.add("note", "退回需求时请填写退回原因")
    elif len(note) > 500:
        state.add("note", "审核意见不能超过 500 个字符")
    if state.ok:
        try:
            need_service.change_need_state(session=session, actor=account, need_id=need_id, action=decision, note=note)
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            notice = "need_approved" if decision == "approve" else "need_rejected"
            return RedirectResponse(f"/official/needs/{need_id}?msg={notice}", status_code=303)
    return _need_page(request, session, account, need_id, review=state, status_code=422)


@router.post("/needs/{need_id}/propose")
def propose_expert(
    request: Request, session: SessionDep, account: OfficialAccount, form: PostedForm, need_id: PathId
) -> Response:
    raw = form.get("expert_id")
    expert_id = int(raw) if isinstance(raw, str) and raw.isdigit() else None
    try:
        visit_service.propose_visit(session=session, actor=account, need_id=need_id, expert_id=expert_id)
    except AppError as error:
        # shown above the ranked experts, on the need's own page (the list as it now is), not on an error page
        session.rollback()
        return _need_page(
            request, session, account, need_id, propose_error=error.message, status_code=error.status_code
        )
    return RedirectResponse(f"/official/needs/{need_id}?msg=visit_proposed", status_code=303)


@router.post("/visits/{visit_id}/schedule")
def schedule_visit_page(
    request: Request, session: SessionDep, account: OfficialAccount, form: PostedForm, visit_id: PathId
) -> Response:
    visit = visit_service.get_visit(session=session, viewer=account, visit_id=visit_id)
    state, status_code = schedule_visit(session=session, actor=account, visit_id=visit_id, form=form)
    if state.ok:
        return RedirectResponse(
            f"/official/needs/{visit.need_id}?msg=visit_scheduled#visit-{visit_id}", status_code=303
        )
    return _need_page(
        request, session, account, visit.need_id, schedule_failed=(visit_id, state), status_code=status_code
    )


@router.get("/liaisons")
def liaisons(
    request: Request, session: SessionDep, account: CityAccount, overdue: str = "", year: str = ""
) -> Response:
    """One year's pairs (this year by default, as the dashboard counts them), or only those overdue."""
    this_year = clock.today().year
    shown = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else this_year
    rows, total = liaison_service.list_liaisons(
        session=session,
        viewer=account,
        year=shown,
        leader_id=None,
        overdue=True if overdue == "1" else None,
        limit=200,
        offset=0,
        sort="leader_id",
    )
    return render(
        request,
        "official/liaisons.html",
        {"liaisons": rows, "total": total, "overdue": overdue, "year": shown, "this_year": this_year},
        account=account,
    )


def _filter_query(overdue: str, status: str, msg: str = "") -> str:
    """The concern list's filter (and a notice) as a query string: "" or "?status=open…"."""
    query = urlencode({k: v for k, v in (("status", status), ("overdue", overdue), ("msg", msg)) if v})
    return f"?{query}" if query else ""


def _concerns_page(
    request: Request,
    session: SessionDep,
    account: Account,
    *,
    overdue: str = "",
    status: str = "",
    failed: tuple[int, FormState] | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = liaison_service.list_concerns(
        session=session,
        viewer=account,
        status=status or None,
        department=None,
        overdue=True if overdue == "1" else None,
        limit=200,
        offset=0,
        sort="due_date",
    )
    return render(
        request,
        "official/concerns.html",
        {
            "concerns": rows,
            "total": total,
            "overdue": overdue,
            "status": status,
            "failed": failed,
            "filter_query": _filter_query(overdue, status),
        },
        account=account,
        status_code=status_code,
    )


@router.get("/concerns")
def concerns(
    request: Request, session: SessionDep, account: CityAccount, overdue: str = "", status: str = ""
) -> Response:
    return _concerns_page(request, session, account, overdue=overdue, status=status)


@router.post("/concerns/{concern_id}/assign")
def assign_concern(
    request: Request,
    session: SessionDep,
    account: CityAccount,
    form: PostedForm,
    concern_id: PathId,
    overdue: str = "",
    status: str = "",
) -> Response:
    state = FormState(values=form_values(form, ("department", "due_date")))
    body = parse_into(ConcernAssign, state.values, state)
    act = None if body is None else partial(liaison_service.assign_concern, data=body)
    return _concern_form_sent(request, session, account, concern_id, (overdue, status), state, act, "concern_assigned")


@router.post("/concerns/{concern_id}/reply")
def reply_concern(
    request: Request,
    session: SessionDep,
    account: CityAccount,
    form: PostedForm,
    concern_id: PathId,
    overdue: str = "",
    status: str = "",
) -> Response:
    state = FormState(values=form_values(form, ("reply",)))
    body = parse_into(ConcernReply, state.values, state)
    act = None if body is None else partial(liaison_service.reply_concern, data=body)
    return _concern_form_sent(request, session, account, concern_id, (overdue, status), state, act, "concern_replied")


def _concern_form_sent(
    request: Request,
    session: SessionDep,
    account: Account,
    concern_id: int,
    filters: tuple[str, str],
    state: FormState,
    act: Callable[..., object] | None,
    notice: str,
) -> Response:
    """After a concern's assign or reply form: `act` (None when the form did not parse) done, back to the list
    with its filter (`filters`: overdue, status) and `notice`; a refusal redrawn on the concern's card, 422."""
    overdue, status = filters
    if act is not None:
        try:
            act(session=session, actor=account, concern_id=concern_id)
        except AppError as error:
            state.add(FORM_ERROR, error.message)
        else:
            query = _filter_query(overdue, status, notice)
            return RedirectResponse(f"/official/concerns{query}#concern-{concern_id}", status_code=303)
    return _concerns_page(
        request, session, account, overdue=overdue, status=status, failed=(concern_id, state), status_code=422
    )


def _import_page(
    request: Request,
    account: Account,
    *,
    report: ImportReport | None = None,
    error: str = "",
    error_field: str = "",
    kind: str = "",
    dry_run: bool = False,
    status_code: int = 200,
) -> Response:
    """The import form (the type and 只检查 as sent) and the report; an error about the type or the file is shown
    beside that field (`error_field` "kind" or "file"), one about the file's content above the form."""
    return render(
        request,
        "official/import.html",
        {
            "report": report,
            "error": error,
            "error_field": error_field,
            "kind": kind,
            "dry_run": dry_run,
            "kinds": list(ImportKind),
        },
        account=account,
        status_code=status_code,
    )


@router.get("/import")
def import_form(request: Request, account: OfficialAccount) -> Response:
    return _import_page(request, account)


@router.post("/import")
def import_upload(
    request: Request,
    session: SessionDep,
    account: OfficialAccount,
    form: PostedForm,
    # optional, so that a form sent without a file (a browser sends an empty part) is told so beside the field,
    # not answered by FastAPI's validation (the 页面不存在 page)
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    kind = str(form.get("kind") or "")
    dry_run = form.get("dry_run") == "1"
    if kind not in {k.value for k in ImportKind}:
        return _import_page(
            request, account, error="请选择导入的名单类型", error_field="kind", dry_run=dry_run, status_code=422
        )
    content = file.file.read(MAX_UPLOAD_BYTES + 1) if file is not None else b""
    if file is None or not content:
        return _import_page(
            request,
            account,
            error="请选择要上传的 Excel 文件",
            error_field="file",
            kind=kind,
            dry_run=dry_run,
            status_code=422,
        )
    if len(content) > MAX_UPLOAD_BYTES:
        return _import_page(
            request,
            account,
            error=file_too_large(MAX_UPLOAD_BYTES),
            error_field="file",
            kind=kind,
            dry_run=dry_run,
            status_code=413,
        )
    try:
        report = import_file(
            session=session,
            actor=account,
            kind=ImportKind(kind),
            content=content,
            filename=file.filename or "",
            dry_run=dry_run,
            # The page counts the rejected rows it lists: list them all (a file holds at most 20,000 rows).
            list_limit=None,
        )
    except AppError as failure:
        return _import_page(
            request, account, error=failure.message, kind=kind, dry_run=dry_run, status_code=failure.status_code
        )
    return _import_page(request, account, report=report, kind=kind, dry_run=dry_run)
