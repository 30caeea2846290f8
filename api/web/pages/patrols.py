"""巡查日历: the stored patrol plans by day and team — members, targets, the task sheet PDFs — and
我的小组今日: the officer's own team of the day, its targets in visiting order, each visit's result.

四不两直: targets are never notified; the page is for staff only, and a township's staff see
the teams working in their own area. The calendar opens on the viewer's own team when they are on
one that day (all teams on request). A visit result is a plain form POST to
`/patrols/visits/{id}` (so an offline outbox can queue it), checked by
`cases.service.record_visit`; a violation found opens a case pre-filled from the visit.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi import UploadFile as FastApiUpload
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select
from starlette.datastructures import FormData, UploadFile

from api.deps import CalendarDep, ClockDep, EvidenceStoreDep, SessionDep, SettingsDep, WriteSessionDep
from api.errors import status_of
from api.routes.cases import store_evidence
from api.web import forms
from api.web.deps import FormDep, UserDep, WebUser, make_ctx, require
from api.web.routing import WebRoute
from api.web.templating import page
from cases import authority, queries, repository
from cases.actions import EvidenceIn
from cases.catalogue import load_catalogue
from cases.enums import Role, VisitResult
from cases.errors import DomainError, InputInvalid, NotAuthorised, NotFound, StaleVersion, ValidationFailed
from cases.fields import MAX_INT
from cases.models import Institution
from cases.patrols.models import PatrolPlan, PatrolTeam, PatrolVisit
from cases.service import VisitIn, record_visit

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
            day: Annotated[date | None, Query()] = None,
            view: Annotated[str | None, Query(pattern="^(mine|all)$")] = None) -> Response:
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
                     "names": {}, "draw": set(), "left_out": 0,
                     "result_labels": {r.value: r.label for r in VisitResult}, "mine": False, "view": "all",
                     "my_days": set(), "all_teams": 0, "done": 0,
                     "field_staff": user.has(Role.OFFICER, Role.SUPERVISOR),
                     "pending_whistles": queries.pending_answers(session, user.actor.department_id)
                     if user.has(Role.SUPERVISOR) else 0}
    if chosen is not None:
        by_day = queries.patrol_teams(session, chosen.id, today)
        own = set(regions)
        if chosen.region_code not in own:  # a township's staff: the teams in their own area
            by_day = {d: [t for t in ts if t.team.township in own] for d, ts in by_day.items()}
        days = [date.fromisoformat(d) for d in chosen.days]
        if day not in days:
            day = next((d for d in days if d >= today), days[0] if days else None)
        teams = by_day.get(day, []) if day else []
        me = user.actor.officer_id
        mine = [t for t in teams if me is not None and me in t.member_ids]
        my_days = {d for d, ts in by_day.items() if any(me is not None and me in t.member_ids for t in ts)}
        shown = mine if mine and view != "all" else teams
        context.update(mine=bool(mine), view="mine" if shown is mine and mine else "all", all_teams=len(teams),
                       my_days=my_days, done=sum(t.done for ts in by_day.values() for t in ts))
        context.update(days=[{"d": d, "teams": len(by_day.get(d, [])),
                              "visits": sum(len(t.targets) for t in by_day.get(d, []))} for d in days],
                       day=day, teams=shown, draw=set(chosen.draw_ids), left_out=len(chosen.left_out),
                       visits=sum(len(t.targets) for ts in by_day.values() for t in ts),
                       team_days=sum(len(ts) for ts in by_day.values()),
                       coverage=chosen.stats.get("coverage"), region_name=queries.region_names(session).get(
                           chosen.region_code, chosen.region_code),
                       solver=SOLVERS.get(chosen.solver, chosen.solver), left_out_rows=_left_out(session, chosen))
    return page(request, "patrols.html", context, user=user)


# --- 我的小组今日 ------------------------------------------------------------------------------------


def _team_for(session: Session, user: WebUser, team_id: int | None, today: date) -> queries.TeamView | None:
    """The officer's team today, or (for its members and the jurisdiction's supervisors) the team asked for."""
    if team_id is None:
        return queries.my_team(session, user.actor.officer_id, today)
    team = session.get(PatrolTeam, team_id)
    if team is None or not authority.within(team.township, user.actor.region_code,
                                            repository.region_parents(session)):
        raise NotFound("巡查组不存在或不在您的辖区内", team_id=team_id)
    view = queries.team_views(session, [team])[0]
    if user.actor.officer_id not in view.member_ids and not user.has(Role.SUPERVISOR):
        raise NotAuthorised("您不是该巡查组成员", code="not_on_patrol_team")
    return view


def _today_context(session: Session, user: WebUser, today: date, team_id: int | None, *,
                   failed: dict[str, Any] | None = None, done: int | None = None) -> dict[str, Any]:
    team = _team_for(session, user, team_id, today)
    context: dict[str, Any] = {"team": team, "today": today, "failed": failed or {}, "results": list(VisitResult),
                     "catalogue": load_catalogue(), "done_visit": done, "cases": {}, "draw": set(), "plan": None,
                     "whistle": None, "recorded_by": {}, "future": False}
    if team is None:
        return context
    visits = [v for v, _ in team.targets]
    plan = session.get(PatrolPlan, team.team.plan_id) if team.team.plan_id else None
    context.update(plan=plan, draw=set(plan.draw_ids) if plan else set(), cases=queries.visit_cases(session, visits),
                   recorded_by=queries.officer_names(session, [v.recorded_by_id or 0 for v in visits]),
                   future=team.team.day > today)
    if team.team.whistle_id:
        from cases.patrols.models import Whistle

        context["whistle"] = session.get(Whistle, team.team.whistle_id)
    return context


@router.get("/patrols/today", summary="我的小组今日")
def team_today(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
               team: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
               done: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None) -> Response:
    require(user, Role.OFFICER, Role.SUPERVISOR)
    today = clock.now().date()
    return page(request, "patrol_today.html", _today_context(session, user, today, team, done=done), user=user)


def _photos(form: FormData) -> list[UploadFile]:
    return [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]


def _visit_version(form: FormData) -> int:
    raw = form.get("version")
    if not isinstance(raw, str) or not raw.strip().isdigit() or len(raw.strip()) > 9:
        raise ValidationFailed("表单缺少巡查记录的版本号，请刷新页面后重试", code="version_missing")
    return int(raw.strip())


VISIT_LABELS = {name: f.title or name for name, f in VisitIn.model_fields.items()}


@router.post("/patrols/visits/{visit_id}", summary="登记巡查结果")
def visit_result(request: Request, visit_id: Annotated[int, Path(ge=1, le=MAX_INT)], form: FormDep, user: UserDep,
                 session: SessionDep, write: WriteSessionDep, clock: ClockDep, calendar: CalendarDep,
                 evidence: EvidenceStoreDep, settings: SettingsDep) -> Response:
    require(user, Role.OFFICER, Role.SUPERVISOR)
    visit = session.get(PatrolVisit, visit_id)
    if visit is None:
        raise NotFound("巡查对象不存在或不在您的辖区内", visit_id=visit_id)
    kept = ("result", "findings", "violation_codes", "party_present")
    failed: dict[str, Any] = {"visit_id": visit_id,
                    "values": {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in kept}}
    status = 200
    try:
        data = forms.input_from_form(VisitIn, form)
        version = _visit_version(form)
        # the form parser's uploads are Starlette's UploadFile, which FastAPI's subclasses
        refs = [store_evidence(evidence, settings, cast(FastApiUpload, upload)) for upload in _photos(form)]
        items = [EvidenceIn(sha256=r.sha256, filename=r.filename, content_type=r.content_type, size=r.size,
                            path=r.path) for r in refs]
        record_visit(write, make_ctx(request, user.actor, clock, calendar), visit_id, version, data, evidence=items)
    except InputInvalid as exc:
        write.rollback()
        errors = forms.field_errors(exc)
        failed["error"] = "请检查填写内容：" + forms.describe_errors(errors, VISIT_LABELS)
        status = 422
    except StaleVersion as exc:
        write.rollback()
        failed["error"], failed["stale"] = exc.message, True
        status = 409
    except DomainError as exc:
        write.rollback()
        failed["error"] = exc.message
        status = status_of(exc)
    else:
        back = f"/patrols/today?team={visit.team_id}&done={visit_id}#visit-{visit_id}"
        return RedirectResponse(back, status_code=303)
    context = _today_context(session, user, clock.now().date(), visit.team_id, failed=failed)
    return page(request, "patrol_today.html", context, user=user, status=status)
