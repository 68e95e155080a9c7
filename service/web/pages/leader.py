"""Pages of a city leader 市领导: the experts they keep in touch with, contacts logged, concerns raised."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from service import clock
from service.api.deps import SessionDep
from service.api.paging import PathId
from service.domain import liaisons as liaison_service
from service.errors import AppError
from service.models import Account
from service.models.leader import ConcernBase, ConcernCreate, ContactCreate
from service.vocab import CONCERN_CATEGORIES, CONTACT_MODES, Role
from service.web.forms import FORM_ERROR, FormState, form_values, parse_into
from service.web.routing import PageRoute
from service.web.session import PostedForm, page_guard
from service.web.templating import render

router = APIRouter(prefix="/leader", route_class=PageRoute, include_in_schema=False)
LeaderAccount = Annotated[Account, page_guard(Role.leader)]


@router.get("")
def my_experts(request: Request, session: SessionDep, account: LeaderAccount) -> Response:
    liaisons, _ = liaison_service.list_liaisons(
        session=session, viewer=account, year=None, leader_id=None, overdue=None, limit=50, offset=0, sort="-year"
    )
    contacts, _ = liaison_service.list_contacts(
        session=session, viewer=account, liaison_id=None, limit=20, offset=0, sort=None
    )
    names = {x.id: x.expert_name for x in liaisons}
    # Contacts are logged against this year's pairs; past years' pairs are history (their contacts stay in the
    # table below), and next year's confirmed pairs are shown apart, as not yet due.
    year = clock.today().year
    return render(
        request,
        "leader/home.html",
        {
            "year": year,
            "liaisons": [x for x in liaisons if x.year == year],
            "next_year": [x for x in liaisons if x.year == year + 1 and x.confirmed],
            "contacts": contacts,
            "expert_of": names,
        },
        account=account,
    )


def _contact_page(
    request: Request, session: SessionDep, account: Account, liaison_id: int, state: FormState, status_code: int = 200
) -> Response:
    liaison = liaison_service.get_liaison(session=session, viewer=account, liaison_id=liaison_id)
    return render(
        request,
        "leader/contact_form.html",
        {"liaison": liaison, "form": state, "modes": CONTACT_MODES, "categories": CONCERN_CATEGORIES},
        account=account,
        status_code=status_code,
    )


@router.get("/liaisons/{liaison_id}/contact")
def contact_form(request: Request, session: SessionDep, account: LeaderAccount, liaison_id: PathId) -> Response:
    state = FormState(values={"date": clock.today().isoformat()})
    return _contact_page(request, session, account, liaison_id, state)


@router.post("/liaisons/{liaison_id}/contact")
def log_contact(
    request: Request, session: SessionDep, account: LeaderAccount, form: PostedForm, liaison_id: PathId
) -> Response:
    state = FormState(values=form_values(form, ("date", "mode", "summary", "category", "content", "department")))
    contact = parse_into(
        ContactCreate,
        {**state.values, "liaison_id": liaison_id},
        state,
        labels={"date": "联系日期", "mode": "联系方式"},
    )
    # Any of the concern's fields filled means a concern was meant: a department typed alone is not dropped
    # silently, it asks for the category and the content.
    wants_concern = any(state.values[name].strip() for name in ("category", "content", "department"))
    concern = None
    if wants_concern:
        # The concern is checked before anything is stored, so that no half of the form is saved alone.
        # Only the concern's own fields are checked here; its contact id exists once the contact is stored.
        concern = parse_into(
            ConcernBase,
            {
                "category": state.values["category"],
                "content": state.values["content"],
                "department": state.values["department"],
            },
            state,
            labels={"category": "诉求类别", "content": "诉求内容"},
        )
    if contact is None or not state.ok:
        return _contact_page(request, session, account, liaison_id, state, status_code=422)
    try:
        # One transaction: the concern's commit stores the contact too; a refused concern keeps neither.
        saved = liaison_service.log_contact(session=session, actor=account, data=contact, commit=concern is None)
        if concern is not None:
            liaison_service.raise_concern(
                session=session,
                actor=account,
                data=ConcernCreate(contact_id=saved.id, **concern.model_dump()),
            )
    except AppError as error:
        session.rollback()
        state.add("date" if "日期" in error.message else FORM_ERROR, error.message)
        return _contact_page(request, session, account, liaison_id, state, status_code=error.status_code)
    notice = "concern_raised" if concern is not None else "contact_logged"
    return RedirectResponse(f"/leader?msg={notice}", status_code=303)


@router.get("/concerns")
def my_concerns(request: Request, session: SessionDep, account: LeaderAccount) -> Response:
    rows, total = liaison_service.list_concerns(
        session=session,
        viewer=account,
        status=None,
        department=None,
        overdue=None,
        limit=200,
        offset=0,
        sort="-raised_on",
    )
    return render(request, "leader/concerns.html", {"concerns": rows, "total": total}, account=account)
