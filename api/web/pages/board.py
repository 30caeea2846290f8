"""督办看板: one row per case (its most urgent step first, every running step on expand), tiles that
link to the matching case list, assignment by explicit choice with a confirmation (one case or many),
each officer's current load, export to .xlsx and a print layout.

The buckets are those of `cases.desk.board_cases`; the case list (`/cases?due=…`) filters by the
same definitions, so a tile's figure is the length of the list it opens.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api import views
from api.deps import CalendarDep, ClockDep, SessionDep, WriteSessionDep, scoped_case
from api.web.deps import FormDep, UserDep, WebUser, make_ctx, require
from api.web.routing import WebRoute
from api.web.templating import page
from api.web.xlsx import xlsx_response
from cases import authority, desk, queries, repository
from cases.actions import Action
from cases.enums import CaseStatus, Role
from cases.errors import DomainError, ValidationFailed
from cases.fields import MAX_INT
from cases.models import key
from cases.service import perform

router = APIRouter(route_class=WebRoute)

ROWS_PER_PAGE = 50
MAX_BULK = 50

Soon = Annotated[int, Query(ge=0, le=20)]
DepartmentQ = Annotated[int | None, Query(ge=1, le=MAX_INT)]


def _pickers(session: Any, user: WebUser, today: Any, department_ids: list[int]) -> list[dict[str, Any]]:
    """Certified field staff of the departments, each with their current load, grouped by department."""
    regions = repository.subtree_codes(session, user.actor.region_code)
    options = [o for o in queries.officer_options(session, regions, today, department_ids=department_ids)
               if o.certified]
    loads = desk.officer_loads(session, [o.id for o in options])
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in options:
        groups[o.department].append({"o": o, "load": loads.get(o.id, 0)})
    return [{"department": d, "officers": sorted(items, key=lambda x: (x["load"], x["o"].id))}
            for d, items in groups.items()]


def _links(soon: int, department: int | None) -> dict[str, str]:
    base = {"scope": "all", **({"department": str(department)} if department else {})}
    return {"overdue": f"/cases?{urlencode({**base, 'overdue': '1'})}",
            "today": f"/cases?{urlencode({**base, 'due': 'today'})}",
            "soon": f"/cases?{urlencode({**base, 'due': 'soon', 'soon': str(soon)})}",
            "escalated": f"/cases?{urlencode({**base, 'escalated': '1'})}"}


@router.get("/board", summary="督办看板")
def board(request: Request, user: UserDep, session: SessionDep, clock: ClockDep, calendar: CalendarDep,
          soon: Soon = 3, department: DepartmentQ = None,
          done: Annotated[str | None, Query(max_length=40)] = None,
          case: Annotated[str | None, Query(max_length=32)] = None,
          page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    require(user, Role.SUPERVISOR)
    today = clock.now().date()
    regions = repository.subtree_codes(session, user.actor.region_code)
    found = desk.board_cases(session, regions, today, calendar, soon_working_days=soon, department_id=department,
                             limit=ROWS_PER_PAGE, offset=(page_no - 1) * ROWS_PER_PAGE)
    # assignment from the board is for the cases of the supervisor's own department, with a picker of
    # that department's officers only: a city or province supervisor's page spans dozens of
    # departments (2,622 officers for a province page, docs/scale.md "10^6 cases on PostgreSQL"),
    # whose cases their own supervisors assign; any case can still be assigned from its own page
    own = user.actor.department_id
    may_assign = authority.role_allows(user.actor.roles, Action.ASSIGN) and own is not None
    rows = [{"r": r, "steps": [{"s": s, "dl": views.deadline_out(s.deadline, today, calendar)} for s in r.steps],
             "assignable": may_assign and r.status is CaseStatus.RECEIVED and r.department_id == own}
            for r in found.rows]
    pickers = _pickers(session, user, today, [own]) if own is not None and any(
        x["assignable"] for x in rows) else []
    pages = max(1, -(-found.total // ROWS_PER_PAGE))
    params = {k: v for k, v in {"soon": soon, "department": department or ""}.items() if v != ""}
    return page(request, "board.html", {
        "rows": rows, "b": found, "today": today, "soon": soon, "pickers": pickers, "links": _links(soon, department),
        "departments": queries.departments(session, regions), "department": department,
        "done": case if done == "assign" else None, "page_no": page_no, "pages": pages,
        "xlsx_url": f"/board.xlsx?{urlencode(params)}",
        "prev_url": f"/board?{urlencode({**params, 'page': page_no - 1})}" if page_no > 1 else None,
        "next_url": f"/board?{urlencode({**params, 'page': page_no + 1})}" if page_no < pages else None},
        user=user)


def _chosen(form: Any) -> tuple[list[int], int | None, int | None]:
    ids = []
    for raw in form.getlist("case_ids"):
        if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 9:
            ids.append(int(raw.strip()))
    ids = list(dict.fromkeys(ids))

    def officer(name: str) -> int | None:
        raw = form.get(name)
        return int(raw) if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 9 else None

    return ids, officer("lead_officer_id"), officer("second_officer_id")


@router.post("/board/assign", summary="分派（确认后执行）")
def assign(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
           clock: ClockDep, calendar: CalendarDep) -> Response:
    """First post: the confirmation page (which cases to whom). Second post (`confirm`): each case is
    assigned through the checked entry point; the result page lists what was done and what was refused."""
    require(user, Role.SUPERVISOR)
    ids, lead, second = _chosen(form)
    problems = []
    if not ids:
        problems.append("请至少勾选一件待分派的案件")
    if len(ids) > MAX_BULK:
        problems.append(f"一次最多分派{MAX_BULK}件案件")
    if lead is None or second is None:
        problems.append("请选择承办人和协办人（须明确选择，不预先填写）")
    elif lead == second:
        problems.append("承办人和协办人须为两名不同的执法人员")
    if problems:
        raise ValidationFailed("；".join(problems), code="assign_choice_required")
    cases = [scoped_case(session, user.actor, i) for i in ids]
    names = queries.officer_names(session, [lead or 0, second or 0])
    loads = desk.officer_loads(session, [lead or 0, second or 0])
    if form.get("confirm") != "1":
        versions = queries.case_versions(session, ids)
        return page(request, "board_confirm.html", {
            "cases": cases, "versions": versions, "lead": lead, "second": second, "names": names, "loads": loads,
            "back": str(form.get("back") or "/board")}, user=user)
    ctx = make_ctx(request, user.actor, clock, calendar)
    results = []
    for c in cases:
        raw_version = form.get(f"version_{c.id}")
        version = int(raw_version) if isinstance(raw_version, str) and raw_version.isdigit() else c.version
        try:
            perform(write, ctx, key(c), Action.ASSIGN, version, {"officer_ids": [lead, second]})
        except DomainError as exc:
            write.rollback()
            results.append({"case": c, "ok": False, "message": exc.message})
        else:
            results.append({"case": c, "ok": True, "message": ""})
    deliver_after(request)
    if len(results) == 1 and results[0]["ok"]:
        return RedirectResponse(f"/board?{urlencode({'done': 'assign', 'case': cases[0].case_number})}",
                                status_code=303)
    return page(request, "board_assigned.html", {"results": results, "names": names, "lead": lead,
                                                 "second": second}, user=user)


def deliver_after(request: Request) -> None:
    """Deliver the messages the request queued (`cases.messages`), when the app has senders."""
    deliver = getattr(request.app.state, "deliver_messages", None)
    if deliver is not None:
        deliver()


@router.get("/board.xlsx", summary="督办看板导出 Excel")
def board_xlsx(user: UserDep, session: SessionDep, clock: ClockDep, calendar: CalendarDep, soon: Soon = 3,
               department: DepartmentQ = None) -> Response:
    require(user, Role.SUPERVISOR)
    today = clock.now().date()
    regions = repository.subtree_codes(session, user.actor.region_code)
    found = desk.board_cases(session, regions, today, calendar, soon_working_days=soon, department_id=department,
                             limit=10_000)
    rows = []
    for r in found.rows:
        urgent = r.urgent
        dl = views.deadline_out(urgent.deadline, today, calendar) if urgent else None
        rows.append([r.case_number, r.institution_name or "机构待核实", r.department_name, r.assignee_name or "待分派",
                     r.status.label, dl.label if dl else "", dl.due_date if dl else None,
                     dl.working_days_left if dl else None, f"{r.escalation}级" if r.escalation else "",
                     "；".join(f"{s.deadline.label}（{s.deadline.due_date.isoformat()}）" for s in r.steps)])
    return xlsx_response(
        "督办看板", f"{user.department}及下级辖区；截至 {today.isoformat()}；已逾期 {found.overdue} 件、今日到期 "
                    f"{found.due_today} 件、即将到期 {found.due_soon} 件、已督办 {found.escalated} 件",
        ["案件编号", "机构", "主办部门", "承办人", "案件状态", "最紧急环节", "到期日", "剩余工作日", "督办级别",
         "全部计时环节"],
        rows, f"督办看板_{today.isoformat()}.xlsx", widths=[22, 28, 22, 10, 14, 18, 12, 10, 10, 60])
