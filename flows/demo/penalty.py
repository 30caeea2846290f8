"""The demo's penalty path: 立案 → 告知 → 陈述申辩期 → (集体讨论, 听证, 法制审核) → 决定 → 送达 → 缴款 → 公示 → 结案."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cases import repository
from cases import service as case_service
from cases.actions import Action
from cases.enums import DecisionOutcome
from flows.demo.drive import STARTS, Driver, _field, _sup, after_due, assign_then, inspect, rectify, serve


def file(major: bool) -> Callable[[Driver, int, datetime], None]:
    def step(d: Driver, case_id: int, when: datetime) -> None:
        case = d.case(case_id)
        fine = d.rng.choice([20000, 30000, 50000]) if not major else 100000
        case_service.act(Action.OPEN_PENALTY, 
            d.session, d.ctx(_sup(d, case), when), case_id=case_id, version=case.version, major=major,
            intended_penalty=f"警告，并处罚款人民币{fine}元" if major else "警告，没收违法所得",
            fine_yuan=fine if major else 0, confiscation_yuan=0 if major else fine)
        first = discuss if major else notice
        d.later(when, d.rng.uniform(1, 3), lambda t: first(d, case_id, t))
    return step


def discuss(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.COLLECTIVE_DISCUSSION, d.session, d.ctx(_sup(d, case), when),
                     case_id=case_id, version=case.version,
                                       summary="局务会集体讨论，同意拟处罚意见")
    d.later(when, 1, lambda t: notice(d, case_id, t))


def notice(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    doc = case_service.act(Action.ISSUE_PENALTY_NOTICE, d.session, d.ctx(_field(d, case), when), case_id=case_id,
                                            version=case.version)
    d.later(when, d.rng.choice([0, 1]), lambda t: serve(d, case_id, doc.id, t) or after_due(
        d, case_id, "statement", lambda t2: close_window(d, case_id, t2)))


def close_window(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    penalty = repository.penalty_of(d.session, case_id)
    hearing = penalty.hearing_offered and d.rng.random() < 0.6
    case_service.act(Action.CLOSE_STATEMENT_WINDOW, d.session, d.ctx(_field(d, case), when), case_id=case_id,
                                        version=case.version, hearing_requested=hearing,
                                        statement_summary="当事人提出陈述申辩，称已部分退费")
    nxt = hearing_step if hearing else (review if penalty.major else decide)
    d.later(when, d.rng.uniform(2, 6), lambda t: nxt(d, case_id, t))


def hearing_step(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.HOLD_HEARING, d.session, d.ctx(d.staff.legal, when), case_id=case_id, version=case.version,
                              summary="依法举行听证，当事人到场陈述")
    d.later(when, 2, lambda t: review(d, case_id, t))


def review(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.LEGAL_REVIEW, d.session, d.ctx(d.staff.legal, when), case_id=case_id, version=case.version,
                              opinion="事实清楚，证据确凿，适用依据正确，程序合法，同意拟处罚意见")
    d.later(when, 2, lambda t: decide(d, case_id, t))


def decide(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    outcome = DecisionOutcome.NO_PENALTY if d.rng.random() < 0.1 else DecisionOutcome.PENALTY
    doc = case_service.act(Action.DECIDE, d.session, d.ctx(_sup(d, case), when), case_id=case_id, version=case.version,
                              outcome=outcome)
    after = pay if outcome is DecisionOutcome.PENALTY else close
    d.later(when, d.rng.choice([0, 1, 2]), lambda t: serve(d, case_id, doc.id, t, lambda t2: after(d, case_id, t2),
                                                           wait=5))


def pay(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.RECORD_EXECUTION, d.session, d.ctx(_field(d, case), when),
                     case_id=case_id, version=case.version,
                                  paid_on=when.astimezone(d.zone).date())
    d.later(when, 1, lambda t: publish(d, case_id, t))


def publish(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.PUBLISH, d.session, d.ctx(_field(d, case), when), case_id=case_id, version=case.version,
                         published_on=when.astimezone(d.zone).date())
    d.later(when, 2, lambda t: close(d, case_id, t))


def close(d: Driver, case_id: int, when: datetime) -> None:
    case = d.case(case_id)
    case_service.act(Action.CLOSE_PENALTY, d.session, d.ctx(_sup(d, case), when), case_id=case_id, version=case.version)


def _register_paths() -> None:
    """The two penalty paths of the demo (the others are registered in `flows.demo.drive`)."""
    STARTS.update({
        "penalty": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(
            d2, c, t2, True, lambda d3, c3, t3: rectify(d3, c3, t3, False, file(False)))),
        "penalty_major": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(
            d2, c, t2, True, lambda d3, c3, t3: rectify(d3, c3, t3, False, file(True)))),
    })


_register_paths()
