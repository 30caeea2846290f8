"""Desk pages: 待办 (each user's inbox), the 法制审核 queue, hand-issued 督办单 with the unit's
feedback, and the case list's Excel export. Reads come from `cases.desk`; writes go through the
use cases in `cases/service/supervision.py`, then the queued messages are delivered.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from api import views
from api.deps import CalendarDep, ClockDep, SessionDep, WriteSessionDep
from api.web.deps import FormDep, UserDep, make_ctx, require
from api.web.pages.board import deliver_after
from api.web.pages.cases import CaseFiltersDep
from api.web.routing import WebRoute
from api.web.templating import CASE_ROLES, page
from api.web.xlsx import xlsx_response
from cases import desk, queries, repository
from cases.enums import ReviewOutcome, Role
from cases.errors import DomainError, ValidationFailed
from cases.fields import MAX_INT
from cases.models import key
from cases.service.supervision import answer_order, issue_order

router = APIRouter(route_class=WebRoute)


# --- 待办 ---------------------------------------------------------------------------------------


def user_inbox(session: Any, user: Any, today: date, calendar: Any) -> desk.Inbox:
    regions = repository.subtree_codes(session, user.actor.region_code)
    return desk.inbox(session, regions, today, calendar, officer_id=user.actor.officer_id,
                      department_id=user.actor.department_id, roles=frozenset(str(r) for r in user.actor.roles))


@router.get("/inbox", summary="待办")
def inbox_page(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
               calendar: CalendarDep) -> Response:
    today = clock.now().date()
    box = user_inbox(session, user, today, calendar)
    fmt = [(cid, number, views.deadline_out(d, today, calendar)) for cid, number, d in box.overdue + box.due_soon]
    return page(request, "inbox.html", {"box": box, "counts": box.counts(), "today": today, "roles": Role,
                                        "overdue": fmt[:len(box.overdue)], "due_soon": fmt[len(box.overdue):]},
                user=user)


# --- 法制审核 queue ---------------------------------------------------------------------------------


@router.get("/reviews", summary="待审核")
def reviews_page(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
                 calendar: CalendarDep) -> Response:
    require(user, Role.LEGAL, Role.SUPERVISOR)
    regions = repository.subtree_codes(session, user.actor.region_code)
    items = desk.review_queue(session, regions, user.actor.officer_id)
    today = clock.now().date()
    clocks = queries.running_clocks(session, [i.case.id for i in items if i.case.id is not None])
    rows = []
    for i in items:
        mine = clocks.get(i.case.id or 0, [])
        rows.append({"i": i, "next": views.deadline_out(mine[0], today, calendar) if mine else None,
                     "last": max(i.penalty.reviews, key=lambda r: str(r.get("reviewed_on", "")))
                     if i.penalty.reviews else None})
    kinds = {k: sum(1 for i in items if i.kind == k) for k in ("first", "again", "after_hearing")}
    mine_done = desk.reviewed_by(session, regions, user.actor.officer_id) if user.actor.officer_id else []
    return page(request, "reviews.html", {"rows": rows, "kinds": kinds, "total": len(items),
                                          "independent": sum(1 for i in items if not i.investigator),
                                          "done": mine_done, "review_label": review_label},
                user=user)


def review_label(value: str | None) -> str:
    return ReviewOutcome(value).label if value is not None and value in ReviewOutcome._value2member_map_ else ""


# --- 督办单 -------------------------------------------------------------------------------------

OrderId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _orders_context(session: Any, user: Any, today: date) -> dict[str, Any]:
    regions = repository.subtree_codes(session, user.actor.region_code)
    dept = [user.actor.department_id] if user.actor.department_id else []
    return {"issued": desk.supervision_orders(session, dept, received=False),
            "received": desk.supervision_orders(session, dept, received=True),
            "units": desk.lower_units(session, regions, user.actor.department_id), "today": today,
            "may_issue": user.has(Role.SUPERVISOR), "values": {}, "error": ""}


@router.get("/supervision", summary="督办单")
def supervision_page(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
                     case: Annotated[str | None, Query(max_length=32)] = None,
                     done: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    require(user, Role.SUPERVISOR, Role.OFFICER)
    ctx = _orders_context(session, user, clock.now().date())
    ctx["values"] = {"case_number": case or ""}
    ctx["done"] = done
    return page(request, "supervision.html", ctx, user=user)


def _text(form: Any, name: str) -> str:
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""


@router.post("/supervision", summary="签发督办单")
def issue(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
          clock: ClockDep, calendar: CalendarDep) -> Response:
    require(user, Role.SUPERVISOR)
    values = {k: _text(form, k) for k in ("case_number", "to_department_id", "due_date", "requirement")}
    try:
        number = values["case_number"]
        regions = repository.subtree_codes(session, user.actor.region_code)
        found = desk.case_by_number(session, regions, number) if number else None
        if found is None:
            raise ValidationFailed("请填写本辖区内的案件编号", code="case_unknown", field="case_number")
        unit = values["to_department_id"]
        if not unit.isdigit() or len(unit) > 9:
            raise ValidationFailed("请选择督办单位", code="department_required", field="to_department_id")
        try:
            due = date.fromisoformat(values["due_date"])
        except ValueError:
            raise ValidationFailed("请按“2026-03-20”的格式填写督办期限", code="due_date_invalid",
                                   field="due_date") from None
        ctx = make_ctx(request, user.actor, clock, calendar)
        issue_order(write, ctx, case_id=key(found), to_department_id=int(unit), requirement=values["requirement"],
                    due_date=due)
        write.commit()
    except DomainError as exc:
        write.rollback()
        page_ctx = _orders_context(session, user, clock.now().date())
        page_ctx.update(values=values, error=exc.message, done=None)
        return page(request, "supervision.html", page_ctx, user=user, status=422)
    deliver_after(request)
    return RedirectResponse("/supervision?done=issued", status_code=303)


@router.post("/supervision/{order_id}/feedback", summary="反馈督办单")
def feedback(request: Request, order_id: OrderId, form: FormDep, user: UserDep, session: SessionDep,
             write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep) -> Response:
    require(user, Role.SUPERVISOR, Role.OFFICER)
    try:
        answer_order(write, make_ctx(request, user.actor, clock, calendar), order_id=order_id,
                     feedback=_text(form, "feedback"))
        write.commit()
    except DomainError as exc:
        write.rollback()
        page_ctx = _orders_context(session, user, clock.now().date())
        page_ctx.update(error=exc.message, done=None)
        return page(request, "supervision.html", page_ctx, user=user, status=422)
    deliver_after(request)
    return RedirectResponse("/supervision?done=answered", status_code=303)


# --- case list export -----------------------------------------------------------------------------


@router.get("/export/cases.xlsx", summary="案件列表导出 Excel")
def cases_xlsx(user: UserDep, session: SessionDep, clock: ClockDep, calendar: CalendarDep,
               filters: CaseFiltersDep) -> Response:
    """The case list with the same filters as /cases, every matching case (up to 5,000 rows)."""
    require(user, *CASE_ROLES)
    today = clock.now().date()
    scope = filters.chosen_scope(user)
    rows, total = filters.work_list(session, user, today, calendar, limit=5_000)
    out = []
    for r in rows:
        n = views.deadline_out(r.next_deadline, today, calendar) if r.next_deadline else None
        out.append([r.case.case_number, r.institution_name or "机构待核实", r.region_name, r.department_name,
                    r.case.status.label, r.case.penalty_step.label if r.case.penalty_step else "",
                    n.label if n else "", n.due_date if n else None, n.working_days_left if n else None,
                    "是" if r.overdue else "", views_local_date(r.case.received_at)])
    chosen = "我的小组" if scope == "mine" else "辖区全部"
    return xlsx_response("案件列表", f"{user.department}；{chosen}；截至 {today.isoformat()}；共 {total} 件",
                         ["案件编号", "机构", "地区", "主办部门", "状态", "处罚环节", "下一环节", "到期日",
                          "剩余工作日", "逾期", "受理日期"], out, f"案件列表_{today.isoformat()}.xlsx",
                         widths=[22, 28, 14, 22, 12, 16, 16, 12, 10, 6, 12])


def views_local_date(value: Any) -> str:
    from api.web.templating import local_time

    return local_time(value, "%Y-%m-%d")
