"""Drive the demo county's history: complaints over the past months, each case down a path.

Everything goes through the real use cases, in one global chronological queue, with a
`FixedClock` at each simulated moment (so merges, clocks and documents see the right dates).
Steps that would fall after "now" are not taken: the county is left with open cases in every
state and step, as a live county has.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from cases import repository
from cases import service as case_service
from cases.actions import Action
from cases.authority import Actor
from cases.enums import Channel, CloseReason, ServiceMethod
from cases.errors import DomainError
from cases.models import Case, Department, Institution, Officer, key
from cases.settings import FixedClock
from flows.context import actor_for
from flows.demo import data

RECENT_DAYS = 12  # the `officer` account also leads every case of its department received this recently (open ones)
PATHS = {"dismiss": 8, "no_violation": 20, "rectified": 28, "penalty": 14, "penalty_major": 5, "stalled": 17,
         "awaiting_notice": 8}


@dataclass
class Staff:
    supervisor: dict[int, Actor] = field(default_factory=dict)  # department id → actor
    field_team: dict[int, list[Officer]] = field(default_factory=dict)
    legal: Actor | None = None
    intake: Actor | None = None
    demo_officer: Officer | None = None  # the `officer` account: leads cases of its department (`_team`)


@dataclass
class Driver:
    session: Session
    make_ctx: Callable[[Actor, FixedClock], case_service.Ctx]
    staff: Staff
    rng: random.Random
    now: datetime
    zone: ZoneInfo
    queue: list = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)
    errors: list[str] = field(default_factory=list)

    def at(self, when: datetime, action: Callable[[datetime], None]) -> None:
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.counter), action))

    def later(self, when: datetime, days: float, action: Callable[[datetime], None]) -> None:
        moment = when + timedelta(days=days)
        local = moment.astimezone(self.zone)
        moment = datetime.combine(local.date(), time(9 + self.rng.randint(0, 7), self.rng.randint(0, 59)),
                                  self.zone)
        self.at(moment, action)

    def run(self) -> None:
        while self.queue:
            when, _, action = heapq.heappop(self.queue)
            try:
                action(when)
            except DomainError as exc:  # a refused step is part of life; keep the rest going
                self.session.rollback()
                self.errors.append(str(exc))

    def ctx(self, actor: Actor, when: datetime) -> case_service.Ctx:
        return self.make_ctx(actor, FixedClock(when))

    def case(self, case_id: int) -> Case:
        return self.session.get(Case, case_id)


def complaint_for(rng: random.Random, inst: Institution) -> case_service.ComplaintIn:
    code = rng.choice(list(data.CONTENT))
    anonymous = rng.random() < 0.25
    return case_service.ComplaintIn(
        channel=rng.choice(list(Channel)[:5]), content=data.CONTENT[code].format(name=inst.name, address=inst.address),
        region_code=inst.region_code, violation_codes=(code,), reported_name=inst.name,
        reported_address=inst.address, refund_related=code == "prepaid_fees", anonymous=anonymous,
        complainant_name="" if anonymous else rng.choice(data.SURNAMES) + rng.choice(data.GIVEN),
        complainant_phone="" if anonymous else f"138{rng.randrange(10**8):08d}")


def schedule_complaints(d: Driver, institutions: list[Institution], count: int, days_back: int) -> None:
    hot = d.rng.sample(institutions, k=max(1, len(institutions) // 6))  # hotspots draw repeat complaints
    for _ in range(count):
        inst = d.rng.choice(hot) if d.rng.random() < 0.35 else d.rng.choice(institutions)
        when = d.now - timedelta(days=d.rng.uniform(1, days_back), hours=d.rng.uniform(0, 10))
        d.at(when, lambda t, inst=inst: receive(d, inst, t))


def receive(d: Driver, inst: Institution, when: datetime) -> None:
    result = case_service.receive_complaint(d.session, d.ctx(d.staff.intake, when), complaint_for(d.rng, inst))
    if not result.merged:
        path = d.rng.choices(list(PATHS), list(PATHS.values()))[0]
        d.later(when, d.rng.uniform(0.5, 3), lambda t: STARTS[path](d, result.case.id, t))


def _sup(d: Driver, case: Case) -> Actor:
    return d.staff.supervisor[case.lead_department_id]


def _team(d: Driver, case: Case, stays_open: bool) -> list[int]:
    pool = d.staff.field_team[case.lead_department_id]
    team = [o.id for o in d.rng.sample(pool, 2)]
    me = d.staff.demo_officer
    recent = case.received_at >= d.now - timedelta(days=RECENT_DAYS)
    if me is not None and me.department_id == case.lead_department_id and (key(case) % 3 == 0 or recent or stays_open):
        team = [key(me), team[0]]  # the demo account leads (承办人): its work list has cases in every state
    return team


def start_dismiss(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    reason = d.rng.choice([CloseReason.INSUFFICIENT, CloseReason.TRANSFERRED])
    case_service.act(Action.DISMISS, d.session, d.ctx(_sup(d, case), when), case_id=case_id, version=case.version,
                              reason=reason, transferred_to="息烽县人力资源和社会保障局"
                              if reason is CloseReason.TRANSFERRED else "")


def assign_then(d: Driver, case_id: int, when: datetime, nxt: Callable[[Driver, int, datetime], None] | None,
                stays_open: bool = False) -> None:
    """Assign the case, then `nxt`. A path that `stays_open` (stalled, awaiting the notice) goes to the
    demo `officer` account in its department, so even a small demo gives it open cases to work on."""
    case = d.case(case_id)
    team = _team(d, case, stays_open)
    case_service.act(Action.ASSIGN, d.session, d.ctx(_sup(d, case), when), case_id=case_id, version=case.version,
                             officer_ids=team)
    if nxt:
        d.later(when, d.rng.uniform(1, 9), lambda t: nxt(d, case_id, t))


def _field(d: Driver, case: Case) -> Actor:
    officer = repository.get_or_raise(d.session, Officer, case.assignee_id)
    return actor_for(officer, d.session.get(Department, officer.department_id))


def inspect(d: Driver, case_id: int, when: datetime, violation: bool, nxt=None) -> None:  # noqa: ANN001
    case = d.case(case_id)
    inst = d.session.get(Institution, case.institution_id) if case.institution_id else None
    codes = list(case.violation_codes) if violation else []
    findings = (f"执法人员出示执法证件后对{inst.name if inst else '该场所'}进行现场检查。\n"
                + (f"现场发现{d.rng.randint(6, 30)}名中小学生正在接受培训，查看了课表、收费凭证和学员花名册。"
                   if violation else "现场未发现违规培训行为，培训时间、收费公示符合规定。"))
    case_service.act(Action.RECORD_INSPECTION, d.session, d.ctx(_field(d, case), when),
                     case_id=case_id, version=case.version,
                                   officer_ids=case.team_officer_ids, findings=findings, violation_codes=codes,
                                   place=inst.address if inst else "")
    if not violation:
        d.later(when, d.rng.uniform(0, 2), lambda t: close_clean(d, case_id, t))
    elif nxt:
        d.later(when, d.rng.uniform(0, 1), lambda t: nxt(d, case_id, t))


def close_clean(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.CLOSE_NO_VIOLATION, d.session, d.ctx(_field(d, case), when),
                     case_id=case_id, version=case.version)


def rectify(d: Driver, case_id: int, when: datetime, rectified: bool, nxt=None) -> None:  # noqa: ANN001
    case = d.case(case_id)
    doc = case_service.act(Action.ISSUE_RECTIFICATION, d.session, d.ctx(_field(d, case), when), case_id=case_id,
                                           version=case.version)
    d.later(when, d.rng.choice([0, 0, 1]), lambda t: serve(d, case_id, doc.id, t) or after_due(
        d, case_id, "rectification", lambda t3: reinspect(d, case_id, t3, rectified, nxt)))


def after_due(d: Driver, case_id: int, step: str, action: Callable[[datetime], None]) -> None:
    """Schedule `action` one to three days after the due date of the case's `step` clock."""
    due = repository.last_deadline(d.session, case_id, step).due_date
    start = datetime.combine(due, time(9), d.zone)
    d.later(start, d.rng.randint(1, 3), action)


def serve(d: Driver, case_id: int, doc_id: int, when: datetime, nxt=None, wait: float = 1) -> None:  # noqa: ANN001
    case = d.case(case_id)
    case_service.act(Action.RECORD_SERVICE, d.session, d.ctx(_field(d, case), when), case_id=case_id,
                     version=case.version, document_id=doc_id, method=ServiceMethod.DIRECT,
                     served_on=when.astimezone(d.zone).date(),
                     recipient="机构负责人（签收）", place="机构经营场所")
    if nxt:
        d.later(when, wait + d.rng.uniform(0, 3), nxt)


def reinspect(d: Driver, case_id: int, when: datetime, rectified: bool, nxt=None) -> None:  # noqa: ANN001
    case = d.case(case_id)
    text = "复查：已停止违规培训，整改到位。" if rectified else "复查：仍在违规开展培训，未整改到位。"
    case_service.act(Action.RECORD_REINSPECTION, d.session, d.ctx(_field(d, case), when),
                     case_id=case_id, version=case.version,
                                     officer_ids=case.team_officer_ids, findings=text, rectified=rectified)
    if nxt:
        d.later(when, d.rng.uniform(1, 3), lambda t: nxt(d, case_id, t))


STARTS: dict[str, Callable[[Driver, int, datetime], None]] = {}


def _register_paths() -> None:
    """The paths without a penalty; `flows.demo.penalty` adds "penalty" and "penalty_major"."""
    STARTS.update({
        "dismiss": start_dismiss,
        "stalled": lambda d, cid, t: assign_then(d, cid, t, None, stays_open=True) if d.rng.random() < 0.5 else None,
        "awaiting_notice": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(d2, c, t2, True),
                                                         stays_open=True),
        "no_violation": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(d2, c, t2, False)),
        "rectified": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(
            d2, c, t2, True, lambda d3, c3, t3: rectify(d3, c3, t3, True))),
    })


_register_paths()
