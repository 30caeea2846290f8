"""督办看板: overdue and due-soon steps by unit and officer, with the 督办 level; assign in one click."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api import views
from api.deps import CalendarDep, ClockDep, SessionDep
from api.web import queries as web_queries
from api.web.deps import UserDep, require
from api.web.routing import WebRoute
from api.web.templating import page
from cases import authority, queries, repository
from cases.actions import Action
from cases.enums import CaseStatus, DueState, Role
from cases.fields import MAX_INT

router = APIRouter(route_class=WebRoute)


@router.get("/board", summary="督办看板")
def board(request: Request, user: UserDep, session: SessionDep, clock: ClockDep, calendar: CalendarDep,
          soon: Annotated[int, Query(ge=0, le=20)] = 3,
          department: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
          done: Annotated[str | None, Query(max_length=40)] = None,
          case: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    require(user, Role.SUPERVISOR)
    today = clock.now().date()
    regions = repository.subtree_codes(session, user.actor.region_code)
    groups = queries.board(session, regions, today, calendar, soon_working_days=soon, department_id=department)
    states = web_queries.case_versions(session, [i.case_id for g in groups for i in g.items])
    may_assign = authority.role_allows(user.actor.roles, Action.ASSIGN)
    pickers: dict[int, list] = {}
    if may_assign:
        for g in groups:
            if g.department_id not in pickers:
                pickers[g.department_id] = [o for o in web_queries.officer_options(
                    session, regions, today, department_ids=[g.department_id]) if o.certified]
    view = []
    for g in groups:
        items = []
        for i in g.items:
            version, status = states.get(i.case_id, (0, CaseStatus.CLOSED))
            items.append({"i": i, "dl": views.deadline_out(i.deadline, today, calendar), "version": version,
                          "status": status, "assignable": may_assign and status is CaseStatus.RECEIVED})
        view.append({"g": g, "items": items, "officers": pickers.get(g.department_id, [])})
    overdue = sum(1 for g in groups for i in g.items if i.due_state is DueState.OVERDUE)
    due_today = sum(1 for g in groups for i in g.items if i.due_state is DueState.DUE)
    escalated = sum(1 for g in groups for i in g.items if i.deadline.escalation_level)
    total = sum(len(g.items) for g in groups)
    return page(request, "board.html", {
        "groups": view, "today": today, "soon": soon, "overdue": overdue, "due_today": due_today,
        "due_soon": total - overdue - due_today, "escalated": escalated,
        "departments": queries.departments(session, regions), "department": department,
        "done": case if done == "assign" else None}, user=user)
