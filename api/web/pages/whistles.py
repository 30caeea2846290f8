"""吹哨报到: raise a whistle from a case or for a township, each department's supervisor answers (报到)
with the officers it sends, and the joint-enforcement flow is started through `api.triggers`
(a Prefect deployment run when PREFECT_API_URL is set, the same use case in this process otherwise).

The use cases are `cases.patrols.joint.raise_whistle` and `answer_whistle`; this module maps the
forms to them and shows the result: on the case page (its 联合执法 section) and on `/whistles`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from api import triggers
from api.deps import CalendarDep, ClockDep, SessionDep, WriteSessionDep, scoped_case
from api.errors import status_of
from api.web.deps import FormDep, UserDep, WebUser, make_ctx, require
from api.web.pages.cases import detail_context
from api.web.routing import WebRoute
from api.web.templating import CASE_ROLES, page
from cases import queries, repository
from cases.enums import Role
from cases.errors import DomainError, ValidationFailed
from cases.fields import MAX_INT
from cases.models import Department, Officer, Region, key
from cases.patrols import joint
from cases.patrols.models import PatrolMember, PatrolTeam

router = APIRouter(route_class=WebRoute)
IdPath = Annotated[int, Path(ge=1, le=MAX_INT)]


def pupils() -> Any:
    from cases.pupil_calendar import load_pupil_calendar
    from cases.settings import get_calendar, get_settings

    return load_pupil_calendar(get_calendar(), get_settings().region_code)


def _text(form: FormData, name: str, limit: int) -> str:
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if len(value) > limit or "\x00" in value:
        raise ValidationFailed(f"填写内容过长（最多{limit}字）", code="text_too_long", field=name)
    return value


def _kinds(form: FormData) -> list[str]:
    return [k for k in dict.fromkeys(v for v in form.getlist("departments") if isinstance(v, str)) if len(k) <= 32]


def _raise_and_start(request: Request, user: WebUser, write: Session, clock: Any, calendar: Any, form: FormData,
                     *, case_id: int | None, region_code: str | None) -> tuple[int, str]:
    """Raise the whistle (its own commit), then start the joint-enforcement flow: (whistle id, how it started).

    "prefect": a flow run of the deployment was created; "in_process": the slot and team are formed;
    "no_slot": no day within the horizon suits every department (the whistle stands and is shown so)."""
    ctx = make_ctx(request, user.actor, clock, calendar)
    whistle = joint.raise_whistle(write, ctx, reason=_text(form, "reason", 2000), case_id=case_id,
                                  region_code=region_code, departments=_kinds(form))
    whistle_id = key(whistle)
    try:
        started = triggers.start_whistle(write, ctx, whistle_id, pupils=pupils())
    except DomainError:
        write.rollback()
        return whistle_id, "no_slot"
    return whistle_id, started.mode


@router.post("/cases/{case_id}/whistle", summary="吹哨（联合执法）")
def case_whistle(request: Request, case_id: IdPath, form: FormDep, user: UserDep, session: SessionDep,
                 write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep) -> Response:
    require(user, Role.OFFICER, Role.SUPERVISOR)
    case = scoped_case(session, user.actor, case_id)
    try:
        whistle_id, note = _raise_and_start(request, user, write, clock, calendar, form, case_id=case.id,
                                            region_code=None)
    except DomainError as exc:
        write.rollback()
        ctx = detail_context(session, user, case, clock.now().date(), calendar)
        ctx.update(whistle_error=exc.message, whistle_values={"reason": _raw(form, "reason"), "departments":
                                                               _kinds(form)})
        return page(request, "case_detail.html", ctx, user=user, status=status_of(exc))
    query = urlencode({"whistled": whistle_id, "started": note})
    return RedirectResponse(f"/cases/{case.id}?{query}#whistles", status_code=303)


def _raw(form: FormData, name: str) -> str:
    raw = form.get(name)
    return raw[:2000] if isinstance(raw, str) else ""


def _answer_options(session: Session, user: WebUser, views: list[queries.WhistleView],
                    today: date) -> dict[int, list[dict[str, Any]]]:
    """For a department supervisor: per whistle waiting for their department, the officers they may send."""
    actor = user.actor
    if not user.has(Role.SUPERVISOR) or actor.department_id is None:
        return {}
    dept = session.get(Department, actor.department_id)
    if dept is None:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    staff = session.exec(select(Officer).where(Officer.department_id == dept.id, col(Officer.active))
                         .order_by(col(Officer.id))).all()
    for view in views:
        mine = [a for a in view.answers if a.answer.state != "reported" and (
            a.answer.department_id == dept.id if a.answer.department_id else a.answer.department_kind == dept.kind)]
        if not mine:
            continue
        day = view.whistle.slot_date or today
        busy = set(session.exec(select(PatrolMember.officer_id).where(PatrolMember.day == day)).all())
        reserved = set(session.exec(select(PatrolMember.officer_id).join(
            PatrolTeam, col(PatrolTeam.id) == PatrolMember.team_id).where(
            PatrolTeam.whistle_id == view.whistle.id)).all())
        out[key(view.whistle)] = [{"id": o.id, "name": o.name, "badge_no": o.badge_no or "",
                                 "certified": o.certified_on(day), "busy": o.id in busy and o.id not in reserved,
                                 "reserved": o.id in reserved, "kind": mine[0].answer.department_kind}
                                for o in staff if {"officer", "supervisor"} & set(o.roles)]
    return out


@router.get("/whistles", summary="吹哨报到")
def whistle_list(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
                 done: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None) -> Response:
    require(user, *CASE_ROLES)
    return page(request, "whistles.html", _list_context(session, user, clock.now().date(), done=done), user=user)


def _list_context(session: Session, user: WebUser, today: date, **extra: Any) -> dict[str, Any]:
    regions = repository.subtree_codes(session, user.actor.region_code)
    chain = repository.ancestors(session, user.actor.region_code)  # a township's staff see the county's whistles
    views = queries.whistles(session, list(dict.fromkeys(regions + chain)))
    options = _answer_options(session, user, views, today)
    towns = session.exec(select(Region).where(col(Region.code).in_(regions)).order_by(col(Region.code))).all()
    return {"views": views, "options": options, "kinds": queries.department_kinds(session),
            "towns": [t for t in towns if t.level == "township"], "may_raise": user.has(Role.OFFICER, Role.SUPERVISOR),
            "error": "", "values": {"reason": "", "departments": [], "region_code": ""}, "failed_id": None,
            "done": None, "today": today, **extra}


@router.post("/whistles", summary="乡镇吹哨")
def township_whistle(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
                     clock: ClockDep, calendar: CalendarDep) -> Response:
    require(user, Role.OFFICER, Role.SUPERVISOR)
    region = _raw(form, "region_code")[:12] or None
    try:
        if region is None:
            raise ValidationFailed("请选择吹哨的乡镇", code="region_required")
        whistle_id, _ = _raise_and_start(request, user, write, clock, calendar, form, case_id=None,
                                         region_code=region)
    except DomainError as exc:
        write.rollback()
        ctx = _list_context(session, user, clock.now().date(), error=exc.message, values={
            "reason": _raw(form, "reason"), "departments": _kinds(form), "region_code": region or ""})
        return page(request, "whistles.html", ctx, user=user, status=status_of(exc))
    return RedirectResponse(f"/whistles?done={whistle_id}#whistle-{whistle_id}", status_code=303)


@router.post("/whistles/{whistle_id}/answer", summary="部门报到")
def answer(request: Request, whistle_id: IdPath, form: FormDep, user: UserDep, session: SessionDep,
           write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep) -> Response:
    require(user, Role.SUPERVISOR)
    ids = [int(v) for v in form.getlist("officer_ids") if isinstance(v, str) and v.isdigit() and len(v) < 10]
    try:
        joint.answer_whistle(write, make_ctx(request, user.actor, clock, calendar), whistle_id=whistle_id,
                             department_kind=_raw(form, "department_kind")[:32], officer_ids=ids)
    except DomainError as exc:
        write.rollback()
        ctx = _list_context(session, user, clock.now().date(), error=exc.message, failed_id=whistle_id)
        return page(request, "whistles.html", ctx, user=user, status=status_of(exc))
    return RedirectResponse(f"/whistles?done={whistle_id}#whistle-{whistle_id}", status_code=303)
