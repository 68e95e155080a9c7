"""The schedule form (约定服务时间) shared by the expert's visit page and the officials' need page."""

from __future__ import annotations

from sqlmodel import Session
from starlette.datastructures import FormData

from service.domain import visits as visit_service
from service.errors import AppError
from service.models import Account
from service.models.visit import VisitPublic, VisitSchedule
from service.web.forms import FORM_ERROR, FormState, form_values, parse_into

SCHEDULE_FIELDS = ("scheduled_from", "scheduled_to")
SCHEDULE_LABELS = {"scheduled_from": "开始日期", "scheduled_to": "结束日期"}


def schedule_state(visit: VisitPublic) -> FormState:
    """The schedule form filled with the dates already agreed, if any."""
    return FormState(
        values={
            "scheduled_from": visit.scheduled_from.isoformat() if visit.scheduled_from else "",
            "scheduled_to": visit.scheduled_to.isoformat() if visit.scheduled_to else "",
        }
    )


def schedule_visit(*, session: Session, actor: Account, visit_id: int, form: FormData) -> tuple[FormState, int]:
    """Parse the dates and schedule the visit: the form's state (messages beside fields) and the status to
    answer with when it failed (422 for bad input, the domain's own status such as 409 otherwise)."""
    state = FormState(values=form_values(form, SCHEDULE_FIELDS))
    schedule = parse_into(VisitSchedule, state.values, state, labels=SCHEDULE_LABELS)
    if schedule is None:
        return state, 422
    try:
        visit_service.act_on_visit(
            session=session, actor=actor, visit_id=visit_id, action="schedule", schedule=schedule
        )
    except AppError as error:
        state.add(error.field or FORM_ERROR, error.message)
        return state, error.status_code
    return state, 200
