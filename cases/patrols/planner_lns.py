"""Deterministic large-neighbourhood search (LNS) around CP-SAT. Pure: stdlib + ortools.

CP-SAT's own LNS only runs with several free-running workers, which are not reproducible; its
deterministic modes (one worker, or `interleave_search`) improved the greedy hint by < 1% on a
city district within 4 units of deterministic time (measured, bench/patrols.py). So the search is
driven from here, with every step reproducible:

0. the model is solved once, without the greedy hint, with CP-SAT's full linear relaxation
   (`linearization_level` 2) and with every variable the LP relaxation left at zero fixed to
   zero (`planner_bound.Relaxation.zeros`, given as `first_zeros`), on the whole budget
   (`FIRST_SHARE`; when the restricted model is solved with budget left, the whole model follows
   from its solution). The LP solution is nearly integral, so the restricted model is small (a 3×
   district: 2,000 free variables of 26,000) and its solutions are near the LP bound. Measured
   with bench/patrols.py's instances (plan after team formation, gap to the LP bound): a 3×
   district at 8 units of deterministic time 13.6 % with the whole model (default
   linearisation, a quarter of the budget, then LNS), 2.9 % restricted with half the budget,
   1.8 % with 70 %; city districts at 4 units 1.07 → 0.81 % and 21.6 → 4.4 %. Before, the
   whole model at level 2 worked on a city district (0.7–3.0 %) but not on a 3× one (it spent
   its share before a good first solution), and the greedy hint steered the first worker away
   from the LP-guided search. Step 0's own bound holds for the restricted model only, so the
   block's bound is the LP's (`upper`). Giving step 0 all of the budget instead of 70 % (the
   rest went to step 1) took bench/patrols.py from 1.98 to 1.82 % at city scale and from 2.19 to
   1.68 % at 3×, in less time: the greedy repair after team formation (`planner`) fills what the
   aggregated solution leaves, and the LNS's gains on the aggregated model were mostly what the
   repair would have added anyway (docs/scale.md, "Step 0 on the whole budget");
1. then, until the deterministic budget is spent (with the whole budget in step 0: only when step
   0 stops early without a proof, or for a caller's smaller `first_share`): free a neighbourhood (all township-days of a
   few days, of a few townships, or a random set of township-days), fix every other variable to
   the incumbent, and solve that sub-model with one worker, a fixed seed, a deterministic time
   limit and the incumbent as a complete hint; keep the result if it scores higher. The size
   of the neighbourhood grows after a sub-model is solved to optimality and shrinks otherwise.

Neighbourhoods come from `random.Random(seed)`, sub-solves are deterministic, and the budget is
counted in CP-SAT deterministic time: the same block and seed give the same plan on any load.
A wall-clock cap stops a run that is far slower than expected and says so (`wall_hit`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

FIRST_SHARE = 1.0  # of the budget for step 0 (the LP's support, from scratch; was 0.7, see the docstring)
FIRST_LINEARIZATION = 2  # step 0 with CP-SAT's full LP relaxation and its cuts (see the docstring)
STEP_DET = 0.4  # deterministic-time limit of one neighbourhood solve
START_FRACTION, MIN_FRACTION, MAX_FRACTION = 0.25, 0.08, 0.6


@dataclass
class LnsResult:
    solution: list[int]
    objective: int
    bound: float  # CP-SAT's, when step 0 searched the whole model; else inf
    # OPTIMAL if proved (step 0 on the whole model, or `upper` reached), FEASIBLE if CP-SAT found
    # any solution, else UNKNOWN
    status: str
    deterministic_time: float
    wall_hit: bool
    steps: int
    improved: int


def search(
    model: cp_model.CpModel, groups: Sequence[Sequence[int]], keys: Sequence[tuple[str, int]],
    hint: list[int], objective: int, *, budget: float, seed: int, deterministic: bool = True,
    det_per_second: float = 0.3, wall_safety: float = 3.0, first_share: float = FIRST_SHARE,
    first_zeros: Sequence[int] = (), upper: float = float("inf"),
) -> LnsResult:
    """`groups[i]` holds the variable indices of township-day `keys[i]`; the other variables
    (officer loads, coverage) stay free in every neighbourhood. `budget` is deterministic time
    when `deterministic`, else wall seconds (then the result may differ from run to run).
    `first_zeros`: the variables fixed to zero in step 0; `upper`: a known bound of the model
    (the LP's): an objective reaching it is optimal, and the search stops."""
    started = time.perf_counter()
    cap = wall_safety * budget / det_per_second if deterministic else budget

    def spent(res: LnsResult | None = None) -> float:
        return (res.deterministic_time if res else 0.0) if deterministic else time.perf_counter() - started

    step = STEP_DET if deterministic else STEP_DET / det_per_second  # in budget units

    def limits(share: float) -> tuple[float | None, float]:
        """(deterministic limit, wall limit) of one solve given its share of the budget."""
        left_wall = max(0.05, cap - (time.perf_counter() - started))
        return (share, left_wall) if deterministic else (None, min(left_wall, share))

    det_limit, wall_limit = limits(budget * first_share)
    status, value, solution, det, bound = _solve(model, first_zeros, [0] * len(hint), det_limit, wall_limit, seed,
                                                 FIRST_LINEARIZATION, hinted=False)
    whole = not first_zeros  # step 0 searched the whole model: its status and bound are the model's
    share_left = budget * first_share - (det if deterministic else time.perf_counter() - started)
    if status == "OPTIMAL" and value is not None and solution is not None and not whole and share_left > 0:
        # the LP's support solved with share left (a small block): the whole model from that
        # solution for the rest of the share, which proves a small block optimal before any LNS
        det_limit, wall_limit = limits(share_left)
        status, value2, solution2, det2, bound = _solve(model, (), solution, det_limit, wall_limit, seed,
                                                        FIRST_LINEARIZATION, hinted=True)
        det, whole = det + det2, True
        if value2 is not None and solution2 is not None and value2 > value:
            value, solution = value2, solution2
    result = LnsResult(hint, objective, bound if whole else float("inf"), "UNKNOWN" if value is None else "FEASIBLE",
                       det, False, 0, 0)
    if value is not None and solution is not None and value > objective:
        result.solution, result.objective, result.improved = solution, value, 1
    step0_proved = whole and status == "OPTIMAL"

    def proved() -> bool:
        reached = math.isfinite(upper) and result.objective >= math.floor(upper)  # an integer objective
        return step0_proved or reached

    if proved() or not groups:
        result.status = "OPTIMAL" if proved() else result.status
        return result
    rng = random.Random(seed)
    fraction = START_FRACTION
    days = sorted({d for _, d in keys})
    townships = sorted({k for k, _ in keys})
    while spent(result) < budget:
        if time.perf_counter() - started >= cap:
            result.wall_hit = deterministic
            break
        free = _neighbourhood(rng, result.steps, keys, days, townships, fraction)
        fixed = [i for g, key in zip(groups, keys, strict=True) if key not in free for i in g]
        det_limit, wall_limit = limits(min(step, budget - spent(result)))
        status, value, solution, det, _ = _solve(model, fixed, result.solution, det_limit, wall_limit,
                                                 seed + result.steps + 1, hinted=True)
        result.deterministic_time += det
        result.steps += 1
        if status in ("OPTIMAL", "FEASIBLE") and result.status == "UNKNOWN":
            result.status = "FEASIBLE"
        if value is not None and solution is not None and value > result.objective:
            result.solution, result.objective = solution, value
            result.improved += 1
            if proved():
                result.status = "OPTIMAL"
                break
        fraction = min(MAX_FRACTION, fraction * 1.25) if status == "OPTIMAL" else max(MIN_FRACTION, fraction * 0.8)
    return result


def _neighbourhood(rng: random.Random, step: int, keys: Sequence[tuple[str, int]], days: list[int],
                   townships: list[str], fraction: float) -> set[tuple[str, int]]:
    kind = step % 3
    if kind == 0:  # a few whole days: lets officers and visits move between those days
        some_days = set(rng.sample(days, min(len(days), max(2, round(fraction * len(days))))))
        return {key for key in keys if key[1] in some_days}
    if kind == 1:  # a few whole townships: lets teams move between those townships
        chosen = set(rng.sample(townships, max(1, min(len(townships), round(fraction * len(townships))))))
        return {key for key in keys if key[0] in chosen}
    return set(rng.sample(list(keys), max(1, round(fraction * len(keys)))))


Solved = tuple[str, int | None, list[int] | None, float, float]  # status, objective, solution, det. time, bound


def _solve(model: cp_model.CpModel, fixed: Sequence[int], values: list[int], det_limit: float | None,
           wall_limit: float, seed: int, linearization: int | None = None, *, hinted: bool) -> Solved:
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
    if linearization is not None:
        params.linearization_level = linearization
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
