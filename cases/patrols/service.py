"""Patrol planning use cases: gather the planner's input from the database, plan, store the plan.

The planner itself is pure (`cases.patrols.planner.plan`). Re-planning a window only plans the
pupil rest days that have no plan yet, so the weekly flow over a 14-day horizon never books an
officer twice (and the database's unique officer/day key would refuse it anyway). The seed of a
window defaults to its first date, so re-running the same input gives the same plan.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from cases import repository
from cases.errors import NotFound, RuleViolation, ValidationFailed
from cases.models import (
    Case,
    Complaint,
    Department,
    Inspection,
    Institution,
    Officer,
    OfficerLeave,
    Recusal,
    Region,
)
from cases.patrols import draw as draws
from cases.patrols.models import PatrolMember, PatrolPlan, PatrolTeam, PatrolVisit
from cases.patrols.planner import Plan, PlanRequest, plan
from cases.patrols.planner_types import Officer as PlanOfficer
from cases.patrols.planner_types import Target
from cases.patrols.risk import RiskInputs, load_risk_config, score
from cases.patrols.rules import load_patrol_config
from cases.ports import Clock
from cases.pupil_calendar import PupilCalendar

# What a target's facts require of a team (department kinds; law-adjacent working rules)
NEEDS_BY_LICENCE = {"unlicensed": ("education", "market"), "unlicensed_registered": ("education", "market")}


@dataclass(frozen=True)
class PlannedWindow:
    plan_row: PatrolPlan | None  # None when every rest day of the window was planned already
    plan: Plan | None
    skipped_days: tuple[date, ...]


def default_seed(start: date) -> int:
    return int(start.strftime("%Y%m%d"))


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _county_of(session: Session) -> dict[str, str | None]:
    """Each region's county (区/县): the planner works district by district in a city plan."""
    levels = dict(session.exec(select(Region.code, Region.level)).all())
    out: dict[str, str | None] = {}
    for code in levels:
        out[code] = next((c for c in repository.ancestors(session, code) if levels.get(c) == "county"), None)
    return out


def _officers(session: Session, region_code: str, days: tuple[date, ...]) -> tuple[PlanOfficer, ...]:
    codes = set(repository.subtree_codes(session, region_code))
    county = _county_of(session)
    depts = {d.id: d for d in session.exec(select(Department)).all() if d.region_code in codes}
    leave: dict[int, set[date]] = {}
    for row in session.exec(select(OfficerLeave).where(col(OfficerLeave.end_date) >= days[0],
                                                       col(OfficerLeave.start_date) <= days[-1])).all():
        leave.setdefault(row.officer_id, set()).update(d for d in days if row.start_date <= d <= row.end_date)
    busy = session.exec(select(PatrolMember.officer_id, PatrolMember.day).where(
        col(PatrolMember.day).in_(days))).all()
    for officer_id, day in busy:  # already on a team that day (a joint operation, say)
        leave.setdefault(officer_id, set()).add(day)
    duty = Counter(session.exec(select(PatrolMember.officer_id).where(
        col(PatrolMember.day) >= _quarter_start(days[0]), col(PatrolMember.day) < days[0])).all())
    rows = session.exec(select(Officer).where(col(Officer.active)).order_by(col(Officer.id))).all()
    return tuple(
        PlanOfficer(o.id, depts[o.department_id].kind, o.certified_on(days[-1]),
                    county[depts[o.department_id].region_code],  # city-level staff (None) serve anywhere
                    frozenset(leave.get(o.id, ())), duty[o.id])
        for o in rows if o.department_id in depts and ("officer" in o.roles or "supervisor" in o.roles))


def _targets(session: Session, region_code: str, as_of: date) -> tuple[Target, ...]:
    codes = repository.subtree_codes(session, region_code)
    county = _county_of(session)
    insts = session.exec(select(Institution).where(col(Institution.region_code).in_(codes))
                         .order_by(col(Institution.id))).all()
    since = as_of - timedelta(days=90)
    complaints: dict[int, list] = {}
    for inst_id, received, refund in session.exec(select(Complaint.institution_id, Complaint.received_at,
                                                         Complaint.refund_related)
                                                  .where(col(Complaint.institution_id).is_not(None))).all():
        complaints.setdefault(inst_id, []).append((received.date(), refund))
    violations = Counter(session.exec(select(Case.institution_id).where(col(Case.filed_at).is_not(None))).all())
    last_visit = dict(session.exec(select(Case.institution_id, func.max(Inspection.started_at))
                                   .join(Case, col(Case.id) == Inspection.case_id).group_by(Case.institution_id)).all())
    for inst_id, recorded in session.exec(select(PatrolVisit.institution_id, func.max(PatrolVisit.recorded_at))
                                          .where(col(PatrolVisit.recorded_at).is_not(None))
                                          .group_by(col(PatrolVisit.institution_id))).all():
        if recorded is not None and (last_visit.get(inst_id) is None or recorded > last_visit[inst_id]):
            last_visit[inst_id] = recorded  # a recorded patrol visit is a visit too (whatever it found)
    recusals: dict[int, set[int]] = {}
    for r in session.exec(select(Recusal)).all():
        recusals.setdefault(r.institution_id, set()).add(r.officer_id)
    out = []
    for inst in insts:
        mine = complaints.get(inst.id, [])
        risk = RiskInputs(str(inst.category), str(inst.licence_status),
                          complaints_90d=sum(1 for d, _ in mine if d >= since),
                          refund_complaints=sum(1 for _, refund in mine if refund),
                          prior_violations=violations[inst.id], fund_supervision=inst.fund_supervision,
                          enrolled=inst.student_count or None, capacity=inst.capacity,
                          list_status=str(inst.list_status))
        visited = last_visit.get(inst.id)
        out.append(Target(inst.id, inst.region_code, county[inst.region_code], None, risk,
                          visited.date() if visited else None,
                          tuple(sorted(d for d, _ in mine if d <= as_of)),
                          frozenset(NEEDS_BY_LICENCE.get(str(inst.licence_status), ())),
                          frozenset(recusals.get(inst.id, ()))))
    return tuple(out)


def rest_days_to_plan(session: Session, pupils: PupilCalendar, start: date, days: int,
                      region_code: str | None = None) -> tuple[list[date], list[date]]:
    """(rest days of the window still to plan, rest days already planned). With `region_code`,
    only plans of that region, of a region above it or of one below it count: a county's plan
    does not plan its neighbour's days, and a city plan covers its counties."""
    end = start + timedelta(days=days - 1)
    window = pupils.rest_days(start, end, provisional=True)
    query = select(PatrolPlan.days).where(col(PatrolPlan.start_date) <= end, col(PatrolPlan.end_date) >= start)
    if region_code is not None:
        related = set(repository.ancestors(session, region_code)) | set(repository.subtree_codes(session, region_code))
        query = query.where(col(PatrolPlan.region_code).in_(sorted(related)))
    overlapping = session.exec(query).all()
    planned = {date.fromisoformat(d) for days_ in overlapping for d in days_} & set(window)
    return [d for d in window if d not in planned], sorted(planned)


def counties_to_plan(session: Session, region_code: str) -> list[str]:
    """The counties (区/县) a plan of `region_code` fans out to, one plan each: the counties below a
    city or province; a county (or a township) is planned as itself. Officers serve their own
    county, so the counties' plans are independent parts of one plan (docs/scale.md)."""
    levels = dict(session.exec(select(Region.code, Region.level)).all())
    if levels.get(region_code) not in ("city", "province"):
        return [region_code]
    return sorted(c for c in repository.subtree_codes(session, region_code) if levels.get(c) == "county")


def plan_patrols(session: Session, *, region_code: str, start: date, days: int, pupils: PupilCalendar,
                 clock: Clock, seed: int | None = None, solver: str = "cp-sat", time_limit: float | None = None,
                 actor_id: int | None = None, attempts: int = 3, num_workers: int | None = None) -> PlannedWindow:
    """Plan the window's unplanned pupil rest days and store the plan.

    No transaction spans the solve: the inputs are read and the read transaction ended (on SQLite
    every transaction holds the write lock), the solver runs outside any transaction, and the plan
    is written in one short transaction that first re-checks what the solve relied on — the days
    still unplanned, and every chosen officer still active, not on leave and not booked that day.
    If something changed meanwhile, the window is planned again from fresh inputs (up to
    `attempts` times), so officers are never double-booked and logins and case transitions are
    never queued behind a solve. `num_workers` overrides patrol.toml's solver threads (a county
    planned beside others in a pool uses one).
    """
    if not 1 <= days <= 92:
        raise ValidationFailed("巡查计划天数应在1到92天之间", code="patrol_days")
    seed = default_seed(start) if seed is None else seed
    for _ in range(attempts):
        todo, skipped = rest_days_to_plan(session, pupils, start, days, region_code)
        if not todo:
            session.rollback()
            return PlannedWindow(None, None, tuple(skipped))
        request = PlanRequest(tuple(todo), _officers(session, region_code, tuple(todo)),
                              _targets(session, region_code, clock.today()), seed, load_patrol_config(),
                              as_of=clock.today())
        session.rollback()  # end the read transaction before the solve
        result = plan(request, solver=solver, time_limit=time_limit, num_workers=num_workers)
        if not _still_valid(session, result, request, pupils, start, days, region_code):
            session.rollback()
            continue
        row = _store(session, result, request, region_code, start, days, clock, actor_id)
        _update_grades(session, request)
        session.commit()
        return PlannedWindow(row, result, tuple(skipped))
    raise RuleViolation("巡查计划期间人员或日程多次发生变化，请稍后重新生成", code="patrol_inputs_changed")


def _still_valid(session: Session, result: Plan, request: PlanRequest, pupils: PupilCalendar, start: date,
                 days: int, region_code: str | None = None) -> bool:
    """Inside the write transaction: nothing the solve relied on has changed since it read its inputs."""
    todo, _ = rest_days_to_plan(session, pupils, start, days, region_code)
    if set(request.days) - set(todo):
        return False  # another run planned one of these days meanwhile
    booked = {(m.officer_id, day.date) for day in result.days for team in day.teams for m in team.members}
    if not booked:
        return True
    ids = sorted({officer_id for officer_id, _ in booked})
    active = set(session.exec(select(Officer.id).where(col(Officer.id).in_(ids), col(Officer.active))).all())
    if active != set(ids):
        return False
    taken = set(session.exec(select(PatrolMember.officer_id, PatrolMember.day).where(
        col(PatrolMember.officer_id).in_(ids), col(PatrolMember.day).in_(list(request.days)))).all())
    if taken & booked:
        return False
    for row in session.exec(select(OfficerLeave).where(col(OfficerLeave.officer_id).in_(ids),
                                                       col(OfficerLeave.end_date) >= request.days[0],
                                                       col(OfficerLeave.start_date) <= request.days[-1])).all():
        if any(o == row.officer_id and row.start_date <= d <= row.end_date for o, d in booked):
            return False
    return True


def _store(session: Session, result: Plan, request: PlanRequest, region_code: str, start: date, days: int,
           clock: Clock, actor_id: int | None) -> PatrolPlan:
    stats = {k: v for k, v in dict(result.stats).items() if isinstance(v, (int, float, str))}
    row = PatrolPlan(start_date=start, end_date=start + timedelta(days=days - 1), region_code=region_code,
                     seed=result.seed, solver=result.solver, status=result.status, objective=result.objective,
                     bound=result.bound, gap=result.gap, days=[d.isoformat() for d in request.days],
                     draw_pool=list(result.draw.pool), draw_ids=list(result.draw.institution_ids),
                     left_out=[{"institution_id": x.institution_id, "risk_grade": x.risk_grade, "reason": x.reason}
                               for x in result.left_out],
                     stats={**stats, "wall_time": round(result.wall_time, 3)}, plan_json=result.to_dict(),
                     created_at=clock.now(),
                     created_by_id=actor_id)
    session.add(row)
    session.flush()
    for day in result.days:
        for team in day.teams:
            t = PatrolTeam(plan_id=row.id, day=day.date, township=team.township)
            session.add(t)
            session.flush()
            session.add_all(PatrolMember(team_id=t.id, officer_id=m.officer_id, day=day.date,
                                         department_kind=m.department) for m in team.members)
            session.add_all(PatrolVisit(team_id=t.id, institution_id=v.institution_id, risk_grade=v.risk_grade,
                                        reason=v.reason) for v in team.targets)
    return row


def _update_grades(session: Session, request: PlanRequest) -> None:
    config = load_risk_config()
    for target in request.targets:
        result = score(target.risk, config)
        inst = session.get(Institution, target.institution_id)
        if inst.risk_grade != result.grade or inst.risk_inputs.get("score") != result.score:
            inst.risk_grade = result.grade
            inst.risk_inputs = {"score": result.score, "breakdown": dict(result.breakdown)}
            session.add(inst)


def verify_draw(session: Session, plan_id: int) -> tuple[bool, list[int], list[int]]:
    """Replay the plan's 双随机 draw from its recorded pool and seed: (matches, recorded, replayed)."""
    row = session.get(PatrolPlan, plan_id)
    if row is None:
        raise NotFound("巡查计划不存在", plan_id=plan_id)
    replayed = draws.replay_draw(row.draw_pool, row.seed, len(row.draw_ids))
    pool_intact = draws.pool_digest(row.draw_pool) == row.plan_json.get("draw", {}).get("pool_sha256")
    return pool_intact and replayed == list(row.draw_ids), list(row.draw_ids), replayed


def counties_with_days_to_plan(session: Session, counties: list[str], pupils: PupilCalendar, start: date,
                               days: int) -> list[str]:
    """The counties of `counties` that still have a pupil rest day of [start, start + days) without a plan
    (a city re-run starts no run for a county whose window is planned already)."""
    return [c for c in counties if rest_days_to_plan(session, pupils, start, days, c)[0]]


def region_names(session: Session, codes: list[str]) -> dict[str, str]:
    """Region code → name (the code itself when the region is unknown)."""
    names = dict(session.exec(select(Region.code, Region.name).where(col(Region.code).in_(codes))).all())
    return {code: str(names.get(code) or code) for code in codes}


def sheets_of_plan(session: Session, plan_id: int) -> tuple[int, int]:
    """(teams, teams with their task sheet) of a stored plan."""
    rows = session.exec(select(PatrolTeam.sheet_document_id).where(PatrolTeam.plan_id == plan_id)).all()
    return len(rows), sum(1 for r in rows if r is not None)


def plans_of_window(session: Session, region_codes: list[str], start: date, days: int) -> dict[str, int]:
    """Region code → id of the latest stored plan of that region overlapping [start, start + days)."""
    end = start + timedelta(days=days - 1)
    rows = session.exec(select(PatrolPlan.region_code, PatrolPlan.id).where(
        col(PatrolPlan.region_code).in_(region_codes), col(PatrolPlan.start_date) <= end,
        col(PatrolPlan.end_date) >= start).order_by(col(PatrolPlan.id))).all()
    return {str(code): int(plan_id) for code, plan_id in rows if plan_id is not None}


def plan_covering(session: Session, start: date, days: int) -> PatrolPlan | None:
    """The latest stored plan whose window starts in [start, start + days)."""
    return session.exec(select(PatrolPlan).where(col(PatrolPlan.start_date) >= start,
                                                 col(PatrolPlan.start_date) < start + timedelta(days=days))
                        .order_by(col(PatrolPlan.id).desc())).first()


def plans_lacking_sheets(session: Session, start: date, days: int) -> list[int]:
    """Ids of the stored plans overlapping [start, start + days) that have a team without its task sheet
    (a run killed while rendering leaves such a plan; the next run of the flow renders them)."""
    end = start + timedelta(days=days - 1)
    rows = session.exec(select(PatrolPlan.id).join(PatrolTeam, PatrolTeam.plan_id == PatrolPlan.id)
                        .where(col(PatrolPlan.start_date) <= end, col(PatrolPlan.end_date) >= start,
                               col(PatrolTeam.sheet_document_id).is_(None))
                        .distinct().order_by(col(PatrolPlan.id))).all()
    return list(rows)


def plan_summary(session: Session, plan_id: int) -> dict:
    """What a person reads about a stored plan: its teams (day, township, members, visits and those done), the
    grade-A targets left out and why, and whether every team has its sheet."""
    row = session.get(PatrolPlan, plan_id)
    if row is None:
        raise NotFound("巡查计划不存在", plan_id=plan_id)
    teams = session.exec(select(PatrolTeam).where(PatrolTeam.plan_id == plan_id)
                         .order_by(col(PatrolTeam.day), col(PatrolTeam.id))).all()
    team_ids = [t.id for t in teams]
    members = Counter(session.exec(select(PatrolMember.team_id).where(col(PatrolMember.team_id).in_(team_ids))).all())
    visits = Counter(session.exec(select(PatrolVisit.team_id).where(col(PatrolVisit.team_id).in_(team_ids))).all())
    done = Counter(session.exec(select(PatrolVisit.team_id).where(col(PatrolVisit.team_id).in_(team_ids),
                                                                 col(PatrolVisit.result).is_not(None))).all())
    names = dict(session.exec(select(Institution.id, Institution.name).where(
        col(Institution.id).in_([x["institution_id"] for x in row.left_out]))).all()) if row.left_out else {}
    return {
        "plan_id": row.id, "start": row.start_date.isoformat(), "end": row.end_date.isoformat(),
        "solver": row.solver, "status": row.status, "gap": row.gap, "seed": row.seed,
        "teams": [{"team_id": t.id, "day": t.day.isoformat(), "township": t.township, "members": members[t.id],
                   "visits": visits[t.id], "visits_done": done[t.id], "sheet_document_id": t.sheet_document_id}
                  for t in teams],
        "left_out_grade_a": [{"institution_id": x["institution_id"], "name": names.get(x["institution_id"], ""),
                              "reason": x["reason"]} for x in row.left_out if x.get("risk_grade") == "A"],
    }
