"""巡查日历: the stored patrol plans by day and team — members, targets, the task sheet PDFs.

四不两直: targets are never notified; the page is for staff only, and a township's staff see
the teams working in their own area.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import col, select

from api.deps import ClockDep, SessionDep
from api.web.deps import UserDep
from api.web.routing import WebRoute
from api.web.templating import page
from cases import queries, repository
from cases.errors import NotFound
from cases.fields import MAX_INT
from cases.models import Institution
from cases.patrols.models import PatrolPlan

router = APIRouter(route_class=WebRoute)
SOLVERS = {"greedy": "贪心编排", "cp-sat": "优化求解（CP-SAT）", "lns": "优化求解（CP-SAT）"}


def _left_out(session, plan: PatrolPlan) -> list[dict]:  # noqa: ANN001
    """The targets the plan could not place, with the planner's reason, highest risk first."""
    ids = [row.get("institution_id") for row in plan.left_out if row.get("institution_id")]
    names = dict(session.exec(select(Institution.id, Institution.name).where(col(Institution.id).in_(ids))).all()) \
        if ids else {}
    rows = [{**row, "name": names.get(row.get("institution_id"), "")} for row in plan.left_out]
    return sorted(rows, key=lambda r: (r.get("risk_grade") or "Z", r.get("name") or ""))[:50]


def _ancestors(session, code: str) -> list[str]:  # noqa: ANN001
    parents = repository.region_parents(session)
    out, current = [], parents.get(code)
    while current and current not in out:
        out.append(current)
        current = parents.get(current)
    return out


@router.get("/patrols", summary="巡查日历")
def patrols(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
            plan: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
            day: Annotated[date | None, Query()] = None) -> Response:
    today = clock.now().date()
    regions = repository.subtree_codes(session, user.actor.region_code)
    plans = queries.patrol_plans(session, regions + _ancestors(session, user.actor.region_code))
    chosen: PatrolPlan | None
    if plan is not None:
        chosen = next((p for p in plans if p.id == plan), None)
        if chosen is None:
            raise NotFound("巡查计划不存在或不在您的辖区内", plan_id=plan)
    else:
        current = [p for p in plans if p.end_date >= today]
        chosen = min(current, key=lambda p: p.start_date) if current else (plans[0] if plans else None)
    context: dict = {"plans": plans, "plan": chosen, "today": today, "days": [], "day": None, "teams": [],
                     "names": {}, "draw": set(), "left_out": 0}
    if chosen is not None:
        by_day = queries.patrol_teams(session, chosen.id, today)
        own = set(regions)
        if chosen.region_code not in own:  # a township's staff: the teams in their own area
            by_day = {d: [t for t in ts if t.team.township in own] for d, ts in by_day.items()}
        days = [date.fromisoformat(d) for d in chosen.days]
        if day not in days:
            day = next((d for d in days if d >= today), days[0] if days else None)
        teams = by_day.get(day, []) if day else []
        context.update(days=[{"d": d, "teams": len(by_day.get(d, [])),
                              "visits": sum(len(t.targets) for t in by_day.get(d, []))} for d in days],
                       day=day, teams=teams, draw=set(chosen.draw_ids), left_out=len(chosen.left_out),
                       visits=sum(len(t.targets) for ts in by_day.values() for t in ts),
                       team_days=sum(len(ts) for ts in by_day.values()),
                       coverage=chosen.stats.get("coverage"), region_name=queries.region_names(session).get(
                           chosen.region_code, chosen.region_code),
                       solver=SOLVERS.get(chosen.solver, chosen.solver), left_out_rows=_left_out(session, chosen))
    return page(request, "patrols.html", context, user=user)
