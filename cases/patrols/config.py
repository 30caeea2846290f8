"""Patrol configuration as data: team rules, objective weights, draw share, solver defaults. Pure.

Read from `cases/data/patrol.toml` and `cases/data/risk.toml`; checked on load. The predicates
and the plan checker that use it are in `cases.patrols.rules`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cases.caches import register_cache
from cases.errors import ValidationFailed
from cases.patrols.risk import GRADES, RiskConfig, load_risk_config

PATROL_FILE = Path(__file__).resolve().parents[1] / "data" / "patrol.toml"


@dataclass(frozen=True)
class TeamRules:
    min_certified: int = 2
    max_size: int = 3
    max_targets_per_day: int = 4
    min_departments_joint: int = 2


@dataclass(frozen=True)
class Weights:
    grade: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({"A": 1000, "B": 400, "C": 150, "D": 50})
    )
    overdue_bonus_pct: int = 50
    hotspot: int = 600
    draw: int = 300
    officer_day: int = 10
    fairness: int = 1
    jitter: int = 3


@dataclass(frozen=True)
class DrawRules:
    annual_share: float = 0.05
    min_count: int = 1
    fixed_count: int = 0


@dataclass(frozen=True)
class SolverRules:
    time_limit: float = 10.0
    num_workers: int = 2
    deterministic: bool = True


@dataclass(frozen=True)
class PatrolConfig:
    risk: RiskConfig
    team: TeamRules = TeamRules()
    max_days_per_window: int = 2
    weights: Weights = Weights()
    hotspot_days: int = 30
    draw: DrawRules = DrawRules()
    solver: SolverRules = SolverRules()


def parse_patrol_config(raw: dict[str, Any], risk: RiskConfig) -> PatrolConfig:
    weights = dict(raw.get("weights", {}))
    grade = {g: int(weights.pop(g)) for g in GRADES if g in weights}
    config = PatrolConfig(
        risk=risk,
        team=TeamRules(**raw.get("team", {})),
        max_days_per_window=int(raw.get("officer", {}).get("max_days_per_window", 2)),
        weights=Weights(grade=MappingProxyType(grade), **weights),
        hotspot_days=int(raw.get("hotspot", {}).get("days", 30)),
        draw=DrawRules(**raw.get("draw", {})),
        solver=SolverRules(**raw.get("solver", {})),
    )
    _validate(config)
    return config


def _validate(config: PatrolConfig) -> None:
    team = config.team
    if team.min_certified < 2:
        raise ValidationFailed("每组持证执法人员不得少于2人（行政处罚法第四十二条）", code="patrol_config")
    if team.max_size < team.min_certified or team.max_targets_per_day < 1:
        raise ValidationFailed("巡查组人数上限或每日检查机构上限配置有误", code="patrol_config")
    if set(config.weights.grade) != set(GRADES) or min(config.weights.grade.values()) < 0:
        raise ValidationFailed("权重须为A、B、C、D四级分别配置非负整数", code="patrol_config")
    if config.max_days_per_window < 1 or config.solver.num_workers < 1:
        raise ValidationFailed("值班天数上限与求解线程数须为正整数", code="patrol_config")


def load_patrol_config(path: Path | None = None, risk_path: Path | None = None) -> PatrolConfig:
    with open(path or PATROL_FILE, "rb") as fh:
        raw = tomllib.load(fh)
    return parse_patrol_config(raw, load_risk_config(risk_path))


@lru_cache(maxsize=1)
def default_config() -> PatrolConfig:
    """The configuration shipped in `cases/data/` (read once; a frozen value)."""
    return load_patrol_config()


register_cache("cases.patrols.config.default_config", default_config.cache_clear)
