"""The demo's penalty path: 立案 → 告知 → 陈述申辩期 → (集体讨论, 听证, 法制审核) → 决定 → 送达 → 缴款 → 公示 → 结案."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from random import Random
from typing import Any

from cases import repository
from cases import service as case_service
from cases.actions import Action
from cases.authority import Actor
from cases.catalogue import Catalogue
from cases.enums import DecisionOutcome, Gravity, PenaltyType, ReviewOutcome
from cases.penalty_law import earliest_hearing_day
from cases.service.sanctions import punished_codes
from flows.demo.drive import STARTS, Driver, _field, _sup, after_due, assign_then, inspect, rectify, serve


def lawful_penalty(rng: Random, cat: Catalogue, codes: Sequence[str], major: bool) -> dict[str, Any]:
    """An intended penalty the articles of `codes` allow (cases/data/violations.toml [norm.*]), built
    from their tiers: 一般 for an ordinary case, the gravest tier the graded articles share for a major
    one; the 违法所得 is a random collected sum less a random refund, and any confiscation equals it
    (53号令 art. 42). Several codes are one act: one fine, in the band of the highest-fine article."""
    norms = list({n.key: n for n in (cat.norm_for(c) for c in codes)}.values())
    graded = [set(n.tiers) for n in norms if len(n.tiers) > 1]
    shared = set.intersection(*graded) if graded else {Gravity.GENERAL}
    gravity = max(shared, key=list(Gravity).index) if major else Gravity.GENERAL
    tiers = [n.tier(gravity) for n in norms]
    collected = rng.choice([20000, 30000, 50000])
    refunded = rng.choice([0, 5000, 10000])
    income = collected - refunded
    kinds = [k for t in tiers for k in (*t.required, *t.required_if_income)]
    for t in tiers:
        for group in (t.one_of, t.any_of):
            if group and not set(group) & set(kinds):
                kinds.append(group[0])
    bands = [b for t in tiers if (b := t.fine_band(income)) is not None]
    items: list[dict[str, Any]] = []
    for kind in dict.fromkeys(kinds):
        if kind is PenaltyType.FINE:
            low, high = max(bands, key=lambda b: b[1])
            items.append({"type": kind.value, "amount_yuan": max(low, min(high, (low + high) // 2000 * 1000))})
        elif kind is PenaltyType.CONFISCATE_INCOME:
            items.append({"type": kind.value, "amount_yuan": income})
        elif kind is PenaltyType.RESTRICT_PRACTICE:
            tier = next(t for t in tiers if PenaltyType.RESTRICT_PRACTICE in t.allowed)
            items.append({"type": kind.value, "years": 0 if tier.practice_permanent else tier.practice_years_min or 1,
                          "permanent": tier.practice_permanent})
        else:
            items.append({"type": kind.value})
    return {"penalty": items, "gravity": gravity.value, "income_collected_yuan": collected,
            "income_refunded_yuan": refunded}


def file(major: bool) -> Callable[[Driver, int, datetime], None]:
    def step(d: Driver, case_id: int, when: datetime) -> None:
        case = d.case(case_id)
        ctx = d.ctx(_sup(d, case), when)
        intended = lawful_penalty(d.rng, ctx.cat, punished_codes(d.session, case), major)
        penalty = case_service.act(Action.OPEN_PENALTY, d.session, ctx, case_id=case_id, version=case.version,
                                   complex_case=major, **intended)
        first = discuss if penalty.major else notice  # 集体讨论 where the rule requires it (53号令 art. 34)
        d.later(when, d.rng.uniform(1, 3), lambda t: first(d, case_id, t))
    return step


def _act(d: Driver, action: Action, actor: Actor, case_id: int, when: datetime, **fields: Any) -> Any:
    return case_service.act(action, d.session, d.ctx(actor, when), case_id=case_id,
                            version=d.case(case_id).version, **fields)


def discuss(d: Driver, case_id: int, when: datetime) -> None:
    _act(d, Action.COLLECTIVE_DISCUSSION, _sup(d, d.case(case_id)), case_id, when,
         summary="局务会集体讨论，同意拟处罚意见", participants=["局长", "分管副局长", "法制科科长"])
    d.later(when, 1, lambda t: notice(d, case_id, t))


def notice(d: Driver, case_id: int, when: datetime) -> None:
    doc = _act(d, Action.ISSUE_PENALTY_NOTICE, _field(d, d.case(case_id)), case_id, when)
    d.later(when, d.rng.choice([0, 1]), lambda t: serve(d, case_id, doc.id, t) or after_due(
        d, case_id, "statement", lambda t2: close_window(d, case_id, t2)))


def close_window(d: Driver, case_id: int, when: datetime) -> None:
    penalty = repository.penalty_of(d.session, case_id)
    hearing = penalty.hearing_offered and d.rng.random() < 0.6
    stated = d.rng.random() < 0.5
    statement = dict(statement_summary="当事人称已部分退费", statement_on=penalty.notice_served_on,
                     statement_accepted=False, statement_answer="退费情况已在违法所得认定中扣除，不影响违法事实的认定")
    requested = dict(hearing_requested_on=penalty.notice_served_on) if hearing else {}  # 5 working days (art. 30)
    _act(d, Action.CLOSE_STATEMENT_WINDOW, _field(d, d.case(case_id)), case_id, when, hearing_requested=hearing,
         **requested, **(statement if stated else {}))
    nxt = hearing_step if hearing else (review if penalty.review_required else decide)
    d.later(when, d.rng.uniform(2, 6), lambda t: nxt(d, case_id, t))


def hearing_step(d: Driver, case_id: int, when: datetime) -> None:
    """听证通知书 served now, the hearing on the first day 7 working days after service (art. 64(二))."""
    today = when.astimezone(d.zone).date()
    hearing_on = earliest_hearing_day(today, d.ctx(d.staff.legal, when).calendar, provisional_confirmed=True).date
    doc = _act(d, Action.ISSUE_HEARING_NOTICE, d.staff.legal, case_id, when, hearing_on=hearing_on,
               place="本局听证室", chair="法制审核科工作人员")
    serve(d, case_id, doc.id, when, lambda t: hold_hearing(d, case_id, t), wait=(hearing_on - today).days)


def hold_hearing(d: Driver, case_id: int, when: datetime) -> None:
    _act(d, Action.HOLD_HEARING, d.staff.legal, case_id, when, summary="依法举行听证，当事人到场陈述")
    d.later(when, 2, lambda t: review(d, case_id, t))


def review(d: Driver, case_id: int, when: datetime) -> None:
    _act(d, Action.LEGAL_REVIEW, d.staff.legal, case_id, when, outcome=ReviewOutcome.PASSED,
         opinion="事实清楚，证据确凿，适用依据正确，程序合法，同意拟处罚意见")
    d.later(when, 2, lambda t: decide(d, case_id, t))


def decide(d: Driver, case_id: int, when: datetime) -> None:
    outcome = DecisionOutcome.NO_PENALTY if d.rng.random() < 0.1 else DecisionOutcome.PENALTY
    ground = dict(minor=True, corrected_promptly=True, harm=False) if outcome is DecisionOutcome.NO_PENALTY else {}
    doc = _act(d, Action.DECIDE, _sup(d, d.case(case_id)), case_id, when, outcome=outcome,
               **ground)  # 不予处罚 with its ground (行政处罚法 art. 33 ¶1)
    after = pay if outcome is DecisionOutcome.PENALTY else close
    if outcome is DecisionOutcome.PENALTY:  # 公开 within 7 working days of the decision (行政处罚法 art. 48)
        d.later(when, d.rng.choice([0, 1, 2]), lambda t: publish(d, case_id, t))
    d.later(when, d.rng.choice([0, 1, 2]), lambda t: serve(d, case_id, doc.id, t, lambda t2: after(d, case_id, t2),
                                                           wait=5))


def pay(d: Driver, case_id: int, when: datetime) -> None:
    _act(d, Action.RECORD_EXECUTION, _field(d, d.case(case_id)), case_id, when, paid_on=when.astimezone(d.zone).date())
    d.later(when, 2, lambda t: close(d, case_id, t))


def publish(d: Driver, case_id: int, when: datetime) -> None:
    _act(d, Action.PUBLISH, _field(d, d.case(case_id)), case_id, when, published_on=when.astimezone(d.zone).date())


def close(d: Driver, case_id: int, when: datetime) -> None:
    _act(d, Action.CLOSE_PENALTY, _sup(d, d.case(case_id)), case_id, when)


def _register_paths() -> None:
    """The two penalty paths of the demo (the others are registered in `flows.demo.drive`)."""
    STARTS.update({
        "penalty": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(
            d2, c, t2, True, lambda d3, c3, t3: rectify(d3, c3, t3, False, file(False)))),
        "penalty_major": lambda d, cid, t: assign_then(d, cid, t, lambda d2, c, t2: inspect(
            d2, c, t2, True, lambda d3, c3, t3: rectify(d3, c3, t3, False, file(True)))),
    })


_register_paths()
