"""Greedy patrol planner: the fallback when CP-SAT is unavailable or finds nothing, the
baseline the benchmark measures CP-SAT against, and the hint CP-SAT starts from. Pure.

Day by day (in date order), it repeatedly forms the single most profitable team anywhere in the
block and commits it, until no team adds points:
- a team is built around one township: its eligible institutions are taken in order of points
  (due frequency + once-only complaint/draw/overdue points), and each is added if the team can
  be extended to serve it — a certified officer of every department it needs, a second
  department if it needs joint enforcement, nobody recused, at most `max_size` officers — and
  the points it brings exceed the cost of the officers it adds;
- officers are priced like the objective prices them (duty cost + convex fairness on this
  quarter's rest-day duties + the seed's jitter), so the cheapest, least-loaded officer is taken.
Everything is ordered by value, then by id: the same request gives the same plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cases.patrols.planner_prep import Block, Candidate, Instance, TeamDay, spacing_ok
from cases.patrols.planner_types import Officer
from cases.patrols.rules import TeamRules, may_serve


@dataclass
class _Option:
    gain: int
    township: str
    officers: list[Officer]
    targets: list[Candidate]


class _State:
    def __init__(self, inst: Instance, block: Block) -> None:
        self.inst = inst
        self.block = block
        self.used: dict[int, int] = defaultdict(int)  # officer id -> duty days so far
        self.visits: dict[int, list[int]] = defaultdict(list)  # candidate -> day indices
        self.by_township: dict[str, list[Candidate]] = defaultdict(list)
        for i in block.candidates:
            cand = inst.candidates[i]
            self.by_township[cand.target.township].append(cand)


def solve_greedy(inst: Instance, block: Block, start: Sequence[TeamDay] = ()) -> list[TeamDay]:
    """Greedy plan of a block; with `start`, completes those teams (CP-SAT's repair step):
    fills their free places with compatible institutions, then forms new teams as usual."""
    state = _State(inst, block)
    for team in start:
        for oid in team.officers:
            state.used[oid] += 1
        for i in team.targets:
            state.visits[i].append(team.day)
    teams: list[TeamDay] = []
    for day in range(len(inst.days)):
        busy: set[int] = set()
        for team in sorted((t for t in start if t.day == day), key=lambda t: (t.township, t.officers)):
            busy |= set(team.officers)
            teams.append(_fill(state, team))
        while True:
            best: _Option | None = None
            for township in block.townships:
                option = _best_team(state, township, day, busy)
                if option and (best is None or option.gain > best.gain):
                    best = option
            if best is None or best.gain <= 0:
                break
            for officer in best.officers:
                busy.add(officer.id)
                state.used[officer.id] += 1
            for cand in best.targets:
                state.visits[cand.index].append(day)
            teams.append(TeamDay(day, best.township, tuple(sorted(o.id for o in best.officers)),
                                 tuple(sorted(c.index for c in best.targets))))
    return teams


def _fill(state: _State, team: TeamDay) -> TeamDay:
    inst, rules = state.inst, state.inst.config.team
    room = rules.max_targets_per_day - len(team.targets)
    if room <= 0:
        return team
    members = [inst.officers[o] for o in team.officers]
    depts = {o.department for o in members}
    added: list[int] = []
    for cand in sorted(state.by_township[team.township], key=lambda c: (-_value(state, c, team.day), c.index)):
        if len(added) == room or team.day not in cand.day_value or cand.index in team.targets:
            continue
        needs = cand.target.needs_departments
        if not needs <= depts or (needs and len(depts) < rules.min_departments_joint):
            continue
        if cand.target.recused_officers & set(team.officers):
            continue
        if not spacing_ok(inst, cand, team.day, state.visits[cand.index]):
            continue
        if _value(state, cand, team.day) > 0:
            state.visits[cand.index].append(team.day)
            added.append(cand.index)
    return TeamDay(team.day, team.township, team.officers, tuple(sorted((*team.targets, *added))))


def _value(state: _State, cand: Candidate, day: int) -> int:
    return cand.day_value.get(day, 0) + (0 if state.visits[cand.index] else cand.extra)


def _best_team(state: _State, township: str, day: int, busy: set[int]) -> _Option | None:
    inst, rules = state.inst, state.inst.config.team
    valued = []
    for cand in state.by_township[township]:
        if day not in cand.day_value or not spacing_ok(inst, cand, day, state.visits[cand.index]):
            continue
        value = cand.day_value[day] + (0 if state.visits[cand.index] else cand.extra)
        if value > 0:
            valued.append((value, cand))
    if not valued:
        return None
    valued.sort(key=lambda vc: (-vc[0], vc[1].target.institution_id))
    region_probe = valued[0][1].target
    cost: dict[int, int] = {}
    pool = []
    for officer in state.block.officers:
        if (officer.id in busy or state.used[officer.id] >= inst.config.max_days_per_window
                or not inst.available(officer, day) or not may_serve(officer, region_probe)):
            continue
        cost[officer.id] = inst.day_cost(officer, state.used[officer.id] + 1) + inst.jitter(officer, township, day)
        pool.append(officer)
    pool.sort(key=lambda o: (cost[o.id], o.id))
    team: list[Officer] = []
    chosen: list[Candidate] = []
    gain = 0
    for value, cand in valued:
        if len(chosen) == rules.max_targets_per_day:
            break
        if any(m.id in cand.target.recused_officers for m in team):
            continue
        extended = extend_team(team, [*chosen, cand], pool, rules)
        if extended is None:
            continue
        added = sum(cost[o.id] for o in extended[len(team):])
        if value - added <= 0:
            continue
        team, gain = extended, gain + value - added
        chosen.append(cand)
    if not chosen:
        return None
    return _Option(gain, township, team, chosen)


def extend_team(
    team: list[Officer], targets: list[Candidate], pool: list[Officer], rules: TeamRules
) -> list[Officer] | None:
    """`team` plus the cheapest officers (pool is sorted by cost) that let it serve `targets`."""
    recused = set().union(*(c.target.recused_officers for c in targets))
    needs = set().union(*(c.target.needs_departments for c in targets))
    members = {o.id for o in team}
    if members & recused:
        return None
    free = [o for o in pool if o.id not in members and o.id not in recused]
    new = list(team)

    def take(predicate: Callable[..., bool]) -> bool:
        for officer in free:
            if officer.id not in members and predicate(officer):
                new.append(officer)
                members.add(officer.id)
                return True
        return False

    for dept in sorted(needs - {o.department for o in new}):
        if not take(lambda o, dept=dept: o.department == dept):
            return None
    while len(new) < rules.min_certified:
        present = {o.department for o in new}
        if not (needs and take(lambda o, present=present: o.department not in present)) and not take(
            lambda o: True
        ):
            return None
    while needs and len({o.department for o in new}) < rules.min_departments_joint:
        present = {o.department for o in new}
        if not take(lambda o, present=present: o.department not in present):
            return None
    return new if len(new) <= rules.max_size else None
