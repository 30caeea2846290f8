"""The LP relaxation of a block's CP-SAT model, solved with GLOP: the block's bound, and the
support that the planner's first search is restricted to. Pure: ortools only.

With its default linearisation CP-SAT's best bound on the aggregated model (`planner_cpsat`)
stayed above the trivial bound (Σ of every reachable point) on every district of the city
benchmark, within any budget we gave it (bench/patrols.py: 40 s with two workers on one district
left it unchanged). The LP relaxation of the same model, solved to optimality by GLOP in well
under a second per district (a 3× district: about 5 s), is 2–13 % tighter.

Its solution is nearly integral (on a 3× district of 26,083 variables about 800 are fractional
and 24,100 are zero), so it also tells the search where to look: `planner_search` first solves the
model with the variables the LP left at zero fixed to zero (`Relaxation.zeros`).

It is a valid upper bound on every real plan of the block: the aggregated model is a
relaxation of the real rules (`planner_cpsat`'s docstring), and its LP relaxation is a
relaxation of the model. GLOP answers within its feasibility tolerance, so the bound is
rounded up with a small safety margin (`SLACK`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

SLACK = 1e-6  # relative margin on GLOP's optimum (its tolerances are ~1e-7)
WALL_LIMIT_MS = 600_000  # a safety net only: a city district's LP takes GLOP under a second of CPU,
# a 3× district's about 4 s (35 s of wall time at load average 18)
ZERO = 1e-6  # an LP value below it counts as zero (GLOP's tolerances are ~1e-7)


@dataclass(frozen=True)
class Relaxation:
    bound: float  # the LP optimum with the safety margin: an upper bound of the model's optimum
    values: list[float]  # an optimal LP solution, one value per model variable

    def zeros(self, model: cp_model.CpModel) -> list[int]:
        """The variables the LP solution leaves at a lower bound of zero."""
        return [i for i, (v, var) in enumerate(zip(self.values, model.proto.variables, strict=True))
                if v < ZERO and list(var.domain)[0] == 0]


def lp_relaxation(model: cp_model.CpModel) -> Relaxation | None:
    """The LP relaxation of a maximisation model, or None when the model holds something other
    than linear and at-most-one constraints (then no bound is claimed and no support given)."""
    proto = model.proto
    scale = proto.objective.scaling_factor or 1.0
    if scale >= 0:  # CP-SAT stores a maximisation as a negated minimisation (scaling_factor -1)
        return None
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    inf = solver.infinity()
    xs = []
    for v in proto.variables:
        dom = list(v.domain)
        xs.append(solver.NumVar(float(dom[0]), float(dom[-1]), ""))
    for c in proto.constraints:
        if len(c.enforcement_literal):
            return None
        if c.has_linear():
            dom = list(c.linear.domain)
            lo = -inf if dom[0] <= -(2**62) else float(dom[0])
            hi = inf if dom[-1] >= 2**62 else float(dom[-1])
            row = solver.Constraint(lo, hi)
            for var, coef in zip(c.linear.vars, c.linear.coeffs, strict=True):
                if var < 0:
                    return None
                row.SetCoefficient(xs[var], float(coef))
        elif c.has_at_most_one():
            row = solver.Constraint(-inf, 1.0)
            for var in c.at_most_one.literals:
                if var < 0:  # a negated literal: not produced by planner_cpsat
                    return None
                row.SetCoefficient(xs[var], 1.0)
        else:
            return None
    objective = solver.Objective()
    for var, coef in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        objective.SetCoefficient(xs[var], float(coef))
    objective.SetMinimization()
    solver.SetTimeLimit(WALL_LIMIT_MS)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    value = float(scale * (objective.Value() + proto.objective.offset))
    if not math.isfinite(value):
        return None
    return Relaxation(value + SLACK * max(1.0, abs(value)), [x.solution_value() for x in xs])
