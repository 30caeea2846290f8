"""Input and output values of the patrol planner. Pure, frozen dataclasses.

The output has no field for notifying anyone: 四不两直 (docs/law.md §5) means a target never
learns of a visit in advance, so the planner cannot even express such a notice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from cases.patrols.config import PatrolConfig, default_config
from cases.patrols.risk import RiskInputs


@dataclass(frozen=True)
class Officer:
    id: int
    department: str  # 教育, 市场监管, 消防救援, 公安, …
    certified: bool  # holds a 执法证 valid on the planning days
    region: str | None = None  # jurisdiction (区/县); None: may serve anywhere
    unavailable: frozenset[date] = frozenset()  # leave and other absences
    quarter_duty_count: int = 0  # rest-day duties already done this quarter


@dataclass(frozen=True)
class Target:
    institution_id: int
    township: str  # 乡镇/街道: a team covers one per day
    region: str | None = None  # 区/县 the township belongs to
    risk_grade: str | None = None  # "A".."D"; computed from `risk` when None
    risk: RiskInputs | None = None
    last_visit: date | None = None
    recent_complaints: tuple[date, ...] = ()  # dates of complaints received
    needs_departments: frozenset[str] = frozenset()  # e.g. {"消防救援"}, {"市场监管", "教育"}
    recused_officers: frozenset[int] = frozenset()  # 回避: officers who must not visit


@dataclass(frozen=True)
class PlanRequest:
    days: tuple[date, ...]  # pupil rest days, already chosen by the caller from the calendar
    officers: tuple[Officer, ...]
    targets: tuple[Target, ...]  # the register of the planning area
    seed: int
    config: PatrolConfig = field(default_factory=default_config)
    as_of: date | None = None  # planning date for "recent complaint"; default: the first day


@dataclass(frozen=True)
class Member:
    officer_id: int
    department: str
    certified: bool


@dataclass(frozen=True)
class Visit:
    institution_id: int
    risk_grade: str
    reason: str


@dataclass(frozen=True)
class Team:
    township: str
    members: tuple[Member, ...]
    targets: tuple[Visit, ...]


@dataclass(frozen=True)
class DayPlan:
    date: date
    teams: tuple[Team, ...]


@dataclass(frozen=True)
class LeftOut:
    institution_id: int
    risk_grade: str
    reason: str


@dataclass(frozen=True)
class DrawRecord:
    """What an auditor needs to replay the 双随机 target draw (`draw.replay_draw`)."""

    seed: int
    count: int
    pool_size: int
    pool_sha256: str
    institution_ids: tuple[int, ...]  # in draw order
    pool: tuple[int, ...] = field(default=(), compare=False, repr=False)  # sorted; stored with the plan


@dataclass(frozen=True)
class Plan:
    days: tuple[DayPlan, ...]
    seed: int
    objective: int
    bound: int
    gap: float
    status: str
    solver: str  # "cp-sat" or "greedy"
    left_out: tuple[LeftOut, ...]
    draw: DrawRecord
    wall_time: float = field(default=0.0, compare=False)  # seconds; not in to_json()
    stats: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data. Timing is left out so equal inputs give equal JSON."""
        return {
            "days": [
                {
                    "date": d.date.isoformat(),
                    "teams": [
                        {
                            "township": t.township,
                            "members": [
                                {"officer_id": m.officer_id, "department": m.department,
                                 "certified": m.certified}
                                for m in t.members
                            ],
                            "targets": [
                                {"institution_id": v.institution_id, "risk_grade": v.risk_grade,
                                 "reason": v.reason}
                                for v in t.targets
                            ],
                        }
                        for t in d.teams
                    ],
                }
                for d in self.days
            ],
            "seed": self.seed,
            "objective": self.objective,
            "bound": self.bound,
            "gap": round(self.gap, 6),
            "status": self.status,
            "solver": self.solver,
            "left_out": [
                {"institution_id": x.institution_id, "risk_grade": x.risk_grade, "reason": x.reason}
                for x in self.left_out
            ],
            "draw": {
                "seed": self.draw.seed,
                "count": self.draw.count,
                "pool_size": self.draw.pool_size,
                "pool_sha256": self.draw.pool_sha256,
                "institution_ids": list(self.draw.institution_ids),
            },
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, sort_keys=False)
