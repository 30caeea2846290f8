"""Split one township-day's officers and visits into teams (stage 2 of the CP-SAT planner). Pure.

The aggregated model decides who works in township k on day d and which institutions are
visited there; this tiny exact model forms the teams: every team 2..max_size certified officers,
1..cap institutions, each institution's departments present (and a second department when it
needs joint enforcement), nobody recused from an institution of their team. It maximises the
points kept minus the officers' cost, so an impossible split drops the least valuable visits
and an officer who is not needed stays home.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from cases.patrols.planner_prep import Candidate, Instance, TeamDay
from cases.patrols.planner_types import Officer
from cases.patrols.rules import team_shortfalls

Sum = cp_model.LinearExpr.sum


def form_teams(
    inst: Instance, township: str, day: int, staff: list[Officer], visits: list[Candidate],
    load: dict[int, int], *, seed: int,
) -> tuple[list[TeamDay], int]:
    """(teams, number of visits dropped)."""
    rules = inst.config.team
    if len(staff) <= rules.max_size and len(visits) <= rules.max_targets_per_day and not team_shortfalls(
        staff, [c.target for c in visits], rules
    ):
        return [_team(day, township, staff, visits)], 0
    m = cp_model.CpModel()
    slots = range(len(staff) // rules.min_certified)
    u = [m.new_bool_var("") for _ in slots]
    b = {(o.id, j): m.new_bool_var("") for o in staff for j in slots}
    e = {(c.index, j): m.new_bool_var("") for c in visits for j in slots}
    for o in staff:
        m.add_at_most_one([b[(o.id, j)] for j in slots])
    for c in visits:
        m.add_at_most_one([e[(c.index, j)] for j in slots])
    for j in slots:
        _slot(m, j, u[j], b, e, staff, visits, rules)
    for u1, u2 in zip(u, u[1:], strict=False):
        m.add(u1 >= u2)
    terms, coefs = [], []
    for c in visits:
        for j in slots:
            terms.append(e[(c.index, j)])
            coefs.append(c.day_value.get(day, 0) + c.extra)
    for o in staff:
        cost = inst.day_cost(o, max(1, load.get(o.id, 1))) + inst.jitter(o, township, day)
        for j in slots:
            terms.append(b[(o.id, j)])
            coefs.append(-cost)
    m.maximize(cp_model.LinearExpr.weighted_sum(terms, coefs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31 - 1)
    solver.parameters.max_deterministic_time = 5.0
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], len(visits)
    teams, kept = [], 0
    for j in slots:
        if solver.boolean_value(u[j]):
            members = [o for o in staff if solver.boolean_value(b[(o.id, j)])]
            chosen = [c for c in visits if solver.boolean_value(e[(c.index, j)])]
            kept += len(chosen)
            teams.append(_team(day, township, members, chosen))
    return teams, len(visits) - kept


def _slot(m, j, u, b, e, staff, visits, rules) -> None:
    members = [b[(o.id, j)] for o in staff]
    targets = [e[(c.index, j)] for c in visits]
    m.add(Sum(members) >= rules.min_certified * u)
    m.add(Sum(members) <= rules.max_size * u)
    m.add(Sum(targets) <= rules.max_targets_per_day * u)
    m.add(Sum(targets) >= u)
    by_dept: dict[str, list] = defaultdict(list)
    for o in staff:
        by_dept[o.department].append(b[(o.id, j)])
    present = {}
    for c in visits:
        needs = c.target.needs_departments
        for dept in needs:
            m.add(e[(c.index, j)] <= Sum(by_dept.get(dept, [])))
        if needs:
            if not present:
                for dept, group in by_dept.items():
                    present[dept] = m.new_bool_var("")
                    m.add(present[dept] <= Sum(group))
            m.add(Sum(list(present.values())) >= rules.min_departments_joint * e[(c.index, j)])
        for o in staff:
            if o.id in c.target.recused_officers:
                m.add(b[(o.id, j)] + e[(c.index, j)] <= 1)


def _team(day: int, township: str, officers: list[Officer], visits: list[Candidate]) -> TeamDay:
    return TeamDay(day, township, tuple(sorted(o.id for o in officers)), tuple(sorted(c.index for c in visits)))
