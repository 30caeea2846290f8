"""Weekend/holiday patrol planner: `plan(request) -> Plan`. Pure: no database, no clock, no Prefect.

Pipeline: `planner_prep` turns the request into candidates (due by risk grade, recent
complaints, the 双随机 draw) and independent blocks; `planner_greedy` plans every block; then,
unless `solver="greedy"`, `planner_cpsat` improves every block from the greedy hint and the
better of the two is kept per block (every objective term belongs to one block, so the sum is
the plan's objective). The plan is checked against `rules.check_plan` before it is returned.

Same request (days, officers, register, seed, config) → the same plan and the same
`to_json()`, for greedy always and for CP-SAT in its default deterministic mode (see
`planner_cpsat`'s docstring for what was measured and why).

`Plan.status`: OPTIMAL (every block proved), FEASIBLE (CP-SAT plan, not proved; `bound`/`gap`
say how far it could be), HEURISTIC (greedy requested), FALLBACK_UNAVAILABLE (ortools missing),
FALLBACK_NO_SOLUTION (CP-SAT found nothing in time), FALLBACK_INVALID (a CP-SAT plan failed
`rules.check_plan`, a bug: the greedy plan is used and `stats["invalid_cpsat_plan"]` says why).
The three fallbacks have `solver == "greedy"`.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from cases.errors import RuleViolation, ValidationFailed
from cases.patrols.planner_explain import left_out
from cases.patrols.planner_greedy import solve_greedy
from cases.patrols.planner_prep import Instance, TeamDay, build_instance, evaluate
from cases.patrols.planner_types import (
    DayPlan,
    DrawRecord,
    LeftOut,
    Member,
    Officer,
    Plan,
    PlanRequest,
    Target,
    Team,
    Visit,
)
from cases.patrols.rules import check_plan

if TYPE_CHECKING:  # planner_cpsat needs ortools, imported only when CP-SAT is asked for
    from cases.patrols.planner_cpsat import BlockResult, Job, JobResult

T = TypeVar("T")

__all__ = [
    "DayPlan", "DrawRecord", "LeftOut", "Member", "Officer", "Plan", "PlanRequest", "Target", "Team",
    "Visit", "plan",
]

SOLVERS = ("cp-sat", "greedy")


def plan(
    request: PlanRequest,
    *,
    solver: str = "cp-sat",
    time_limit: float | None = None,
    num_workers: int | None = None,
    deterministic: bool | None = None,
) -> Plan:
    """Plans the patrols for `request.days`.

    `time_limit` (seconds, default from patrol.toml) bounds the CP-SAT search for the whole plan;
    in deterministic mode it is spent as CP-SAT deterministic time, so a run takes about that
    long but the result does not depend on machine load.
    """
    if solver not in SOLVERS:
        raise ValidationFailed(f"未知求解器：{solver}（可选 cp-sat、greedy）", code="patrol_solver")
    started = time.perf_counter()
    inst = build_instance(request)
    sc = request.config.solver
    greedy = {b.index: solve_greedy(inst, b) for b in inst.blocks}
    stats: dict = {"greedy_objective": evaluate(inst, _flat(greedy))[0], "blocks": len(inst.blocks)}
    chosen, bound, status, used = greedy, _trivial_bound(inst), "HEURISTIC", "greedy"
    if solver == "cp-sat":
        try:
            from cases.patrols import planner_cpsat
        except ImportError:  # ortools missing: the greedy plan is the plan
            status = "FALLBACK_UNAVAILABLE"
        else:
            chosen, bound, status, used = _improve(
                inst, greedy, planner_cpsat, stats,
                seconds=sc.time_limit if time_limit is None else time_limit,
                workers=num_workers or sc.num_workers,
                deterministic=sc.deterministic if deterministic is None else deterministic,
                elapsed=time.perf_counter() - started,
            )
    result = _result(inst, chosen, bound, status, used, stats, started)
    problems = check_plan(request, result)
    if problems and used == "cp-sat":  # a solver-side bug must not stop the patrols: keep greedy
        stats["invalid_cpsat_plan"] = "；".join(problems[:5])
        result = _result(inst, greedy, _trivial_bound(inst), "FALLBACK_INVALID", "greedy", stats, started)
        problems = check_plan(request, result)
    if problems:  # a planner bug, never a user error: refuse rather than hand out a bad plan
        raise RuleViolation("巡查计划校验未通过：" + "；".join(problems[:5]), code="patrol_invalid")
    return result


def _result(inst: Instance, chosen, bound: int, status: str, used: str, stats: dict, started: float) -> Plan:
    teams = _flat(chosen)
    objective, value, _ = evaluate(inst, teams)
    bound = max(bound, objective)
    return Plan(
        days=_days(inst, teams),
        seed=inst.request.seed,
        objective=objective,
        bound=bound,
        gap=(bound - objective) / max(1, abs(objective)),
        status=status,
        solver=used,
        left_out=tuple(left_out(inst, teams)),
        draw=inst.draw,
        wall_time=time.perf_counter() - started,
        stats=MappingProxyType({**stats, **_coverage(inst, teams, value)}),
    )


def _improve(inst: Instance, greedy, cpsat, stats: dict, *, seconds: float, workers: int,
             deterministic: bool, elapsed: float):
    """CP-SAT (`planner_search`: the LP's support first) per block, `workers` blocks at a time,
    each with one CP-SAT worker and a share of `seconds × rate × threads` proportional to its
    size; rate is DET_PER_SECOND in deterministic mode (budget in deterministic time), else 1.
    With fewer blocks than workers, each block runs independent searches with other seeds
    (`chains`) and keeps the best: still reproducible, and both cores work.

    The searches run in a pool of processes (`_pool`): each job is the block's model as text
    and returns a solution vector, so no GIL and no plan objects are shared; the model is built
    and the teams are formed here. A job's result depends only on the job, so the plan is the
    same in processes, threads or inline.

    The budget is not split into rounds: a second round that gave 30 % of it to the parts in
    proportion to their remaining gaps was measured and dropped — it cut step 0's share below
    what linearisation level 2 needs on a city district (district 0 at 3 units: 1.46 % to the
    bound in one round, 12.89 % with 2.1 + 0.9 units; bench/patrols.py instance)."""
    blocks = [b for b in inst.blocks if b.candidates and b.officers]
    sizes = {b.index: len(b.candidates) * len(b.officers) for b in blocks}
    total = sum(sizes.values()) or 1
    rate = cpsat.DET_PER_SECOND if deterministic else 1.0
    chains = max(1, workers // max(1, len(blocks)))  # fewer blocks than threads: independent searches
    threads = max(1, min(workers, len(blocks) * chains))
    budget = max(0.0, seconds - (0 if deterministic else elapsed)) * rate * threads
    prepared = {(b.index, c): cpsat.prepare(inst, b, greedy[b.index], budget=budget * sizes[b.index] / total / chains,
                                            deterministic=deterministic, seed=inst.request.seed + 7919 * c)
                for b in blocks for c in range(chains)}
    kind = _pool_kind(threads, len(prepared), sum(len(m.m.proto.variables) for m, _job in prepared.values()))
    with _pool(kind, threads) as pool:
        done = _run(pool, cpsat, {key: job for key, (_m, job) in prepared.items()})
    results: dict[Key, list[BlockResult]] = {key: [cpsat.finish(inst, m, done[key], job.seed)] for key, (m, job)
                                            in prepared.items()}
    stats["pool"] = kind
    stats["lp_solved"] = sum(d.lp_bound is not None for d in done.values())  # parts bounded by GLOP's LP
    chosen, bound, statuses, parts = dict(greedy), 0, [], []
    stats.update(wall_limit_hit=False, deterministic=deterministic, cpsat_blocks_improved=0, dropped_visits=0,
                 deterministic_time=0.0)
    for b in blocks:
        base = best = evaluate(inst, greedy[b.index])[0]
        block_bound, status = _trivial_bound(inst, [b]), "UNKNOWN"
        for res in (r for c in range(chains) for r in results[(b.index, c)]):
            stats["wall_limit_hit"] |= res.wall_limit_hit
            stats["deterministic_time"] += res.deterministic_time
            block_bound = min(block_bound, res.bound)  # CP-SAT's and the LP's: valid without a solution
            if res.status == "UNKNOWN":
                continue
            status = "OPTIMAL" if "OPTIMAL" in (res.status, status) else "FEASIBLE"
            stats["dropped_visits"] += res.dropped
            repaired = solve_greedy(inst, b, start=res.teams)  # re-place visits team formation dropped
            value = evaluate(inst, repaired)[0]
            if value > best:
                chosen[b.index], best = repaired, value
        statuses.append(status)
        bound += max(block_bound, best)
        parts.append((b.index, best, max(block_bound, best)))
        stats["cpsat_blocks_improved"] += best > base
    stats["parts"] = tuple(parts)  # (block, objective, bound) of every part: where the gap is
    if statuses and all(s == "UNKNOWN" for s in statuses):
        return greedy, _trivial_bound(inst), "FALLBACK_NO_SOLUTION", "greedy"
    status = "OPTIMAL" if all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"
    return chosen, bound, status, "cp-sat"


Key = tuple[int, int]  # (block index, chain)


def _run(pool: Executor, cpsat: ModuleType, jobs: dict[Key, Job]) -> dict[Key, JobResult]:
    futures = {key: pool.submit(cpsat.run_job, job) for key, job in jobs.items()}
    return {key: f.result() for key, f in futures.items()}


# Model variables over all jobs from which a pool of processes is used: below it (a county, the
# tests' instances) starting processes costs more than the GIL the threads share; CP-SAT itself
# releases the GIL, so threads still keep both cores busy.
PROCESS_MIN_VARIABLES = 20_000


def _pool_kind(workers: int, jobs: int, variables: int) -> str:
    if workers <= 1 or jobs <= 1:
        return "inline"
    return "process" if variables >= PROCESS_MIN_VARIABLES else "thread"


class _Inline(Executor):
    """Runs each job at once in the caller (one worker, or a single job)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:  # noqa: ANN401
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def _pool(kind: str, workers: int) -> Executor:
    """Processes are spawned, not forked: the planner runs inside the API and Prefect processes,
    whose threads a fork would copy in whatever state their locks are."""
    if kind == "process":
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=workers)
    return _Inline()


def _flat(by_block) -> list[TeamDay]:
    return [t for b in sorted(by_block) for t in by_block[b]]


def _trivial_bound(inst: Instance, blocks=None) -> int:
    """Σ of every reachable point, no cost: an upper bound on any plan's objective."""
    blocks = inst.blocks if blocks is None else blocks
    return sum(inst.candidates[i].demand for b in blocks if b.officers for i in b.candidates)


def _days(inst: Instance, teams: list[TeamDay]) -> tuple[DayPlan, ...]:
    per_day: dict[int, list[Team]] = defaultdict(list)
    for t in teams:
        members = tuple(
            Member(o, inst.officers[o].department, inst.officers[o].certified) for o in sorted(t.officers)
        )
        visits = tuple(
            Visit(c.target.institution_id, c.grade, c.reason(t.day))
            for c in sorted((inst.candidates[i] for i in t.targets), key=lambda c: c.target.institution_id)
        )
        per_day[t.day].append(Team(t.township, members, visits))
    return tuple(
        DayPlan(day, tuple(sorted(per_day[i], key=lambda t: (t.township, t.members[0].officer_id))))
        for i, day in enumerate(inst.days)
    )


def _coverage(inst: Instance, teams: list[TeamDay], value: int) -> dict:
    demand = sum(c.demand for c in inst.candidates)
    visited = {i for t in teams for i in t.targets}
    grade_a = [c for c in inst.candidates if c.grade == "A" and any(v > 0 for v in c.day_value.values())]
    return {
        "value": value,
        "demand": demand,
        "coverage": value / demand if demand else 1.0,
        "grade_a_due": len(grade_a),
        "grade_a_visited": sum(c.index in visited for c in grade_a),
        "visits": sum(len(t.targets) for t in teams),
        "team_days": len(teams),
        "officer_days": sum(len(t.officers) for t in teams),
    }
