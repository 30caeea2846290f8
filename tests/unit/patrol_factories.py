"""Generated patrol-planning instances for the tests: a hypothesis strategy and a plain builder."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

from hypothesis import strategies as st

from cases.patrols.planner_types import Officer, PlanRequest, Target
from cases.patrols.rules import default_config

DEPARTMENTS = ("教育", "市场监管", "消防救援", "公安")
NEEDS = (frozenset(),) * 4 + (
    frozenset({"消防救援"}), frozenset({"市场监管", "教育"}), frozenset({"公安"}), frozenset({"教育"}),
)
REST_DAYS = (
    date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3), date(2026, 10, 4),
    date(2026, 10, 11), date(2026, 10, 17), date(2026, 10, 18), date(2026, 10, 24),
)


def config_with(**changes):
    """The shipped config with team / draw / solver fields (or top-level ones) overridden by name."""
    config = default_config()
    parts = {}
    for part in ("team", "draw", "solver"):
        names = {f.name for f in dataclasses.fields(getattr(config, part))}
        mine = {k: changes.pop(k) for k in list(changes) if k in names}
        parts[part] = dataclasses.replace(getattr(config, part), **mine)
    return dataclasses.replace(config, **parts, **changes)


@st.composite
def plan_requests(draw, max_officers: int = 12, max_targets: int = 16) -> PlanRequest:
    n_days = draw(st.integers(1, 4))
    days = tuple(sorted(draw(st.lists(st.sampled_from(REST_DAYS), min_size=n_days, max_size=n_days, unique=True))))
    regions = draw(st.sampled_from([("东城区",), ("东城区", "西城区")]))
    townships = {r: [f"{r}{i}街道" for i in range(draw(st.integers(1, 3)))] for r in regions}
    officer_ids = draw(st.lists(st.integers(1, 999), min_size=4, max_size=max_officers, unique=True))
    officers = []
    for oid in officer_ids:
        officers.append(Officer(
            id=oid,
            department=draw(st.sampled_from(DEPARTMENTS)),
            certified=draw(st.sampled_from([True, True, True, False])),
            region=draw(st.sampled_from([*regions, None])) if len(regions) > 1 else regions[0],
            unavailable=frozenset(draw(st.lists(st.sampled_from(days), max_size=1, unique=True))),
            quarter_duty_count=draw(st.integers(0, 6)),
        ))
    target_ids = draw(st.lists(st.integers(1, 9999), min_size=3, max_size=max_targets, unique=True))
    first = days[0]
    targets = []
    for tid in target_ids:
        region = draw(st.sampled_from(regions))
        last = draw(st.one_of(st.none(), st.integers(0, 120)))
        complaints = draw(st.lists(st.integers(0, 60), max_size=2))
        targets.append(Target(
            institution_id=tid,
            township=draw(st.sampled_from(townships[region])),
            region=region,
            risk_grade=draw(st.sampled_from("AABCD")),
            last_visit=None if last is None else first - timedelta(days=last),
            recent_complaints=tuple(first - timedelta(days=c) for c in complaints),
            needs_departments=draw(st.sampled_from(NEEDS)),
            recused_officers=frozenset(draw(st.lists(st.sampled_from(officer_ids), max_size=1))),
        ))
    config = config_with(
        max_days_per_window=draw(st.integers(1, 3)),
        max_size=draw(st.integers(2, 4)),
        max_targets_per_day=draw(st.integers(1, 4)),
    )
    return PlanRequest(days, tuple(officers), tuple(targets), seed=draw(st.integers(0, 10_000)), config=config)


def make_request(seed: int = 7, *, n_officers: int = 24, n_targets: int = 60, n_townships: int = 4,
                 days: tuple[date, ...] = REST_DAYS[:4], plan_seed: int = 2026, **config) -> PlanRequest:
    """A plain random instance (one region) for example-based tests."""
    rng = random.Random(seed)
    townships = [f"示范{i}街道" for i in range(n_townships)]
    officers = tuple(
        Officer(id=100 + i, department=rng.choice(DEPARTMENTS), certified=rng.random() < 0.9,
                region="示范区", unavailable=frozenset(d for d in days if rng.random() < 0.2),
                quarter_duty_count=rng.randint(0, 5))
        for i in range(n_officers)
    )
    targets = tuple(
        Target(institution_id=1000 + i, township=rng.choice(townships), region="示范区",
               risk_grade=rng.choice("AABBCCCDDD"),
               last_visit=days[0] - timedelta(days=rng.randint(0, 120)) if rng.random() < 0.8 else None,
               recent_complaints=(days[0] - timedelta(days=rng.randint(0, 40)),) if rng.random() < 0.15 else (),
               needs_departments=frozenset([rng.choice(DEPARTMENTS[1:])]) if rng.random() < 0.2 else frozenset(),
               recused_officers=frozenset([rng.choice(officers).id]) if rng.random() < 0.1 else frozenset())
        for i in range(n_targets)
    )
    chosen = config_with(**config) if config else default_config()
    return PlanRequest(days, officers, targets, seed=plan_seed, config=chosen)
