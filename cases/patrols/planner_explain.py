"""Why a priority institution was left out of a plan, in words a supervisor can act on. Pure.

Every grade-A institution, every recent-complaint hotspot and every 双随机 draw that gets no
visit is reported. For each day it could have been visited, the first reason that holds:
0. it needs more departments than a team has members (a structural gap: a joint operation
   outside the patrol plan);
1. the region has fewer than two certified officers free of leave that day, or none of a
   department the institution needs (a structural gap: planning cannot fix it);
2. the officers who could go are all recused (回避) from it;
3. the teams already in its township that day are full, or lack a department it needs;
4. the officers who could go are already on another team that day or at their duty cap;
5. otherwise the available force went to institutions worth more points.
Days with the same reason are grouped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from cases.patrols.planner_prep import Candidate, Instance, TeamDay
from cases.patrols.planner_types import LeftOut, Officer
from cases.patrols.rules import fits_a_team, may_serve

NOT_DUE = "未到检查周期（下次应检日期{due}），本期不安排"
TOO_WIDE = "须{n}个部门联合检查，超过每个巡查组人数上限（{size}人），需另行组织联合执法"
NO_OFFICERS = "当日本区域持证执法人员（未请假）不足{n}人"
NO_DEPT = "所需部门（{dept}）当日无持证执法人员可派"
RECUSED = "可派执法人员均须回避（回避关系）"
TOWNSHIP_FULL = "该乡镇（街道）当日巡查组已满额（每组每日至多{cap}家），且无余力另组一队"
TEAM_MISMATCH = "当日在该乡镇（街道）的巡查组缺少所需部门或有须回避人员，且无余力另组一队"
BUSY = "所需持证执法人员当日均已编入其他巡查组或已达本期值班上限"
BUSY_DEPT = "所需部门（{dept}）持证执法人员当日均已编组或已达本期值班上限"
OUTRANKED = "巡查力量有限，已优先安排分值更高的对象"


def left_out(inst: Instance, teams: list[TeamDay]) -> list[LeftOut]:
    visited = {i for t in teams for i in t.targets}
    busy: dict[int, set[int]] = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    by_kd: dict[tuple[str, int], list[TeamDay]] = defaultdict(list)
    for t in teams:
        busy[t.day] |= set(t.officers)
        by_kd[(t.township, t.day)].append(t)
        for o in t.officers:
            load[o] += 1
    out = [
        LeftOut(iid, "A", NOT_DUE.format(due=due.isoformat()))
        for iid, due in inst.not_due.items()
    ]
    for cand in inst.candidates:
        if cand.index in visited or not (cand.grade == "A" or cand.hotspot or cand.drawn):
            continue
        per_day = [(_reason(inst, cand, d, busy[d], load, by_kd[(cand.target.township, d)]), d)
                   for d in cand.days]
        out.append(LeftOut(cand.target.institution_id, cand.grade, _group(inst, per_day)))
    return sorted(out, key=lambda x: x.institution_id)


def _reason(inst: Instance, cand: Candidate, day: int, busy: set[int], load, here: list[TeamDay]) -> str:
    rules, target = inst.config.team, cand.target
    if not fits_a_team(target, rules):
        return TOO_WIDE.format(n=len(target.needs_departments), size=rules.max_size)
    block = inst.blocks[cand.block]
    present = [o for o in block.officers if inst.available(o, day) and may_serve(o, target)]
    if len(present) < rules.min_certified:
        return NO_OFFICERS.format(n=rules.min_certified)
    for dept in sorted(target.needs_departments):
        if not any(o.department == dept for o in present):
            return NO_DEPT.format(dept=dept)
    allowed = [o for o in present if o.id not in target.recused_officers]
    if len(allowed) < rules.min_certified or not _covers(allowed, target.needs_departments):
        return RECUSED
    free = [o for o in allowed if o.id not in busy and load[o.id] < inst.config.max_days_per_window]
    can_form = len(free) >= rules.min_certified and _covers(free, target.needs_departments)
    if here and not can_form:
        if all(len(t.targets) >= rules.max_targets_per_day for t in here):
            return TOWNSHIP_FULL.format(cap=rules.max_targets_per_day)
        return TEAM_MISMATCH
    if not can_form:
        for dept in sorted(target.needs_departments):
            if not any(o.department == dept for o in free):
                return BUSY_DEPT.format(dept=dept)
        return BUSY
    return OUTRANKED


def _covers(officers: Iterable[Officer], needs: Iterable[str]) -> bool:
    return set(needs) <= {o.department for o in officers}


def _group(inst: Instance, per_day: list[tuple[str, int]]) -> str:
    if not per_day:
        return OUTRANKED
    days_by_reason: dict[str, list[int]] = {}
    for reason, day in per_day:
        days_by_reason.setdefault(reason, []).append(day)
    if len(days_by_reason) == 1:
        return next(iter(days_by_reason))
    parts = []
    for reason, days in days_by_reason.items():
        label = "、".join(f"{inst.days[d].month}月{inst.days[d].day}日" for d in days)
        parts.append(f"{label}：{reason}")
    return "；".join(parts)
