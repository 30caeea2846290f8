"""The CP-SAT search of one block, reproducible. Pure: stdlib + ortools.

1. The LP's support: the model is solved without the greedy hint, with CP-SAT's full linear
   relaxation (`linearization_level` 2) and with every variable the LP relaxation left at zero
   fixed to zero (`planner_bound.Relaxation.zeros`, given as `first_zeros`), on the whole budget.
   The LP solution is nearly integral, so the restricted model is small (a 3× district: 2,000
   free variables of 26,000) and its solutions are near the LP bound. Its own bound holds for the
   restricted model only, so the block's bound is the LP's (`upper`).
2. When that restricted model is solved to optimality with budget left (small blocks), the whole
   model follows from its solution for the rest, which proves small blocks optimal.

What was measured (bench/patrols.py's instances; plan after team formation, gap to the LP bound):
a 3× district at 8 units of deterministic time 13.6 % with the whole model (default
linearisation, a quarter of the budget, then a large-neighbourhood search), 2.9 % restricted with
half the budget, 1.8 % with 70 %; city districts at 4 units 1.07 → 0.81 % and 21.6 → 4.4 %. The
whole model at level 2 worked on a city district (0.7–3.0 %) but not on a 3× one (it spent its
share before a good first solution), and the greedy hint steered the first worker away from the
LP-guided search. A deterministic large-neighbourhood search (re-solving a few days, townships or
township-days around the incumbent) used to follow on 30 % of the budget; giving the restricted
model all of it took bench/patrols.py from 1.98 to 1.82 % at city scale and from 2.19 to 1.68 %
at 3×, in less time — the greedy repair after team formation (`planner`) fills what the
aggregated solution leaves, and the neighbourhoods' gains were mostly what the repair would have
added anyway (docs/scale.md, "Step 0 on the whole budget"). With the whole budget in these two
solves the neighbourhood search never ran (not in the tests, not in the benchmarks), so it was
removed.

CP-SAT's own LNS only runs with several free-running workers, which are not reproducible, and its
deterministic modes (one worker, or `interleave_search`) improved the greedy hint by < 1 % on a
city district within 4 units. So each solve has one worker, a fixed seed and a deterministic time
limit: the same block and seed give the same plan on any load. A wall-clock cap stops a run that
is far slower than expected and says so (`wall_hit`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

LINEARIZATION = 2  # CP-SAT's full LP relaxation and its cuts (see the docstring)


@dataclass
class SearchResult:
    solution: list[int]
    objective: int
    bound: float  # CP-SAT's, when the whole model was searched; else inf
    # OPTIMAL if proved (the whole model, or `upper` reached), FEASIBLE if CP-SAT found any
    # solution, else UNKNOWN
    status: str
    deterministic_time: float
    wall_hit: bool


def search(
    model: cp_model.CpModel, hint: list[int], objective: int, *, budget: float, seed: int,
    deterministic: bool = True, det_per_second: float = 0.3, wall_safety: float = 3.0,
    first_zeros: Sequence[int] = (), upper: float = float("inf"),
) -> SearchResult:
    """`hint` (the greedy plan, worth `objective`) is kept unless the search beats it. `budget` is
    deterministic time when `deterministic`, else wall seconds (then the result may differ from
    run to run). `first_zeros`: the variables fixed to zero first; `upper`: a known bound of the
    model (the LP's): an objective reaching it is optimal."""
    started = time.perf_counter()
    cap = wall_safety * budget / det_per_second if deterministic else budget

    def limits(share: float) -> tuple[float | None, float]:
        """(deterministic limit, wall limit) of one solve given its share of the budget."""
        left_wall = max(0.05, cap - (time.perf_counter() - started))
        return (share, left_wall) if deterministic else (None, min(left_wall, share))

    status, value, solution, det, bound = _solve(model, first_zeros, [0] * len(hint), *limits(budget), seed,
                                                 hinted=False)
    whole = not first_zeros  # the whole model was searched: its status and bound are the model's
    left = budget - (det if deterministic else time.perf_counter() - started)
    if status == "OPTIMAL" and value is not None and solution is not None and not whole and left > 0:
        status, value2, solution2, det2, bound = _solve(model, (), solution, *limits(left), seed, hinted=True)
        det, whole = det + det2, True
        if value2 is not None and solution2 is not None and value2 > value:
            value, solution = value2, solution2
    result = SearchResult(hint, objective, bound if whole else float("inf"),
                          "UNKNOWN" if value is None else "FEASIBLE", det, False)
    if value is not None and solution is not None and value > objective:
        result.solution, result.objective = solution, value
    reached = math.isfinite(upper) and result.objective >= math.floor(upper)  # an integer objective
    if (whole and status == "OPTIMAL") or reached:
        result.status = "OPTIMAL"
    else:
        result.wall_hit = deterministic and det < budget and time.perf_counter() - started >= cap
    return result


Solved = tuple[str, int | None, list[int] | None, float, float]  # status, objective, solution, det. time, bound


def _solve(model: cp_model.CpModel, fixed: Sequence[int], values: list[int], det_limit: float | None,
           wall_limit: float, seed: int, *, hinted: bool) -> Solved:
    """One CP-SAT solve with the variables `fixed` set to their `values`, and all of `values` as
    the hint when `hinted`."""
    clone = model.clone()
    proto = clone.proto
    for i in fixed:
        domain = proto.variables[i].domain
        domain.clear()
        domain.extend([values[i], values[i]])
    proto.clear_solution_hint()
    if hinted:
        proto.solution_hint.vars.extend(range(len(values)))
        proto.solution_hint.values.extend(values)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.random_seed = seed % (2**31 - 1)
    params.linearization_level = LINEARIZATION
    if det_limit is not None:
        params.max_deterministic_time = max(0.01, det_limit)
    params.max_time_in_seconds = max(0.05, wall_limit)  # always set (docs/dependencies.md, "OR-Tools CP-SAT")
    status = solver.solve(clone)
    name = solver.status_name(status)
    det = solver.response_proto.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return name, None, None, det, float("inf")
    return (name, round(solver.objective_value), list(solver.response_proto.solution), det,
            solver.best_objective_bound)
