"""Is the risk grading earning its keep? The 双随机 share of every patrol plan is a random control group.

Each patrol visit was chosen for one reason (`cases/patrols/planner_prep.py` writes it on the
visit): a recent complaint (近期投诉, "hotspot"), the 双随机 draw over the institutions that were
neither due by their grade nor a hotspot ("random"), or its risk grade's visit frequency
(`cases/data/risk.toml` [frequency_days], "risk"). Per district and grade, the share of visits of
each kind that found a violation, with a Wilson score interval (95 %) and the counts behind it:
when the risk-chosen share is not above the random share, the weights in risk.toml do not beat
chance for that grade. Pure: values in, values out (the visits come from `cases.queries`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

HOTSPOT, DRAWN = "近期投诉", "双随机抽取"  # the reasons planner_prep writes on a visit
GROUPS = ("risk", "hotspot", "random")
GROUP_LABELS = {"risk": "风险等级选定", "hotspot": "近期投诉热点", "random": "双随机抽取（对照组）"}
ALL_GRADES = "全部"
Z95 = 1.959963984540054  # the standard normal quantile of 97.5 %


def group_of(reason: str) -> str:
    """The reason a visit was chosen: a draw first (the pool excludes due and hotspot institutions),
    then a complaint, else the grade's frequency."""
    if DRAWN in reason:
        return "random"
    if HOTSPOT in reason:
        return "hotspot"
    return "risk"


def wilson(found: int, visits: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of found/visits; (0, 1) when there are no visits."""
    if visits <= 0:
        return 0.0, 1.0
    p = found / visits
    denominator = 1 + z * z / visits
    centre = (p + z * z / (2 * visits)) / denominator
    half = z * math.sqrt(p * (1 - p) / visits + z * z / (4 * visits * visits)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class VisitOutcome:
    district: str  # the plan's region (county / district) name
    grade: str  # the risk grade at planning (A–D)
    reason: str
    found: bool  # the visit found a violation


@dataclass(frozen=True)
class Share:
    group: str
    visits: int
    found: int
    low: float
    high: float

    @property
    def label(self) -> str:
        return GROUP_LABELS[self.group]

    @property
    def share(self) -> float | None:
        return self.found / self.visits if self.visits else None


@dataclass(frozen=True)
class ControlRow:
    district: str
    grade: str  # A–D, or ALL_GRADES
    shares: dict[str, Share]

    @property
    def verdict(self) -> str:
        """Risk-chosen against the random control group, in plain words."""
        risk, rand = self.shares["risk"], self.shares["random"]
        if not risk.visits or not rand.visits:
            return "样本不足"
        if risk.low > rand.high:
            return "高于随机"
        if risk.high < rand.low:
            return "低于随机"
        return "与随机无显著差异"


def control_rows(outcomes: Iterable[VisitOutcome]) -> list[ControlRow]:
    """Rows per (district, grade) and per district over all grades, districts and grades in order."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    keys: set[tuple[str, str]] = set()
    for o in outcomes:
        group = group_of(o.reason)
        for grade in (o.grade or "—", ALL_GRADES):
            cell = counts[(o.district, grade, group)]
            cell[0] += 1
            cell[1] += int(o.found)
            keys.add((o.district, grade))
    rows = []
    for district, grade in sorted(keys, key=lambda k: (k[0], k[1] == ALL_GRADES, k[1])):
        shares = {}
        for group in GROUPS:
            visits, found = counts.get((district, grade, group), [0, 0])
            low, high = wilson(found, visits)
            shares[group] = Share(group, visits, found, low, high)
        rows.append(ControlRow(district, grade, shares))
    return rows


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
