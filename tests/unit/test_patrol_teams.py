"""Team formation inside a township-day (stage 2 of the CP-SAT planner) and the greedy helpers."""

from __future__ import annotations

from datetime import date

from cases.patrols.planner_greedy import extend_team
from cases.patrols.planner_prep import build_instance
from cases.patrols.planner_teams import form_teams
from cases.patrols.planner_types import Officer, PlanRequest, Target
from cases.patrols.rules import team_shortfalls

from patrol_factories import config_with

DAY = date(2026, 10, 3)


def request(targets: list[Target], officers: list[Officer]) -> PlanRequest:
    return PlanRequest((DAY,), tuple(officers), tuple(targets), seed=5, config=config_with(max_days_per_window=1))


def test_recused_member_never_joins_the_institution_it_must_avoid() -> None:
    # 10 is placed first (it needs a department) with officer 1; 11 must then avoid that team.
    officers = [Officer(1, "教育", True), Officer(2, "公安", True), Officer(3, "公安", True),
                Officer(4, "市场监管", True)]
    targets = [
        Target(10, "甲街道", risk_grade="A", needs_departments=frozenset({"教育"})),
        Target(11, "甲街道", risk_grade="A", recused_officers=frozenset({1})),
        Target(12, "甲街道", risk_grade="B"),
    ]
    inst = build_instance(request(targets, officers))
    visits = sorted(inst.candidates, key=lambda c: c.target.institution_id)
    teams, dropped = form_teams(inst, "甲街道", 0, list(inst.officers.values()), visits, {}, seed=5)
    assert dropped == 0 and len(teams) == 2
    for team in teams:
        members = [inst.officers[o] for o in team.officers]
        assert team_shortfalls(members, [inst.candidates[i].target for i in team.targets], inst.config.team) == []


def test_extend_team_refuses_a_recused_member_already_in_the_team() -> None:
    officers = [Officer(1, "教育", True), Officer(2, "公安", True), Officer(3, "市场监管", True)]
    targets = [Target(10, "甲街道", risk_grade="A", recused_officers=frozenset({1}))]
    inst = build_instance(request(targets, officers))
    rules = inst.config.team
    assert extend_team([officers[0], officers[1]], inst.candidates, officers, rules) is None
    assert [o.id for o in extend_team([], inst.candidates, officers, rules)] == [2, 3]


def test_impossible_split_drops_the_least_valuable_visit() -> None:
    # Two institutions each need 市场监管+教育, a third needs 公安+教育: with one 教育 officer and
    # teams of at most 3, only one team can hold 教育, so something must give.
    officers = [Officer(1, "教育", True), Officer(2, "市场监管", True), Officer(3, "公安", True),
                Officer(4, "民政", True)]
    targets = [
        Target(10, "甲街道", risk_grade="A", needs_departments=frozenset({"市场监管", "教育"})),
        Target(11, "甲街道", risk_grade="A", needs_departments=frozenset({"市场监管", "教育"})),
        Target(12, "甲街道", risk_grade="C", needs_departments=frozenset({"公安", "教育", "民政"})),
    ]
    inst = build_instance(request(targets, officers))
    teams, dropped = form_teams(inst, "甲街道", 0, list(inst.officers.values()), inst.candidates, {}, seed=5)
    kept = {inst.candidates[i].target.institution_id for t in teams for i in t.targets}
    assert dropped == 1 and kept == {10, 11}
