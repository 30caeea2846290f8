"""The patrol planner on generated instances: every hard rule, for both solvers; CP-SAT never
worse than greedy; determinism; left-out reasons; the JSON shape (no notice field)."""

from __future__ import annotations

import builtins
import dataclasses
import itertools
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from cases.patrols.planner import plan
from cases.patrols.planner_prep import build_instance
from cases.patrols.planner_types import Plan, PlanRequest
from cases.patrols.rules import check_plan

from patrol_factories import make_request, plan_requests

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMIT = 0.5  # seconds (deterministic time) per plan: tiny instances solve far faster


def assert_valid(request: PlanRequest, result: Plan) -> None:
    """Each hard rule checked directly (not through rules.check_plan, which is also asserted)."""
    rules, config = request.config.team, request.config
    officers = {o.id: o for o in request.officers}
    targets = {t.institution_id: t for t in request.targets}
    assert [d.date for d in result.days] == sorted(set(request.days))
    duty: Counter[int] = Counter()
    visits: dict[int, list] = defaultdict(list)
    for day in result.days:
        on_duty = [m.officer_id for team in day.teams for m in team.members]
        assert len(on_duty) == len(set(on_duty)), "an officer on two teams the same day"
        visited = [v.institution_id for team in day.teams for v in team.targets]
        assert len(visited) == len(set(visited)), "an institution twice the same day"
        for team in day.teams:
            members = [officers[m.officer_id] for m in team.members]
            certified = [o for o in members if o.certified]
            assert all(m.certified == officers[m.officer_id].certified for m in team.members)
            assert len(certified) >= rules.min_certified
            assert len(members) <= rules.max_size
            assert 1 <= len(team.targets) <= rules.max_targets_per_day
            departments = {o.department for o in certified}
            for v in team.targets:
                t = targets[v.institution_id]
                assert t.township == team.township, "one township per team-day"
                assert t.needs_departments <= departments
                if t.needs_departments:
                    assert len(departments) >= rules.min_departments_joint
                assert not (t.recused_officers & {o.id for o in members}), "recusal"
                assert v.reason
                visits[t.institution_id].append(day.date)
            for o in members:
                assert day.date not in o.unavailable, "officer on leave"
                assert o.region is None or all(targets[v.institution_id].region == o.region for v in team.targets)
                duty[o.id] += 1
    assert all(n <= config.max_days_per_window for n in duty.values())
    for iid, dates in visits.items():
        dates.sort()
        gap = config.risk.frequency(build_instance(request).grades[iid])
        assert len(dates) == 1 or (gap is not None and all((b - a).days >= gap for a, b in itertools.pairwise(dates)))
    assert check_plan(request, result) == []


def assert_left_out_explained(request: PlanRequest, result: Plan) -> None:
    grades = build_instance(request).grades
    visited = {v.institution_id for d in result.days for t in d.teams for v in t.targets}
    reasons = {x.institution_id: x.reason for x in result.left_out}
    for iid, grade in grades.items():
        if grade == "A" and iid not in visited:
            assert reasons.get(iid), f"grade-A institution {iid} left out without a reason"
    assert not (set(reasons) & visited)


@pytest.mark.slow
@SETTINGS
@given(request=plan_requests())
def test_greedy_plans_keep_every_rule(request: PlanRequest) -> None:
    result = plan(request, solver="greedy")
    assert result.solver == "greedy"
    assert_valid(request, result)
    assert_left_out_explained(request, result)


@pytest.mark.slow
@SETTINGS
@given(request=plan_requests())
def test_cpsat_plans_keep_every_rule_and_never_lose_to_greedy(request: PlanRequest) -> None:
    greedy = plan(request, solver="greedy")
    cpsat = plan(request, solver="cp-sat", time_limit=LIMIT)
    assert_valid(request, cpsat)
    assert_left_out_explained(request, cpsat)
    assert cpsat.status in {"OPTIMAL", "FEASIBLE"} and cpsat.solver == "cp-sat"
    assert cpsat.objective >= greedy.objective
    assert cpsat.bound >= cpsat.objective and cpsat.gap >= 0


@pytest.mark.slow
@settings(max_examples=10, deadline=None)
@given(request=plan_requests())
def test_same_request_and_seed_give_identical_json(request: PlanRequest) -> None:
    for solver in ("greedy", "cp-sat"):
        assert plan(request, solver=solver, time_limit=LIMIT).to_json() == plan(
            request, solver=solver, time_limit=LIMIT
        ).to_json()


@pytest.mark.slow
def test_cpsat_is_deterministic_on_a_larger_instance() -> None:
    request = make_request(n_officers=30, n_targets=150, n_townships=5)
    first = plan(request, time_limit=2.0)
    assert first.solver == "cp-sat" and first.stats["wall_limit_hit"] is False
    assert plan(request, time_limit=2.0).to_json() == first.to_json()


_IN_ANOTHER_PROCESS = """
import dataclasses, hashlib, sys
sys.path.insert(0, sys.argv[1])
from cases.patrols import planner_cpsat
from cases.patrols.planner import plan
from cases.patrols.planner_greedy import solve_greedy
from cases.patrols.planner_prep import build_instance
from patrol_factories import make_request
request = make_request(n_officers=30, n_targets=120, n_townships=4)
joint = frozenset({"教育", "市场监管", "消防救援"})
request = dataclasses.replace(request, targets=tuple(
    dataclasses.replace(t, needs_departments=joint) if i % 9 == 0 else t for i, t in enumerate(request.targets)))
inst = build_instance(request)
block = inst.blocks[0]
_model, job = planner_cpsat.prepare(inst, block, solve_greedy(inst, block), budget=1.0, deterministic=True, seed=1)
print(hashlib.sha256(job.model_text.encode()).hexdigest(),
      hashlib.sha256(plan(request, time_limit=1.0).to_json().encode()).hexdigest())
"""


@pytest.mark.slow
def test_the_model_and_the_plan_do_not_depend_on_the_process_hash_seed() -> None:
    """Deterministic means across processes too: a request with joint (multi-department) visits
    gives the same CP-SAT model text and the same plan under two PYTHONHASHSEEDs (the departments,
    strings, were once iterated in set order while the model was built)."""
    here = Path(__file__).resolve().parent
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _IN_ANOTHER_PROCESS, str(here)], env=env, cwd=here.parents[1],
                              capture_output=True, text=True, timeout=300, check=True)
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1, outputs


def test_a_visit_needing_more_departments_than_a_team_holds_is_left_out_with_its_reason() -> None:
    """A team has at most max_size officers, one department each: an institution needing four
    departments is never planned (by either solver) and the plan says why."""
    base = make_request(n_officers=30, n_targets=40, n_townships=2)
    wide = frozenset(("教育", "市场监管", "消防救援", "公安"))
    assert len(wide) > base.config.team.max_size
    targets = tuple(dataclasses.replace(t, needs_departments=wide, risk_grade="A") if i < 3 else t
                    for i, t in enumerate(base.targets))
    request = dataclasses.replace(base, targets=targets)
    ids = {t.institution_id for t in targets[:3]}
    for solver in ("greedy", "cp-sat"):
        result = plan(request, solver=solver, time_limit=LIMIT)
        visited = {v.institution_id for d in result.days for team in d.teams for v in team.targets}
        assert not visited & ids
        reasons = {x.institution_id: x.reason for x in result.left_out if x.institution_id in ids}
        assert set(reasons) == ids and all("须4个部门联合检查" in r for r in reasons.values()), reasons


def test_another_seed_draws_other_institutions_and_officers() -> None:
    a = plan(make_request(n_targets=200, plan_seed=1), solver="greedy")
    b = plan(make_request(n_targets=200, plan_seed=2), solver="greedy")
    assert a.draw.institution_ids != b.draw.institution_ids
    assert a.to_json() != b.to_json()


@pytest.mark.slow
def test_json_has_exactly_the_plan_shape_and_no_notice() -> None:
    data = json.loads(plan(make_request(), time_limit=1.0).to_json())
    assert set(data) == {"days", "seed", "objective", "bound", "gap", "status", "solver", "left_out", "draw"}
    day = data["days"][0]
    assert set(day) == {"date", "teams"} and day["date"] == "2026-10-01"
    team = next(t for d in data["days"] for t in d["teams"])
    assert set(team) == {"township", "members", "targets"}
    assert set(team["members"][0]) == {"officer_id", "department", "certified"}
    assert set(team["targets"][0]) == {"institution_id", "risk_grade", "reason"}
    assert "notif" not in json.dumps(data) and "notice" not in json.dumps(data)


@pytest.mark.slow
def test_recent_complaint_gets_priority_with_its_reason() -> None:
    result = plan(make_request(), time_limit=1.0)
    reasons = [v.reason for d in result.days for t in d.teams for v in t.targets]
    assert any(r.startswith("近期投诉") for r in reasons)


@pytest.mark.slow
def test_grade_a_left_out_for_missing_department_says_so() -> None:
    base = make_request(n_officers=10, n_targets=20)
    lonely = [t for t in base.targets if t.risk_grade == "A"][0]
    from dataclasses import replace

    targets = tuple(replace(t, needs_departments=frozenset({"卫健"}), last_visit=None)
                    if t is lonely else t for t in base.targets)
    result = plan(replace(base, targets=targets), time_limit=1.0)
    reason = {x.institution_id: x.reason for x in result.left_out}[lonely.institution_id]
    assert reason == "所需部门（卫健）当日无持证执法人员可派"


def test_grade_a_left_out_because_of_recusal_says_so() -> None:
    from dataclasses import replace

    base = make_request(n_officers=3, n_targets=10)
    a = next(t for t in base.targets if t.risk_grade == "A")
    everyone = frozenset(o.id for o in base.officers)
    targets = tuple(replace(t, recused_officers=everyone, needs_departments=frozenset(), last_visit=None)
                    if t is a else t for t in base.targets)
    result = plan(replace(base, targets=targets), solver="greedy")
    reason = {x.institution_id: x.reason for x in result.left_out}[a.institution_id]
    assert "回避" in reason or "不足" in reason


def test_grade_a_not_due_is_reported_as_such() -> None:
    from dataclasses import replace

    base = make_request()
    a = next(t for t in base.targets if t.risk_grade == "A")
    targets = tuple(replace(t, last_visit=base.days[0], recent_complaints=()) if t is a else t for t in base.targets)
    result = plan(replace(base, targets=targets), solver="greedy")
    reasons = {x.institution_id: x.reason for x in result.left_out}
    assert a.institution_id not in result.draw.institution_ids
    assert reasons[a.institution_id].startswith("未到检查周期")


def test_township_capacity_reason() -> None:
    from dataclasses import replace

    base = make_request(n_officers=4, n_targets=30, n_townships=1, max_days_per_window=1, max_targets_per_day=1)
    targets = tuple(replace(t, risk_grade="A", needs_departments=frozenset(), recused_officers=frozenset(),
                            last_visit=None) for t in base.targets)
    result = plan(replace(base, targets=targets), solver="greedy")
    assert any("巡查组已满额" in x.reason or "已编入其他巡查组" in x.reason for x in result.left_out)


def test_falls_back_to_greedy_without_ortools(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ortools(name, *args, **kwargs):
        from_list = args[2] if args[2:3] else None
        if name.startswith("ortools") or name.endswith("planner_cpsat") or "planner_cpsat" in (from_list or ()):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "cases.patrols.planner_cpsat", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_ortools)
    result = plan(make_request(), solver="cp-sat")
    assert result.solver == "greedy" and result.status == "FALLBACK_UNAVAILABLE"


def test_unknown_solver_is_refused() -> None:
    from cases.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="未知求解器"):
        plan(make_request(), solver="magic")


def test_inspectors_are_drawn_by_the_seed_too() -> None:
    """No target draw here (share 0): only the seed differs, and so do the teams' members."""
    from dataclasses import replace

    base = make_request(n_officers=30, n_targets=60, annual_share=0.0, min_count=0)
    assert base.config.draw.annual_share == 0.0
    plans = [plan(replace(base, seed=s), solver="greedy") for s in (11, 12)]
    assert all(p.draw.count == 0 for p in plans)
    members = [sorted((d.date, m.officer_id) for d in p.days for t in d.teams for m in t.members) for p in plans]
    assert members[0] != members[1]
