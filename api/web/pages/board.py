"""督办看板: overdue and due-soon steps by unit and officer, with the 督办 level; assign in one click."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from api import views
from api.deps import CalendarDep, ClockDep, SessionDep
from api.web.deps import UserDep, require
from api.web.routing import WebRoute
from api.web.templating import page
from cases import authority, queries, repository
from cases.actions import Action
from cases.enums import CaseStatus, Role
from cases.fields import MAX_INT

router = APIRouter(route_class=WebRoute)


GROUPS_PER_PAGE = 30
ITEMS_PER_GROUP = 20


@router.get("/board", summary="督办看板")
def board(request: Request, user: UserDep, session: SessionDep, clock: ClockDep, calendar: CalendarDep,
          soon: Annotated[int, Query(ge=0, le=20)] = 3,
          department: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
          done: Annotated[str | None, Query(max_length=40)] = None,
          case: Annotated[str | None, Query(max_length=32)] = None,
          page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    require(user, Role.SUPERVISOR)
    today = clock.now().date()
    regions = repository.subtree_codes(session, user.actor.region_code)
    found = queries.board_page(session, regions, today, calendar, soon_working_days=soon, department_id=department,
                               limit=GROUPS_PER_PAGE, offset=(page_no - 1) * GROUPS_PER_PAGE,
                               items_per_group=ITEMS_PER_GROUP)
    groups = found.groups
    states = queries.case_versions(session, [i.case_id for g in groups for i in g.items])
    may_assign = authority.role_allows(user.actor.roles, Action.ASSIGN)
    pickers: dict[int, list] = defaultdict(list)
    if may_assign and groups:  # one query for every department on the page
        for o in queries.officer_options(session, regions, today, department_ids=sorted({g.department_id
                                                                                          for g in groups})):
            if o.certified:
                pickers[o.department_id].append(o)
    view = []
    for g in groups:
        items = []
        for i in g.items:
            version, status = states.get(i.case_id, (0, CaseStatus.CLOSED))
            items.append({"i": i, "dl": views.deadline_out(i.deadline, today, calendar), "version": version,
                          "status": status, "assignable": may_assign and status is CaseStatus.RECEIVED})
        view.append({"g": g, "items": items, "officers": pickers.get(g.department_id, [])})
    pages = max(1, -(-found.groups_total // GROUPS_PER_PAGE))
    params = {k: v for k, v in {"soon": soon, "department": department or ""}.items() if v != ""}
    return page(request, "board.html", {
        "groups": view, "today": today, "soon": soon, "overdue": found.overdue, "due_today": found.due_today,
        "due_soon": found.due_soon - found.due_today, "escalated": found.escalated,
        "departments": queries.departments(session, regions), "department": department,
        "done": case if done == "assign" else None, "page_no": page_no, "pages": pages,
        "prev_url": f"/board?{urlencode({**params, 'page': page_no - 1})}" if page_no > 1 else None,
        "next_url": f"/board?{urlencode({**params, 'page': page_no + 1})}" if page_no < pages else None},
        user=user)
