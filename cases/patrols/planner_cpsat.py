"""CP-SAT patrol planner, one model per independent block (region group). Pure: ortools only.

What was measured on the city benchmark (bench/patrols.py: 3,500 institutions, 600 officers in
12 districts, 12 rest days; a shared 2-core box) and decided:

* A model with explicit team slots per township-day (officer-in-slot, institution-in-slot
  booleans) had 40k+ booleans per district; CP-SAT spent ~11 s of presolve per district and
  did not improve on the greedy hint. Rejected.
* The *aggregated model* below has ~4.5k variables per district. Given to CP-SAT whole with the
  greedy hint, 2 free-running workers gained +11% over greedy in 60 s (not reproducible); one
  worker with a deterministic time limit, or `interleave_search` (CP-SAT's only deterministic
  parallel mode), gained < 1% per district for the same budget (and the interleaved run of the
  whole city took 236 s of wall time for a 60 s budget).
* A *deterministic LNS* (fix everything but a few days / townships / random township-days to
  the incumbent, re-solve with one worker) gained +20–30% over greedy, reproducibly. It was the
  planner until the solve of the LP relaxation's support replaced it (`planner_search`); blocks
  run in parallel (`num_workers`).

Aggregated model. Booleans y[o,k,d] (officer o works in township k on day d), x[c,d]
(institution c visited on day d), z[o,j] (officer o works a j-th day), cov[c] (visited at all);
integers n[k,d] (teams in township k on day d). Every team rule is stated over a township-day:
min_certified·n ≤ officers ≤ max_size·n; n ≤ visits ≤ cap·n and x ≤ n; a visit needing
department p needs an officer of p there, and visits needing p ≤ cap·(officers of p); visits
needing only p ≤ cap·(officers not of p) (joint teams); a recused officer and the institution
not together unless n ≥ 2. Plus one township per officer-day, the duty cap, and visit spacing.
Each is implied by the real rules, so the model is a relaxation and its bound is valid for the
real problem. The redundant aggregate constraints (docs/dependencies.md, "OR-Tools CP-SAT") (visits ≤ cap·teams and
teams ≤ officer-days/2 per day and per block, department demand ≤ cap·department officers per
day) are kept: here they are sums of per-township-day rows, so the LP bound did not move, but the
neighbourhood search of the time did slightly better with them (mean +21.6% vs +18.3% over greedy
on three districts).
Objective: Σ visit points + once-only points − convex duty/fairness cost − seed jitter.

Team formation (`planner_teams`) then splits each township-day into teams; when departments or
recusal make the aggregate impossible to split (a few visits in a thousand), the least valuable
visits are dropped and `planner_greedy` re-places what it can. A block keeps its greedy plan
unless the result scores higher: never worse than greedy.

Determinism. Budgets are counted in CP-SAT deterministic time (`max_deterministic_time`, an
operation count): `time_limit` seconds buy time_limit × DET_PER_SECOND × threads units, the rate
measured on the development box, so a plan takes about `time_limit` there, longer on a loaded or
slower machine, and is the same plan. Every solve also has a wall-clock limit (docs/dependencies.md, "OR-Tools CP-SAT"):
WALL_SAFETY × the expected time; if it ever fires the plan says so in
`stats["wall_limit_hit"]`, because that run may not repeat. `deterministic=False` counts the
budget in wall seconds instead (more search on a fast machine, not reproducible).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from cases.patrols import planner_bound, planner_search
from cases.patrols.planner_prep import Block, Instance, TeamDay
from cases.patrols.planner_teams import form_teams
from cases.patrols.rules import fits_a_team, may_serve

DET_PER_SECOND = 0.4  # CP-SAT deterministic time per CPU second (docs/scale.md, "Budget rate": 0.44–0.49 here)
WALL_SAFETY = 10.0  # wall-clock safety net in deterministic mode, × the expected time
Sum = cp_model.LinearExpr.sum


@dataclass
class BlockResult:
    teams: list[TeamDay]
    objective: int  # of the aggregated solution (before team formation)
    bound: int
    status: str  # OPTIMAL / FEASIBLE / UNKNOWN (no solution: the hint is kept)
    deterministic_time: float
    wall_limit_hit: bool
    dropped: int  # visits team formation could not place
    lp_bound: float | None = None  # the LP relaxation's optimum (planner_bound), when it has one


class _Model:
    def __init__(self, inst: Instance, block: Block) -> None:
        self.inst, self.block, self.m = inst, block, cp_model.CpModel()
        self.y: dict[tuple[int, str, int], cp_model.IntVar] = {}
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.n: dict[tuple[str, int], cp_model.IntVar] = {}
        self.z: dict[tuple[int, int], cp_model.IntVar] = {}
        self.cov: dict[int, cp_model.IntVar] = {}
        self.two: dict[tuple[str, int], cp_model.IntVar] = {}
        self.cands_kd: dict[tuple[str, int], list] = defaultdict(list)
        self.officers_kd: dict[tuple[str, int], list] = {}


def _build(inst: Instance, block: Block) -> _Model:
    M, rules = _Model(inst, block), inst.config.team
    m, cap, min_cert = M.m, rules.max_targets_per_day, rules.min_certified
    for i in block.candidates:
        cand = inst.candidates[i]
        for d in cand.day_value:
            M.cands_kd[(cand.target.township, d)].append(cand)
    for (k, d), cands in sorted(M.cands_kd.items()):
        probe = cands[0].target
        officers = [o for o in block.officers if inst.available(o, d) and may_serve(o, probe)]
        depts = {o.department for o in officers}
        # a visit no team can hold only loosened the LP (planner_explain says why it is left out)
        cands[:] = [c for c in cands if c.target.needs_departments <= depts and fits_a_team(c.target, rules)]
        most = min(math.ceil(len(cands) / cap), len(officers) // min_cert)
        if most == 0:
            continue
        M.officers_kd[(k, d)] = officers
        M.n[(k, d)] = m.new_int_var(0, most, "")
        for o in officers:
            M.y[(o.id, k, d)] = m.new_bool_var("")
        for c in cands:
            M.x.setdefault((c.index, d), m.new_bool_var(""))
    for (k, d), officers in M.officers_kd.items():
        _township_day(M, k, d, officers, rules)
    _officers(M, inst.config.max_days_per_window)
    _institutions(M)
    _aggregates(M, cap, min_cert)
    _objective(M)
    return M


def _township_day(M: _Model, k: str, d: int, officers: list, rules) -> None:
    m, n, cap = M.m, M.n[(k, d)], rules.max_targets_per_day
    ys = {o.id: M.y[(o.id, k, d)] for o in officers}
    cands = M.cands_kd[(k, d)]
    xs = [M.x[(c.index, d)] for c in cands]
    m.add(Sum(list(ys.values())) >= rules.min_certified * n)
    m.add(Sum(list(ys.values())) <= rules.max_size * n)
    m.add(Sum(xs) <= cap * n)
    m.add(Sum(xs) >= n)
    by_dept: dict[str, list] = defaultdict(list)
    for o in officers:
        by_dept[o.department].append(ys[o.id])
    needing: dict[str, list] = defaultdict(list)
    only: dict[str, list] = defaultdict(list)
    for c in cands:
        x = M.x[(c.index, d)]
        m.add(x <= n)  # strong linking: a visit needs a whole team there (tightens the LP)
        for dept in sorted(c.target.needs_departments):  # sorted: the model text must not depend on str hashing
            needing[dept].append(x)
            m.add(x <= Sum(by_dept[dept]))
        if len(c.target.needs_departments) == 1 and rules.min_departments_joint >= 2:
            only[next(iter(c.target.needs_departments))].append(x)
        wide = len(c.target.needs_departments) - rules.min_certified
        if wide > 0:  # its team has one officer per department it needs, the others min_certified
            m.add(Sum(list(ys.values())) >= rules.min_certified * n + wide * x)
    for dept, group in needing.items():
        m.add(Sum(group) <= cap * Sum(by_dept[dept]))
    for dept, group in only.items():
        m.add(Sum(group) <= cap * Sum([y for o, y in ys.items() if M.inst.officers[o].department != dept]))
    recusals = [(o, c) for c in cands for o in c.target.recused_officers if o in ys]
    if recusals:
        two = M.two[(k, d)] = m.new_bool_var("")
        m.add(2 * two <= n)
        for o, c in recusals:
            m.add(ys[o] + M.x[(c.index, d)] <= 1 + two)


def _officers(M: _Model, max_days: int) -> None:
    m = M.m
    per_day: dict[tuple[int, int], list] = defaultdict(list)
    for (o, _k, d), y in M.y.items():
        per_day[(o, d)].append(y)
    days_of: dict[int, list] = defaultdict(list)
    for (o, _d), ys in per_day.items():
        if len(ys) > 1:
            m.add_at_most_one(ys)
        days_of[o].append(Sum(ys))
    for o, exprs in days_of.items():
        zs = [m.new_bool_var("") for _ in range(min(max_days, len(exprs)))]
        for j, zv in enumerate(zs, start=1):
            M.z[(o, j)] = zv
        m.add(Sum(exprs) == Sum(zs))
        for z1, z2 in zip(zs, zs[1:], strict=False):
            m.add(z1 >= z2)


def _institutions(M: _Model) -> None:
    m, inst = M.m, M.inst
    by_cand: dict[int, list[int]] = defaultdict(list)
    for ci, d in M.x:
        by_cand[ci].append(d)
    for ci, ds in by_cand.items():
        cand, ds = inst.candidates[ci], sorted(ds)
        if cand.interval is None:
            if len(ds) > 1:
                m.add_at_most_one([M.x[(ci, d)] for d in ds])
        else:
            last_end = -1
            for i, d0 in enumerate(ds):
                window = [d for d in ds[i:] if (inst.days[d] - inst.days[d0]).days < cand.interval]
                if len(window) > 1 and window[-1] > last_end:  # else a subset of the previous one
                    m.add_at_most_one([M.x[(ci, d)] for d in window])
                last_end = window[-1]
        if cand.extra > 0:
            M.cov[ci] = m.new_bool_var("")
            m.add(M.cov[ci] <= Sum([M.x[(ci, d)] for d in ds]))


def _aggregates(M: _Model, cap: int, min_cert: int) -> None:
    m, inst = M.m, M.inst
    teams_day: dict[int, list] = defaultdict(list)
    for (_k, d), n in M.n.items():
        teams_day[d].append(n)
    officers_day: dict[int, list] = defaultdict(list)
    dept_day: dict[tuple[str, int], list] = defaultdict(list)
    for (o, _k, d), y in M.y.items():
        officers_day[d].append(y)
        dept_day[(inst.officers[o].department, d)].append(y)
    visits_day: dict[int, list] = defaultdict(list)
    needs_day: dict[tuple[str, int], list] = defaultdict(list)
    for (ci, d), x in M.x.items():
        visits_day[d].append(x)
        for dept in sorted(inst.candidates[ci].target.needs_departments):
            needs_day[(dept, d)].append(x)
    for d, ns in teams_day.items():
        m.add(Sum(visits_day[d]) <= cap * Sum(ns))
        m.add(min_cert * Sum(ns) <= Sum(officers_day[d]))
    for (dept, d), xs in needs_day.items():
        m.add(Sum(xs) <= cap * Sum(dept_day[(dept, d)]))
    if M.n:
        m.add(min_cert * Sum(list(M.n.values())) <= Sum(list(M.z.values())))
        m.add(Sum(list(M.x.values())) <= cap * Sum(list(M.n.values())))


def _objective(M: _Model) -> None:
    inst, vars_, coefs = M.inst, [], []
    for (ci, d), x in M.x.items():
        vars_.append(x)
        coefs.append(inst.candidates[ci].day_value[d])
    for ci, cv in M.cov.items():
        vars_.append(cv)
        coefs.append(inst.candidates[ci].extra)
    for (o, j), zv in M.z.items():
        vars_.append(zv)
        coefs.append(-inst.day_cost(inst.officers[o], j))
    for (o, k, d), y in M.y.items():
        jitter = inst.jitter(inst.officers[o], k, d)
        if jitter:
            vars_.append(y)
            coefs.append(-jitter)
    M.m.maximize(cp_model.LinearExpr.weighted_sum(vars_, coefs))


def _hint_vector(M: _Model, hint: list[TeamDay]) -> list[int]:
    """The greedy plan as a value for every model variable (a complete hint)."""
    teams: dict[tuple[str, int], int] = defaultdict(int)
    working, visits, load = set(), set(), defaultdict(int)
    for t in hint:
        teams[(t.township, t.day)] += 1
        for o in t.officers:
            working.add((o, t.township, t.day))
            load[o] += 1
        visits |= {(c, t.day) for c in t.targets}
    seen = {c for c, _ in visits}
    values = [0] * len(M.m.proto.variables)
    for key, n in M.n.items():
        values[n.index] = teams.get(key, 0)
    for key, y in M.y.items():
        values[y.index] = int(key in working)
    for key, x in M.x.items():
        values[x.index] = int(key in visits)
    for (o, j), zv in M.z.items():
        values[zv.index] = int(j <= load[o])
    for ci, cv in M.cov.items():
        values[cv.index] = int(ci in seen)
    for key, two in M.two.items():
        values[two.index] = int(teams.get(key, 0) >= 2)
    return values


@dataclass
class Job:
    """One block's search as plain, picklable values: the model in CP-SAT's text format (a
    CpModel does not pickle) and the greedy start. `run_job` needs
    nothing else, so it runs in a thread, in a pool process or inline with the same result."""

    model_text: str
    start: list[int]
    start_objective: int
    budget: float
    deterministic: bool
    seed: int


@dataclass
class JobResult:
    found: planner_search.SearchResult
    lp_bound: float | None


def prepare(inst: Instance, block: Block, hint: list[TeamDay], *, budget: float, deterministic: bool,
            seed: int) -> tuple[_Model, Job]:
    M = _build(inst, block)
    start = _hint_vector(M, hint)
    return M, Job(str(M.m.proto), start, evaluate_vector(M, start), budget, deterministic, seed)


def run_job(job: Job) -> JobResult:
    """The CP-SAT part of a block's solve: the LP relaxation (GLOP; the bound, and the support
    the search is restricted to first), then `planner_search.search`. No Python objects of the
    plan. GLOP's time is not counted in the deterministic budget: a city district's LP takes it under a second, a 3×
    district's about 5 s (bench/patrols.py)."""
    model = cp_model.CpModel()
    model.proto.parse_text_format(job.model_text)
    relaxation = planner_bound.lp_relaxation(model)
    res = planner_search.search(model, job.start, job.start_objective, budget=job.budget, seed=job.seed,
                                deterministic=job.deterministic, det_per_second=DET_PER_SECOND,
                                wall_safety=WALL_SAFETY, first_zeros=relaxation.zeros(model) if relaxation else (),
                                upper=relaxation.bound if relaxation else float("inf"))
    return JobResult(res, relaxation.bound if relaxation else None)


def finish(inst: Instance, M: _Model, done: JobResult, seed: int) -> BlockResult:
    res = done.found
    teams, dropped = _form(inst, M, res.solution, seed)
    bounds = [b for b in (res.bound, done.lp_bound) if b is not None and math.isfinite(b)]
    bound = math.floor(min(bounds) + 1e-6) if bounds else 2**62
    return BlockResult(teams, res.objective, bound, res.status, res.deterministic_time, res.wall_hit, dropped,
                       lp_bound=done.lp_bound)


def solve_block(inst: Instance, block: Block, hint: list[TeamDay], *, budget: float, deterministic: bool,
                seed: int) -> BlockResult:
    """Improves the block's greedy plan; `budget` is deterministic time (or wall seconds)."""
    M, job = prepare(inst, block, hint, budget=budget, deterministic=deterministic, seed=seed)
    return finish(inst, M, run_job(job), seed)


def evaluate_vector(M: _Model, values: list[int]) -> int:
    obj = M.m.proto.objective
    raw = sum(c * values[v] for v, c in zip(obj.vars, obj.coeffs, strict=True)) + obj.offset
    return round(raw * (obj.scaling_factor or 1))


def _form(inst: Instance, M: _Model, solution: list[int], seed: int) -> tuple[list[TeamDay], int]:
    load: dict[int, int] = defaultdict(int)
    for (o, _j), zv in M.z.items():
        load[o] += solution[zv.index]
    teams, dropped = [], 0
    for (k, d), officers in sorted(M.officers_kd.items()):
        if not solution[M.n[(k, d)].index]:
            continue
        staff = [o for o in officers if solution[M.y[(o.id, k, d)].index]]
        visits = [c for c in M.cands_kd[(k, d)] if solution[M.x[(c.index, d)].index]]
        formed, lost = form_teams(inst, k, d, staff, visits, load, seed=seed)
        teams += formed
        dropped += lost
    return teams, dropped
