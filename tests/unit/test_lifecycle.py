"""The two machines: every declared transition with facts that allow it, every refusal (guards and
the actor's role and standing), the undeclared events, the diagram-able declaration, random walks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from cases.actions import ACTIONS
from cases.authority import ActorFacts
from cases.calendar import load_calendar
from cases.enums import CaseStatus, CloseReason, DecisionOutcome, PenaltyStep, PenaltyType, ReviewOutcome, Role
from cases.errors import InvalidTransition, NotAuthorised, RuleViolation
from cases.lifecycle import (
    PROCEDURE_EVENTS,
    CaseLifecycle,
    Facts,
    OfficerFact,
    PenaltyProcedure,
    declared_events,
    declared_transitions,
    replay,
    transition,
)
from cases.penalty_law import FilingConditions, IntendedPenalty, Note, PenaltyItem, Review

TODAY = date(2026, 3, 10)
CALENDAR = load_calendar(Path(__file__).resolve().parents[2] / "cases" / "data" / "calendar")
TEAM = (OfficerFact(1, 1, True), OfficerFact(2, 1, True))
ST = CaseStatus
P = PenaltyStep
HEAD = ActorFacts(9, frozenset(Role), on_team=False)  # every role, not on the team
MEMBER = ActorFacts(1, frozenset({Role.OFFICER}), on_team=True)
OUTSIDER = ActorFacts(5, frozenset({Role.OFFICER}), on_team=False)
INVESTIGATOR = ActorFacts(1, frozenset({Role.OFFICER, Role.LEGAL}), on_team=True)
EVENT_ACTION = {e: spec.action for spec in ACTIONS.values() for e in spec.events}


@dataclass
class FakeCase:
    status: CaseStatus = CaseStatus.RECEIVED
    penalty_step: PenaltyStep | None = None
    id: int = 1
    team_officer_ids: list[int] = field(default_factory=list)


GOOD = Facts(
    TODAY, actor=HEAD, team=TEAM, close_reason=CloseReason.INSUFFICIENT, findings="发现违规",
    violation_found=True, violations_with_basis=1, rectification_deadline=date(2026, 3, 25), correction_order=True,
    reinspection_rectified=True, statement_closes_on=date(2026, 3, 9), hearing_requested=True,
    outcome=DecisionOutcome.PENALTY, payment_or_enforcement=True, publish_required=True, published=False,
    # issue 10: the facts the further guards read (立案 record, 90 days, hearing timing)
    calendar=CALENDAR, filed_on=date(2026, 3, 2), violation_on=date(2026, 3, 1), discovered_on=date(2026, 3, 2),
    filing_conditions=FilingConditions(True, True, True, True, True), rectification_served_on=date(2026, 3, 10),
    penalty=IntendedPenalty.of(PenaltyItem(PenaltyType.STOP_ENROLMENT)), notice_served_on=date(2026, 3, 2),
    hearing_requested_on=date(2026, 3, 3), hearing_notice_served_on=date(2026, 2, 27), hearing_chair_id=8,
    investigator_ids=(1, 2), reason="理由", transferred_to="某区教育局", decided_on=date(2026, 3, 9))
CLEAR = replace(GOOD, violation_found=False)
PASSED = Review(ReviewOutcome.PASSED, date(2026, 3, 9), 7)
FAILED = Review(ReviewOutcome.FAILED, date(2026, 3, 9), 7, "事实不清")
RETURNED = Review(ReviewOutcome.RETURNED, date(2026, 3, 9), 7, "证据不足，退回补充调查")

# (from state, penalty step, event, facts) → target state and step
LEGAL = [
    (ST.RECEIVED, None, "assign", GOOD, ST.ASSIGNED, None),
    (ST.ASSIGNED, None, "assign", GOOD, ST.ASSIGNED, None),
    (ST.RECEIVED, None, "dismiss", GOOD, ST.CLOSED, None),
    (ST.ASSIGNED, None, "record_inspection", replace(GOOD, actor=MEMBER), ST.INSPECTED, None),
    (ST.INSPECTED, None, "close_no_violation", CLEAR, ST.CLOSED, None),
    (ST.INSPECTED, None, "issue_rectification", replace(GOOD, actor=MEMBER), ST.RECTIFICATION_NOTICE, None),
    (ST.INSPECTED, None, "open_penalty", GOOD, ST.PENALTY, P.FILED),
    (ST.RECTIFICATION_NOTICE, None, "open_penalty",
     replace(GOOD, today=date(2026, 3, 27), reinspected_after_deadline=True, reinspection_rectified=False),
     ST.PENALTY, P.FILED),
    (ST.RECTIFICATION_NOTICE, None, "open_penalty", replace(GOOD, new_serious_violation=True), ST.PENALTY, P.FILED),
    (ST.RECTIFICATION_NOTICE, None, "record_reinspection", replace(GOOD, reinspection_rectified=False),
     ST.RECTIFICATION_NOTICE, None),
    (ST.RECTIFICATION_NOTICE, None, "confirm_rectified", GOOD, ST.CLOSED, None),
    (ST.PENALTY, P.FILED, "collective_discussion", GOOD, ST.PENALTY, P.COLLECTIVE_DISCUSSION),
    (ST.PENALTY, P.FILED, "issue_penalty_notice", GOOD, ST.PENALTY, P.NOTICE_ISSUED),
    (ST.PENALTY, P.COLLECTIVE_DISCUSSION, "issue_penalty_notice", replace(GOOD, major=True), ST.PENALTY,
     P.NOTICE_ISSUED),
    (ST.PENALTY, P.NOTICE_ISSUED, "serve_penalty_notice", GOOD, ST.PENALTY, P.NOTICE_SERVED),
    (ST.PENALTY, P.NOTICE_SERVED, "close_statement_window", GOOD, ST.PENALTY, P.STATEMENT_CLOSED),
    (ST.PENALTY, P.STATEMENT_CLOSED, "hold_hearing", GOOD, ST.PENALTY, P.HEARING_HELD),
    (ST.PENALTY, P.STATEMENT_CLOSED, "legal_review", GOOD, ST.PENALTY, P.LEGAL_REVIEW),
    (ST.PENALTY, P.HEARING_HELD, "legal_review", GOOD, ST.PENALTY, P.LEGAL_REVIEW),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", GOOD, ST.PENALTY, P.DECIDED),
    (ST.PENALTY, P.HEARING_HELD, "decide", GOOD, ST.PENALTY, P.DECIDED),
    (ST.PENALTY, P.LEGAL_REVIEW, "decide", replace(GOOD, review_required=True, reviews=(PASSED,)), ST.PENALTY,
     P.DECIDED),
    (ST.PENALTY, P.LEGAL_REVIEW, "decide", replace(GOOD, review_required=True, reviews=(RETURNED, replace(
        PASSED, reviewed_on=date(2026, 3, 10)))), ST.PENALTY, P.DECIDED),  # a later 通过 after 退回
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", replace(GOOD, major=True), ST.PENALTY, P.DECIDED),  # 集体讨论 only
    (ST.PENALTY, P.LEGAL_REVIEW, "legal_review", GOOD, ST.PENALTY, P.LEGAL_REVIEW),  # a further opinion
    (ST.PENALTY, P.DECIDED, "serve_decision", GOOD, ST.PENALTY, P.DECISION_SERVED),
    (ST.PENALTY, P.DECISION_SERVED, "execute", GOOD, ST.PENALTY, P.EXECUTED),
    (ST.PENALTY, P.DECIDED, "publish", GOOD, ST.PENALTY, P.DECIDED),
    (ST.PENALTY, P.DECISION_SERVED, "publish", GOOD, ST.PENALTY, P.DECISION_SERVED),
    (ST.PENALTY, P.EXECUTED, "publish", GOOD, ST.PENALTY, P.EXECUTED),
    (ST.PENALTY, P.EXECUTED, "close_penalty", replace(GOOD, published=True), ST.CLOSED, P.EXECUTED),
    (ST.PENALTY, P.DECISION_SERVED, "close_penalty",
     replace(GOOD, outcome=DecisionOutcome.NO_PENALTY), ST.CLOSED, P.DECISION_SERVED),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", replace(GOOD, outcome=DecisionOutcome.NO_PENALTY, leniency=(
        Note("不予处罚", "违法行为轻微并及时改正，没有造成危害后果", "《行政处罚法》第三十三条第一款"),)),
     ST.PENALTY, P.DECIDED),
    (ST.INSPECTED, None, "transfer", GOOD, ST.CLOSED, None),
    (ST.RECEIVED, None, "transfer", GOOD, ST.CLOSED, None),
    (ST.ASSIGNED, None, "transfer", GOOD, ST.CLOSED, None),
    (ST.RECTIFICATION_NOTICE, None, "transfer", GOOD, ST.CLOSED, None),
    *[(ST.PENALTY, step, "extend_time_limit", GOOD, ST.PENALTY, step)
      for step in (P.FILED, P.COLLECTIVE_DISCUSSION, P.NOTICE_ISSUED, P.NOTICE_SERVED, P.STATEMENT_CLOSED,
                   P.HEARING_HELD, P.LEGAL_REVIEW)],
    (ST.PENALTY, P.NOTICE_SERVED, "transfer", GOOD, ST.CLOSED, P.NOTICE_SERVED),
    (ST.PENALTY, P.FILED, "revoke_filing", replace(GOOD, filing_conditions=FilingConditions()), ST.CLOSED, P.FILED),
    (ST.PENALTY, P.FILED, "terminate_investigation", GOOD, ST.CLOSED, P.FILED),
    (ST.PENALTY, P.STATEMENT_CLOSED, "issue_hearing_notice", GOOD, ST.PENALTY, P.STATEMENT_CLOSED),
    (ST.PENALTY, P.DECISION_SERVED, "issue_payment_reminder", replace(GOOD, decision_served_on=date(2026, 2, 2)),
     ST.PENALTY, P.DECISION_SERVED),
    (ST.PENALTY, P.DECISION_SERVED, "apply_court_enforcement",
     replace(GOOD, today=date(2026, 9, 25), decision_served_on=date(2026, 3, 20), reminder_served_on=date(2026, 4, 8)),
     ST.PENALTY, P.DECISION_SERVED),
]

# (from state, step, event, facts, refusal code)
REFUSED = [
    (ST.RECEIVED, None, "assign", replace(GOOD, team=TEAM[:1]), "team_needs_two_certified"),
    (ST.RECEIVED, None, "assign", replace(GOOD, team=(TEAM[0], OfficerFact(2, 1, False))), "team_needs_two_certified"),
    (ST.RECEIVED, None, "dismiss", replace(GOOD, close_reason=None), "dismiss_reason_required"),
    (ST.RECEIVED, None, "dismiss", replace(GOOD, close_reason=CloseReason.DUPLICATE), "duplicate_needs_case"),
    (ST.RECEIVED, None, "dismiss", replace(GOOD, close_reason=CloseReason.TRANSFERRED, transferred_to=""),
     "transfer_needs_target"),
    (ST.RECEIVED, None, "dismiss", replace(GOOD, close_reason=CloseReason.TRANSFERRED, received_by_transfer=True),
     "onward_transfer_barred"),
    (ST.ASSIGNED, None, "record_inspection", replace(GOOD, team=TEAM[:1]), "inspection_needs_two_certified"),
    (ST.ASSIGNED, None, "record_inspection", replace(GOOD, findings=" "), "findings_required"),
    (ST.INSPECTED, None, "close_no_violation", GOOD, "violation_found"),
    (ST.INSPECTED, None, "issue_rectification", CLEAR, "no_violation_found"),
    (ST.INSPECTED, None, "issue_rectification", replace(GOOD, violations_with_basis=0), "violation_basis_required"),
    (ST.INSPECTED, None, "issue_rectification", replace(GOOD, rectification_deadline=TODAY), "deadline_in_future"),
    (ST.INSPECTED, None, "open_penalty", replace(GOOD, correction_order=False), "correction_order_required"),
    (ST.INSPECTED, None, "open_penalty", CLEAR, "violation_basis_required"),
    (ST.RECTIFICATION_NOTICE, None, "open_penalty", GOOD, "rectification_period_running"),
    (ST.RECTIFICATION_NOTICE, None, "open_penalty", replace(GOOD, today=date(2026, 3, 27)),
     "rectification_period_running"),
    (ST.RECTIFICATION_NOTICE, None, "open_penalty",
     replace(GOOD, today=date(2026, 3, 27), reinspected_after_deadline=True, reinspection_rectified=True),
     "rectified_no_filing"),
    (ST.RECTIFICATION_NOTICE, None, "open_penalty",
     replace(GOOD, today=date(2026, 3, 27), reinspected_after_deadline=True, reinspection_rectified=False,
             rectification_served_on=None), "rectification_not_served"),
    (ST.INSPECTED, None, "open_penalty", replace(GOOD, violation_on=None), "violation_date_required"),
    (ST.INSPECTED, None, "open_penalty", replace(GOOD, violation_on=date(2023, 1, 1)), "limitation_expired"),
    (ST.INSPECTED, None, "open_penalty",
     replace(GOOD, filing_conditions=FilingConditions(False, True, True, True, True)), "filing_conditions_unmet"),
    (ST.INSPECTED, None, "transfer", replace(GOOD, received_by_transfer=True), "onward_transfer_barred"),
    (ST.PENALTY, P.DECIDED, "transfer", GOOD, "already_decided"),
    (ST.PENALTY, P.FILED, "revoke_filing", GOOD, "revocation_unfounded"),
    (ST.PENALTY, P.FILED, "terminate_investigation", replace(GOOD, reason=""), "termination_reason_required"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", replace(GOOD, today=date(2026, 6, 10)), "decision_late"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", replace(GOOD, outcome=DecisionOutcome.NO_PENALTY),
     "no_penalty_ground_required"),
    (ST.PENALTY, P.FILED, "extend_time_limit", replace(GOOD, extension_days=30), "decision_extension_not_allowed"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "hold_hearing", replace(GOOD, hearing_notice_served_on=date(2026, 3, 5)),
     "hearing_notice_too_late"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "hold_hearing", replace(GOOD, hearing_chair_id=1), "hearing_chair_investigator"),
    (ST.PENALTY, P.NOTICE_SERVED, "close_statement_window", replace(GOOD, hearing_requested_on=date(2026, 3, 10)),
     "hearing_request_late"),
    (ST.PENALTY, P.DECISION_SERVED, "issue_payment_reminder", replace(GOOD, decision_served_on=date(2026, 3, 2)),
     "payment_period_running"),
    (ST.PENALTY, P.DECISION_SERVED, "apply_court_enforcement", replace(GOOD, decision_served_on=date(2026, 3, 2)),
     "remedy_period_running"),
    (ST.RECTIFICATION_NOTICE, None, "record_reinspection", replace(GOOD, team=TEAM[:1]),
     "inspection_needs_two_certified"),
    (ST.RECTIFICATION_NOTICE, None, "confirm_rectified", replace(GOOD, reinspection_rectified=False),
     "reinspection_not_rectified"),
    (ST.PENALTY, P.FILED, "issue_penalty_notice", replace(GOOD, major=True), "collective_discussion_first"),
    (ST.PENALTY, P.NOTICE_SERVED, "close_statement_window", replace(GOOD, statement_closes_on=TODAY),
     "statement_window_open"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "hold_hearing", replace(GOOD, hearing_requested=False), "hearing_not_requested"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", replace(GOOD, review_required=True), "legal_review_missing"),
    (ST.PENALTY, P.HEARING_HELD, "decide", replace(GOOD, review_required=True), "legal_review_missing"),
    (ST.PENALTY, P.LEGAL_REVIEW, "decide", replace(GOOD, review_required=True, reviews=(FAILED,)),
     "legal_review_not_passed"),
    (ST.PENALTY, P.LEGAL_REVIEW, "decide", replace(GOOD, reviews=(RETURNED,)), "legal_review_not_passed"),
    (ST.PENALTY, P.LEGAL_REVIEW, "decide", replace(GOOD, review_required=True, reviews=(PASSED,),
                                                   hearing_held_on=date(2026, 3, 10)), "legal_review_before_hearing"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", replace(GOOD, outcome=None), "outcome_required"),
    (ST.PENALTY, P.DECISION_SERVED, "execute", replace(GOOD, payment_or_enforcement=False),
     "execution_evidence_required"),
    (ST.PENALTY, P.EXECUTED, "publish", replace(GOOD, published=True), "already_published"),
    (ST.PENALTY, P.DECIDED, "close_penalty", GOOD, "decision_not_served"),
    (ST.PENALTY, P.DECISION_SERVED, "close_penalty", replace(GOOD, payment_or_enforcement=False), "not_executed"),
    (ST.PENALTY, P.EXECUTED, "close_penalty", GOOD, "not_published"),
]

# (from state, step, event, actor, refusal code): the actor's role and standing are guard facts too
NOT_YOURS = [
    (ST.RECEIVED, None, "assign", MEMBER, "not_authorised"),
    (ST.ASSIGNED, None, "record_inspection", OUTSIDER, "not_on_team"),
    (ST.INSPECTED, None, "issue_rectification", OUTSIDER, "not_on_team"),
    (ST.INSPECTED, None, "open_penalty", MEMBER, "not_authorised"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "legal_review", INVESTIGATOR, "investigator_not_independent"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "legal_review", MEMBER, "not_authorised"),
    (ST.PENALTY, P.STATEMENT_CLOSED, "decide", MEMBER, "not_authorised"),
    (ST.PENALTY, P.DECISION_SERVED, "close_penalty", MEMBER, "not_authorised"),
    (ST.ASSIGNED, None, "record_inspection", None, "actor_unknown"),
]

ALL_EVENTS = sorted({t.event for s in CaseLifecycle.states for t in s.transitions} | set(PROCEDURE_EVENTS))


def fire(case: FakeCase, event: str, facts: Facts) -> None:
    transition(case, event, facts=replace(facts, action=EVENT_ACTION[event]) if facts.action is None else facts)


@pytest.mark.parametrize(("source", "step", "event", "facts", "target", "new_step"), LEGAL,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in LEGAL])
def test_legal_transition(source, step, event, facts, target, new_step) -> None:  # noqa: ANN001
    case = FakeCase(source, step)
    fire(case, event, facts)
    assert (case.status, case.penalty_step) == (target, new_step)


@pytest.mark.parametrize(("source", "step", "event", "facts", "code"), REFUSED,
                         ids=[f"{r[0]}-{r[2]}-{r[4]}" for r in REFUSED])
def test_guard_refuses_with_reason(source, step, event, facts, code) -> None:  # noqa: ANN001
    case = FakeCase(source, step)
    with pytest.raises(RuleViolation) as refused:
        fire(case, event, facts)
    assert refused.value.code == code and refused.value.message  # a Chinese reason for the user
    assert (case.status, case.penalty_step) == (source, step)


@pytest.mark.parametrize(("source", "step", "event", "actor", "code"), NOT_YOURS,
                         ids=[f"{r[2]}-{r[4]}" for r in NOT_YOURS])
def test_role_and_standing_are_guarded(source, step, event, actor, code) -> None:  # noqa: ANN001
    case = FakeCase(source, step)
    with pytest.raises(NotAuthorised) as refused:
        fire(case, event, replace(GOOD, actor=actor))
    assert refused.value.code == code and refused.value.message
    assert (case.status, case.penalty_step) == (source, step)


def _declared_from(status: CaseStatus, step: PenaltyStep | None) -> set[str]:
    return set(declared_events(status, step))


UNDECLARED = [(s, p, e) for s in CaseStatus for p in ((None,) if s is not ST.PENALTY else tuple(PenaltyStep))
              for e in ALL_EVENTS if e not in _declared_from(s, p)]


@pytest.mark.parametrize(("source", "step", "event"), UNDECLARED, ids=[f"{s}-{p}-{e}" for s, p, e in UNDECLARED])
def test_undeclared_events_are_invalid(source: CaseStatus, step: PenaltyStep | None, event: str) -> None:
    case = FakeCase(source, step)
    with pytest.raises(InvalidTransition):
        fire(case, event, GOOD)
    assert (case.status, case.penalty_step) == (source, step)


def test_every_declared_transition_is_in_the_legal_table() -> None:
    covered = {(r[0], r[1], r[2]) for r in LEGAL}
    declared = {(CaseStatus(s.value), None, t.event) for s in CaseLifecycle.states for t in s.transitions}
    declared |= {(ST.PENALTY, PenaltyStep(s.value), t.event) for s in PenaltyProcedure.states for t in s.transitions}
    outer_in_penalty = {(ST.PENALTY, None, e) for e in ("close_penalty", "revoke_filing", "terminate_investigation",
                                                        "transfer")}
    assert {d for d in declared if d not in outer_in_penalty} <= covered
    assert {e for _s, _p, e in covered} >= {t.event for s in CaseLifecycle.states for t in s.transitions}


def test_every_step_is_reachable_and_every_event_has_an_action() -> None:
    reached = {r[5] for r in LEGAL if r[5] is not None} | {P.FILED}
    assert reached == set(PenaltyStep)
    assert set(ALL_EVENTS) <= set(EVENT_ACTION)


def test_declared_events_follow_the_penalty_order() -> None:
    assert "decide" not in declared_events(ST.PENALTY, P.NOTICE_SERVED)
    assert "decide" in declared_events(ST.PENALTY, P.STATEMENT_CLOSED)
    assert set(PROCEDURE_EVENTS) & set(declared_events(ST.INSPECTED)) == set()
    assert ("decide", "penalty", "penalty") in declared_transitions()


facts_strategy = st.builds(
    Facts, today=st.dates(date(2026, 1, 1), date(2026, 6, 30)),
    actor=st.sampled_from([HEAD, MEMBER, OUTSIDER, INVESTIGATOR]),
    team=st.sampled_from([(), TEAM[:1], TEAM]),
    close_reason=st.sampled_from([None, *CloseReason]), merged_into_case_id=st.sampled_from([None, 9]),
    transferred_to=st.sampled_from(["", "县人社局"]), findings=st.sampled_from(["", "发现"]),
    violation_found=st.booleans(), violations_with_basis=st.integers(0, 2),
    rectification_deadline=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2026, 6, 30))),
    correction_order=st.booleans(), reinspected_after_deadline=st.booleans(),
    reinspection_rectified=st.sampled_from([None, True, False]), new_serious_violation=st.booleans(),
    major=st.booleans(), review_required=st.booleans(), reviews=st.sampled_from([(), (PASSED,), (FAILED,)]),
    statement_closes_on=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2026, 6, 30))),
    statement_waived=st.booleans(), hearing_requested=st.booleans(),
    outcome=st.sampled_from([None, *DecisionOutcome]),
    payment_or_enforcement=st.booleans(), court_enforcement_applied=st.booleans(),
    publish_required=st.booleans(), published=st.booleans())


class RandomWalk(RuleBasedStateMachine):
    """Random events with random facts: the case never leaves the declared states, and the log replays."""

    def __init__(self) -> None:
        super().__init__()
        self.case = FakeCase()
        self.log: list[tuple[str, CaseStatus, CaseStatus]] = []

    @rule(event=st.sampled_from(ALL_EVENTS), facts=facts_strategy)
    def fire(self, event: str, facts: Facts) -> None:
        before = (self.case.status, self.case.penalty_step)
        try:
            fire(self.case, event, facts)
        except (InvalidTransition, RuleViolation, NotAuthorised):
            assert (self.case.status, self.case.penalty_step) == before
            return
        self.log.append((event, before[0], self.case.status))

    @invariant()
    def declared_state_and_replayable(self) -> None:
        assert self.case.status in set(CaseStatus)
        assert (self.case.penalty_step is None) == (not any(e == "open_penalty" for e, _, _ in self.log))
        assert replay(self.log) is self.case.status


TestRandomWalk = pytest.mark.slow(RandomWalk.TestCase)
TestRandomWalk.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)


@given(st.lists(st.sampled_from(ALL_EVENTS), max_size=5))
def test_replay_rejects_an_incoherent_log(events: list[str]) -> None:
    with pytest.raises(InvalidTransition):
        replay([("assign", ST.ASSIGNED, ST.INSPECTED)] + [(e, ST.RECEIVED, ST.CLOSED) for e in events])
