"""From a PlanRequest to the instance both solvers work on. Pure.

Decides, for every institution of the register, whether it is a candidate and why: due by its
grade's minimum frequency (逾期/到期), a recent complaint (近期投诉), or drawn by 双随机. It
prices every possible visit (objective points, see patrol.toml [weights]) and every officer-day
(duty cost, fairness and the seed-driven jitter), and splits the work into independent blocks:
officers serve only their own region, so regions that share no officer are planned apart
without losing anything (every objective term is per institution or per officer).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cases.errors import ValidationFailed
from cases.patrols import draw as draws
from cases.patrols.config import PatrolConfig
from cases.patrols.planner_types import DrawRecord, Officer, PlanRequest, Target
from cases.patrols.risk import GRADES, RiskConfig, score

HOTSPOT, DRAWN = "近期投诉", "双随机抽取"


def grade_of(target: Target, risk: RiskConfig) -> str:
    if target.risk_grade is not None:
        if target.risk_grade not in GRADES:
            raise ValidationFailed(f"机构{target.institution_id}风险等级无效：{target.risk_grade}")
        return target.risk_grade
    if target.risk is None:
        raise ValidationFailed(f"机构{target.institution_id}既无风险等级也无评分要素", code="risk_input")
    return score(target.risk, risk).grade


@dataclass
class Candidate:
    index: int
    target: Target
    grade: str
    block: int
    due: date | None  # first day the grade's frequency makes it due; None: no frequency
    overdue: bool
    hotspot: bool
    drawn: bool
    interval: int | None  # minimum natural days between two visits; None: once per plan
    day_value: dict[int, int]  # day index -> points for a visit that day (frequency part)
    extra: int  # points once, for the first visit (complaint, draw, overdue bonus)
    demand: int  # the most points this institution can bring

    @property
    def days(self) -> list[int]:
        return sorted(self.day_value)

    def reason(self, day: int) -> str:
        parts = [HOTSPOT] if self.hotspot else []
        if self.day_value.get(day, 0) > 0:
            parts.append(f"{self.grade}级风险{'逾期' if self.overdue else '到期'}巡查")
        if self.drawn:
            parts.append(DRAWN)
        return "；".join(parts)


@dataclass
class Block:
    index: int
    regions: frozenset[str | None]
    officers: list[Officer] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)
    townships: list[str] = field(default_factory=list)


@dataclass
class Instance:
    request: PlanRequest
    config: PatrolConfig
    days: tuple[date, ...]
    grades: dict[int, str]
    candidates: list[Candidate]
    blocks: list[Block]
    officers: dict[int, Officer]  # certified officers only: the others cannot make up a team
    not_due: dict[int, date]  # institution id -> next due date, for grade-A left-out reasons
    draw: DrawRecord
    _jitter: dict[tuple[int, str, int], int] = field(default_factory=dict, repr=False)

    def available(self, officer: Officer, day: int) -> bool:
        return self.days[day] not in officer.unavailable

    def day_cost(self, officer: Officer, k: int) -> int:
        """Cost of the officer's k-th day (k ≥ 1) in this plan: duty plus convex fairness."""
        w = self.config.weights
        load = officer.quarter_duty_count + k
        return w.officer_day + w.fairness * (2 * load - 1)

    def jitter(self, officer: Officer, township: str, day: int) -> int:
        key = (officer.id, township, day)
        value = self._jitter.get(key)
        if value is None:
            value = self._jitter[key] = draws.officer_jitter(
                self.request.seed, officer.id, township, self.days[day], self.config.weights.jitter
            )
        return value


def build_instance(request: PlanRequest) -> Instance:
    config = request.config
    days = tuple(sorted(set(request.days)))
    if not days:
        raise ValidationFailed("未给出巡查日期", code="patrol_days")
    _check_unique(request)
    grades = {t.institution_id: grade_of(t, config.risk) for t in request.targets}
    as_of = request.as_of or days[0]
    span = (days[-1] - days[0]).days + 1
    drafts = [
        _draft(t, grades[t.institution_id], days, as_of, config)
        for t in sorted(request.targets, key=lambda t: t.institution_id)
    ]
    # 双随机 over the rest of the register: institutions neither due by their risk grade nor a
    # complaint hotspot (those are visited anyway). The pool is recorded with the plan (and its
    # SHA-256 in the JSON), so an auditor replays the draw from the pool and the seed alone.
    pool = [d["target"].institution_id for d in drafts if not d["day_value"] and not d["hotspot"]]
    count = draws.draw_count(
        len(request.targets), span, annual_share=config.draw.annual_share,
        min_count=config.draw.min_count, fixed_count=config.draw.fixed_count or None,
    )
    drawn = draws.replay_draw(pool, request.seed, min(count, len(pool)))
    record = DrawRecord(request.seed, len(drawn), len(pool), draws.pool_digest(pool), tuple(drawn),
                        pool=tuple(sorted(set(pool))))
    officers = {o.id: o for o in request.officers if o.certified}
    candidates = _candidates(drafts, set(drawn), days, config)
    chosen = {c.target.institution_id for c in candidates}
    not_due = {
        d["target"].institution_id: d["due"] for d in drafts
        if d["grade"] == "A" and d["due"] is not None and d["target"].institution_id not in chosen
    }
    blocks = _blocks(candidates, list(officers.values()))
    for block in blocks:
        for i in block.candidates:
            candidates[i].block = block.index
    return Instance(request, config, days, grades, candidates, blocks, officers, not_due, record)


def _check_unique(request: PlanRequest) -> None:
    if len({o.id for o in request.officers}) != len(request.officers):
        raise ValidationFailed("执法人员编号重复", code="patrol_input")
    if len({t.institution_id for t in request.targets}) != len(request.targets):
        raise ValidationFailed("机构编号重复", code="patrol_input")
    regions: dict[str, str | None] = {}
    for t in request.targets:
        if not t.township:
            raise ValidationFailed(f"机构{t.institution_id}缺少所属乡镇（街道）", code="patrol_input")
        if regions.setdefault(t.township, t.region) != t.region:
            raise ValidationFailed(f"乡镇（街道）{t.township}属于多个区域", code="patrol_input")


def _draft(target: Target, grade: str, days: tuple[date, ...], as_of: date, config: PatrolConfig) -> dict[str, Any]:
    interval = config.risk.frequency(grade)
    weight = config.weights.grade[grade]
    due = None
    if interval is not None:
        due = target.last_visit + timedelta(days=interval) if target.last_visit else date.min
    hotspot = any(0 <= (as_of - c).days <= config.hotspot_days for c in target.recent_complaints)
    day_value = {i: weight for i, d in enumerate(days) if due is not None and d >= due and weight > 0}
    return {"target": target, "grade": grade, "due": due, "interval": interval,
            "hotspot": hotspot, "day_value": day_value, "weight": weight}


def _candidates(drafts: list[dict[str, Any]], drawn: set[int], days: tuple[date, ...], config: PatrolConfig,
                ) -> list[Candidate]:
    w = config.weights
    out: list[Candidate] = []
    for d in drafts:
        target, day_value = d["target"], dict(d["day_value"])
        is_drawn = target.institution_id in drawn
        if not day_value and not d["hotspot"] and not is_drawn:
            continue
        overdue = bool(day_value) and d["due"] < days[0]
        extra = w.hotspot * d["hotspot"] + w.draw * is_drawn + (d["weight"] * w.overdue_bonus_pct // 100) * overdue
        if d["hotspot"] or is_drawn:
            day_value = {i: day_value.get(i, 0) for i in range(len(days))}
        due = None if d["due"] is None else max(d["due"], days[0])
        demand = extra + d["weight"] * _max_visits(days, d["day_value"], d["interval"])
        out.append(Candidate(len(out), target, d["grade"], -1, due, overdue, d["hotspot"], is_drawn,
                             d["interval"], day_value, extra, demand))
    return out


def _max_visits(days: tuple[date, ...], day_value: dict[int, int], interval: int | None) -> int:
    count, last = 0, None
    for i in sorted(day_value):
        if last is None or (interval is not None and (days[i] - last).days >= interval):
            count, last = count + 1, days[i]
    return count


def _blocks(candidates: list[Candidate], officers: list[Officer]) -> list[Block]:
    """Connected components of regions linked by officers (or institutions) without a region."""
    regions = sorted({c.target.region for c in candidates} | {o.region for o in officers}, key=str)
    parent = {r: r for r in regions}

    def find(r: str | None) -> str | None:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    if None in parent:
        for r in regions:
            parent[find(r)] = find(None)
    groups: dict[str | None, set[str | None]] = defaultdict(set)
    for r in regions:
        groups[find(r)].add(r)
    keyed = sorted(groups.values(), key=lambda g: sorted(map(str, g)))
    blocks = [Block(i, frozenset(g)) for i, g in enumerate(keyed)]
    where = {r: b for b in blocks for r in b.regions}
    for c in candidates:
        where[c.target.region].candidates.append(c.index)
    for o in sorted(officers, key=lambda o: o.id):
        where[o.region].officers.append(o)
    for b in blocks:
        b.townships = sorted({candidates[i].target.township for i in b.candidates})
    return blocks


@dataclass(frozen=True)
class TeamDay:
    """One team on one day, as both solvers return it: officer ids and candidate indices."""

    day: int
    township: str
    officers: tuple[int, ...]
    targets: tuple[int, ...]


def spacing_ok(inst: Instance, cand: Candidate, day: int, visited: list[int]) -> bool:
    """May `cand` be visited on `day` given its other visits in this plan?"""
    for other in visited:
        if other == day or cand.interval is None:
            return False
        if abs((inst.days[day] - inst.days[other]).days) < cand.interval:
            return False
    return True


def evaluate(inst: Instance, teams: list[TeamDay]) -> tuple[int, int, int]:
    """(objective, coverage points, penalty points) of a solution; the one scoring rule."""
    value, cost = 0, 0
    seen: set[int] = set()
    load: dict[int, int] = defaultdict(int)
    for team in teams:
        for i in team.targets:
            cand = inst.candidates[i]
            value += cand.day_value[team.day] + (cand.extra if i not in seen else 0)
            seen.add(i)
        for oid in team.officers:
            officer = inst.officers[oid]
            load[oid] += 1
            cost += inst.day_cost(officer, load[oid]) + inst.jitter(officer, team.township, team.day)
    return value - cost, value, cost
