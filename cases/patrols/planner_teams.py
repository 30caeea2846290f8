"""Split one township-day's officers and visits into teams (stage 2 of the CP-SAT planner). Pure.

The aggregated model decides who works in township k on day d and which institutions are
visited there; a greedy split (hardest institutions first) usually forms the teams at once, else
a tiny exact model does: every team 2..max_size certified officers,
1..cap institutions, each institution's departments present (and a second department when it
needs joint enforcement), nobody recused from an institution of their team. It maximises the
points kept minus the officers' cost, so an impossible split drops the least valuable visits
and an officer who is not needed stays home.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from cases.patrols.config import TeamRules
from cases.patrols.planner_greedy import extend_team
from cases.patrols.planner_prep import Candidate, Instance, TeamDay
from cases.patrols.planner_types import Officer

Sum = cp_model.LinearExpr.sum


def form_teams(
    inst: Instance, township: str, day: int, staff: list[Officer], visits: list[Candidate],
    load: dict[int, int], *, seed: int,
) -> tuple[list[TeamDay], int]:
    """(teams, number of visits dropped)."""
    rules = inst.config.team
    cost = {o.id: inst.day_cost(o, max(1, load.get(o.id, 1))) + inst.jitter(o, township, day) for o in staff}
    quick = _greedy_split(staff, visits, rules, cost)
    if quick is not None:
        return [_team(day, township, members, chosen) for members, chosen in quick], 0
    return _exact_split(inst, township, day, staff, visits, cost, seed)


Split = list[tuple[list[Officer], list[Candidate]]]
BoolVar = cp_model.IntVar


def _greedy_split(staff: list[Officer], visits: list[Candidate], rules: TeamRules, cost: dict[int, int],
                  ) -> Split | None:
    """Most township-days split at once: hardest institutions first, each into the team that
    needs the fewest extra officers (cheapest first). None if an institution finds no team."""
    pool = sorted(staff, key=lambda o: (cost[o.id], o.id))
    teams: Split = []
    order = sorted(visits, key=lambda c: (-len(c.target.needs_departments), -len(c.target.recused_officers),
                                          c.index))
    for cand in order:
        free = [o for o in pool if all(o not in members for members, _ in teams)]
        best = None
        for i, (members, chosen) in enumerate(teams):
            if len(chosen) >= rules.max_targets_per_day:
                continue
            grown = extend_team(members, [*chosen, cand], free + members, rules)
            if grown is not None and (best is None or len(grown) < len(best[1])):
                best = (i, grown)
        if best is None:
            grown = extend_team([], [cand], free, rules)
            if grown is None:
                return None
            teams.append((grown, [cand]))
        else:
            i, grown = best
            teams[i] = (grown, [*teams[i][1], cand])
    return teams


def _exact_split(inst: Instance, township: str, day: int, staff: list[Officer], visits: list[Candidate],
                 cost: dict[int, int], seed: int) -> tuple[list[TeamDay], int]:
    rules = inst.config.team
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
        for j in slots:
            terms.append(b[(o.id, j)])
            coefs.append(-cost[o.id])
    m.maximize(cp_model.LinearExpr.weighted_sum(terms, coefs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % (2**31 - 1)
    solver.parameters.max_deterministic_time = 0.5  # tiny, but symmetric: do not insist on a proof
    solver.parameters.max_time_in_seconds = 10.0
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


def _slot(m: cp_model.CpModel, j: int, u: BoolVar, b: dict[tuple[int, int], BoolVar],
          e: dict[tuple[int, int], BoolVar], staff: list[Officer], visits: list[Candidate], rules: TeamRules,
          ) -> None:
    members = [b[(o.id, j)] for o in staff]
    targets = [e[(c.index, j)] for c in visits]
    m.add(Sum(members) >= rules.min_certified * u)
    m.add(Sum(members) <= rules.max_size * u)
    m.add(Sum(targets) <= rules.max_targets_per_day * u)
    m.add(Sum(targets) >= u)
    by_dept: dict[str, list[BoolVar]] = defaultdict(list)
    for o in staff:
        by_dept[o.department].append(b[(o.id, j)])
    present: dict[str, BoolVar] = {}
    for c in visits:
        needs = c.target.needs_departments
        for dept in sorted(needs):
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
