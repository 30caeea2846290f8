"""The LP relaxation bound of a block's CP-SAT model, solved with GLOP. Pure: ortools only.

With its default linearisation CP-SAT's best bound on the aggregated model (`planner_cpsat`)
stayed above the trivial bound (Σ of every reachable point) on every district of the city
benchmark, within any budget we gave it (bench/patrols.py: 40 s with two workers on one district
left it unchanged). The LP relaxation of the same model, solved to optimality by GLOP in well
under a second per district, is 2–13 % tighter. At linearisation level 2 (the planner's step 0)
CP-SAT solves that LP at its root and reports it as its bound; GLOP is the fallback for a part
whose step 0 ran out of budget before its root LP.

It is a valid upper bound on every real plan of the block: the aggregated model is a
relaxation of the real rules (`planner_cpsat`'s docstring), and its LP relaxation is a
relaxation of the model. GLOP answers within its feasibility tolerance, so the bound is
rounded up with a small safety margin (`SLACK`).
"""

from __future__ import annotations

import math

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

SLACK = 1e-6  # relative margin on GLOP's optimum (its tolerances are ~1e-7)
WALL_LIMIT_MS = 600_000  # a safety net only: a city district's LP takes GLOP under a second of CPU,
# a 3× district's about 4 s (35 s of wall time at load average 18)


def lp_bound(model: cp_model.CpModel) -> float | None:
    """The optimum of the LP relaxation of a maximisation model, or None when the model holds
    something other than linear and at-most-one constraints (then no bound is claimed)."""
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
    return value + SLACK * abs(value) + 1.0
