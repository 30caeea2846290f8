"""Patrol staffing rules as data and predicates, and the checker every plan must pass. Pure.

The numbers come from `cases/data/patrol.toml` (team size, targets per team-day, duty cap,
objective weights, draw share, solver defaults) and `cases/data/risk.toml` (grades, frequency).
`check_plan` states every hard rule once; tests run it on both solvers' plans and the planner
runs it on its own output before returning it.

Hard rules of a team-day (班组日):
- at least `min_certified` officers with a valid 执法证 (行政处罚法 art. 42), at most `max_size`;
- one township (乡镇/街道) per team per day, at most `max_targets_per_day` institutions;
- for every institution visited: a certified officer of each department it needs, and if it
  needs any department, officers from at least `min_departments_joint` departments (联合执法);
- no officer recused (回避) from an institution the team visits; officers only in their region;
- an officer is on at most one team a day, never on a leave day, and on at most
  `max_days_per_window` days of the plan;
- an institution at most once a day, and two visits at least its grade's frequency apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from cases.patrols.config import (
    DrawRules,
    PatrolConfig,
    SolverRules,
    TeamRules,
    Weights,
    default_config,
    load_patrol_config,
    parse_patrol_config,
)
from cases.patrols.planner_prep import grade_of
from cases.patrols.planner_types import Officer, Plan, PlanRequest, Target

# The configuration lives in cases.patrols.config; these names stay importable from here.
__all__ = ["DrawRules", "PatrolConfig", "SolverRules", "TeamRules", "Weights", "default_config", "load_patrol_config",
           "parse_patrol_config", "check_plan", "may_serve", "team_shortfalls"]


# --- predicates -------------------------------------------------------------------------------


def team_shortfalls(members: Iterable[Officer], targets: Iterable[Target], rules: TeamRules) -> list[str]:
    """Why this group of officers may not visit these institutions together (empty if it may)."""
    members = list(members)
    problems: list[str] = []
    certified = [m for m in members if m.certified]
    if len(certified) < rules.min_certified:
        problems.append(f"持证执法人员{len(certified)}人，少于{rules.min_certified}人")
    if len(members) > rules.max_size:
        problems.append(f"组员{len(members)}人，超过上限{rules.max_size}人")
    if len({m.id for m in members}) != len(members):
        problems.append("同一执法人员在组内重复")
    departments = {m.department for m in certified}
    for target in targets:
        missing = sorted(set(target.needs_departments) - departments)
        if missing:
            problems.append(f"机构{target.institution_id}需要{'、'.join(missing)}持证人员参加")
        elif target.needs_departments and len(departments) < rules.min_departments_joint:
            problems.append(f"机构{target.institution_id}需联合执法，组内部门少于{rules.min_departments_joint}个")
        recused = sorted(target.recused_officers & {m.id for m in members})
        if recused:
            problems.append(f"执法人员{recused}与机构{target.institution_id}存在回避关系")
    return problems


def may_serve(officer: Officer, target: Target) -> bool:
    """Region (jurisdiction) match: an officer without a region serves anywhere."""
    return officer.region is None or target.region is None or officer.region == target.region


def fits_a_team(target: Target, rules: TeamRules) -> bool:
    """A team holds at most `max_size` officers, one department each: an institution needing more
    departments than that cannot be visited by any patrol team."""
    return len(target.needs_departments) <= rules.max_size


def check_plan(request: PlanRequest, plan: Plan) -> list[str]:
    """Every hard rule broken by `plan` (Chinese, one line each); empty means the plan is valid."""
    officers = {o.id: o for o in request.officers}
    targets = {t.institution_id: t for t in request.targets}
    rules = request.config.team
    problems: list[str] = []
    duty_days: Counter[int] = Counter()
    visits: dict[int, list[date]] = defaultdict(list)
    allowed_days = set(request.days)
    for day in plan.days:
        if day.date not in allowed_days:
            problems.append(f"{day.date}不是给定的巡查日")
        seen_officers: Counter[int] = Counter()
        seen_targets: Counter[int] = Counter()
        for team in day.teams:
            where = f"{day.date} {team.township}"
            found = [officers.get(m.officer_id) for m in team.members]
            members = [o for o in found if o is not None]
            if len(members) < len(found):
                problems.append(f"{where}：组内有不存在的执法人员")
                continue
            listed = [targets.get(v.institution_id) for v in team.targets]
            visited = [t for t in listed if t is not None]
            if len(visited) < len(listed) or not visited:
                problems.append(f"{where}：检查对象为空或不在名录中")
                continue
            problems += [f"{where}：{p}" for p in team_shortfalls(members, visited, rules)]
            if len(visited) > rules.max_targets_per_day:
                problems.append(f"{where}：检查机构{len(visited)}家，超过每组每日上限")
            for t in visited:
                if t.township != team.township:
                    problems.append(f"{where}：机构{t.institution_id}不在本乡镇（街道）")
                visits[t.institution_id].append(day.date)
                seen_targets[t.institution_id] += 1
            for m in members:
                seen_officers[m.id] += 1
                duty_days[m.id] += 1
                if day.date in m.unavailable:
                    problems.append(f"{where}：执法人员{m.id}当日请假")
                if not all(may_serve(m, t) for t in visited):
                    problems.append(f"{where}：执法人员{m.id}不属该区域")
        problems += [f"{day.date}：执法人员{o}被编入多个组" for o, n in seen_officers.items() if n > 1]
        problems += [f"{day.date}：机构{t}被安排多次" for t, n in seen_targets.items() if n > 1]
    cap = request.config.max_days_per_window
    problems += [f"执法人员{o}本期值班{n}天，超过上限{cap}天" for o, n in duty_days.items() if n > cap]
    problems += _spacing_problems(request, visits)
    return problems


def _spacing_problems(request: PlanRequest, visits: Mapping[int, list[date]]) -> list[str]:
    problems = []
    targets = {t.institution_id: t for t in request.targets}
    for institution_id, dates in visits.items():
        if len(dates) < 2:
            continue
        target = targets[institution_id]
        gap = request.config.risk.frequency(grade_of(target, request.config.risk))
        ordered = sorted(dates)
        for first, second in zip(ordered, ordered[1:], strict=False):
            if gap is None or (second - first).days < gap:
                problems.append(f"机构{institution_id}两次检查间隔不足（{first}、{second}）")
    return problems
