"""The case lifecycle and the penalty procedure: two declared `StateMachine`s, the only writers of
`Case.status` and `Case.penalty_step`.

`CaseLifecycle` moves the case: received → assigned → inspected → rectification_notice → penalty →
closed. While the case is in `penalty`, `PenaltyProcedure` moves the 行政处罚法 steps (立案 → 集体讨论
→ 告知书 → 送达 → 陈述申辩/听证 → 法制审核 → 决定 → 送达 → 执行); every order rule is a declared
transition, so both machines can be drawn (`enforce lifecycle diagram`, docs/lifecycle/).

Guards are validators that read the facts passed with the event (never the database) and refuse
with a `RuleViolation` carrying a stable code and a Chinese reason. Every transition's first guard
is `authorised`: the actor's roles and standing on the case (team member, supervisor, independent
reviewer) are facts too, checked against the action table (`cases.actions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NoReturn, Protocol

from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed
from statemachine.states import States

from cases import authority
from cases.actions import Action
from cases.authority import ActorFacts
from cases.calendar import WorkCalendar
from cases.enums import CaseStatus, CloseReason, DecisionOutcome, PenaltyStep
from cases.errors import InvalidTransition, RuleViolation
from cases.penalty_law import (
    FilingConditions,
    IntendedPenalty,
    Note,
    Pause,
    Review,
    check_collective_discussion,
    check_court_enforcement,
    check_decision_in_time,
    check_decision_review,
    check_filing_after_rectification,
    check_filing_conditions,
    check_filing_revocation,
    check_hearing_chair,
    check_hearing_request,
    check_hearing_schedule,
    check_limitation,
    check_penalty_allowed,
    check_publication,
    check_transfer,
    decision_deadline,
    payment_due,
)
from cases.penalty_law import (
    refuse as law_refusal,
)

S = PenaltyStep
DECIDE_GUARDS = ["authorised", "decision_valid", "in_time", "review_settled"]
EXTEND_GUARDS = ["authorised", "extension_lawful"]
PUBLISH_GUARDS = ["authorised", "not_yet_published", "publication_timely"]


@dataclass(frozen=True)
class OfficerFact:
    officer_id: int
    department_id: int
    certified: bool  # holds a 执法证 valid on the day
    competent: bool = True  # the department is competent for the case's violations


@dataclass(frozen=True)
class Facts:
    """Everything a guard may look at. Unset facts take the value that blocks the transition."""

    today: date
    action: Action | None = None  # the action table row the event belongs to
    actor: ActorFacts | None = None
    team: tuple[OfficerFact, ...] = ()
    close_reason: CloseReason | None = None
    merged_into_case_id: int | None = None
    transferred_to: str = ""
    findings: str = ""
    violation_found: bool = False
    violations_with_basis: int = 0  # violations whose legal basis is in the catalogue
    rectification_deadline: date | None = None
    correction_order: bool = False  # a 责令改正 order exists or is issued with this event
    reinspected_after_deadline: bool = False
    reinspection_rectified: bool | None = None
    new_serious_violation: bool = False
    major: bool = False  # 集体讨论 required before the 告知书 (penalty_law.collective_discussion_required)
    review_required: bool = False  # 法制审核 required before the decision (penalty_law.legal_review_required)
    reviews: tuple[Review, ...] = ()  # the 法制审核 opinions recorded, in order
    hearing_held_on: date | None = None
    statement_closes_on: date | None = None
    statement_waived: bool = False
    hearing_requested: bool = False
    outcome: DecisionOutcome | None = None
    payment_or_enforcement: bool = False
    court_enforcement_applied: bool = False
    publish_required: bool = False
    published: bool = False
    # issue 10: the facts of the rules wired below (docs/penalty-law.md, "Wired into the procedure")
    calendar: WorkCalendar | None = None  # the working-day calendar the time limits are counted on
    provisional_confirmed: bool = False  # the user confirmed a provisional calendar (recorded in the event)
    filed_on: date | None = None  # 立案
    decision_pauses: tuple[Pause, ...] = ()  # excluded from the 90 days (行政处罚法 art. 60)
    extension_days: int = 0  # approved extension (the new total, for extend_time_limit)
    violation_on: date | None = None  # the act, or the end of a continuing act (art. 36)
    discovered_on: date | None = None  # the day the department learned of it (the case was received)
    limitation_extended: bool = False
    filing_conditions: FilingConditions | None = None  # 53号令 art. 26, as the 立案审批表 records them
    rectification_served_on: date | None = None
    reason: str = ""  # 撤销立案 / 终止调查 / 移送
    received_by_transfer: bool = False
    penalty: IntendedPenalty | None = None  # as the served 告知书 stated it
    party_is_person: bool = False
    notice_served_on: date | None = None
    hearing_requested_on: date | None = None
    hearing_notice_served_on: date | None = None
    hearing_chair_id: int | None = None
    investigator_ids: tuple[int, ...] = ()
    absent_with_reason: bool = False  # the party stayed away with good reason: the hearing is postponed
    decision_served_on: date | None = None
    payment_due_on: date | None = None
    performed: bool = False
    remedy_sought: bool = False
    reminder_served_on: date | None = None
    court_enforcement_on: date | None = None
    published_on: date | None = None
    decided_on: date | None = None
    leniency: tuple[Note, ...] = ()  # 不予处罚 / 从重 with their paragraph (行政处罚法 art. 33; 53号令 arts. 15, 16)


def refuse(code: str, message: str) -> NoReturn:
    raise RuleViolation(message, code=code)


def _two_certified(team: Iterable[OfficerFact]) -> bool:
    return len({o.officer_id for o in team if o.certified}) >= 2


class _Guards:
    """The guard shared by both machines."""

    def authorised(self, facts: Facts) -> None:
        """Role and standing on the case, from the action table (the single statement of who may act)."""
        if facts.action is None:
            refuse("action_unknown", "未指明办案操作")
        authority.check(facts.actor, facts.action)


class CaseLifecycle(StateMachine, _Guards):  # StateMachine, not StateChart: unknown events must raise
    s = States.from_enum(CaseStatus, initial=CaseStatus.RECEIVED, final=CaseStatus.CLOSED,
                         use_enum_instance=True)

    assign = (s.RECEIVED.to(s.ASSIGNED, validators=["authorised", "team_ready"])
              | s.ASSIGNED.to.itself(internal=True, validators=["authorised", "team_ready"]))
    dismiss = s.RECEIVED.to(s.CLOSED, validators=["authorised", "dismiss_reason"])
    record_inspection = s.ASSIGNED.to(s.INSPECTED, validators=["authorised", "inspection_valid"])
    close_no_violation = s.INSPECTED.to(s.CLOSED, validators=["authorised", "no_violation"])
    issue_rectification = s.INSPECTED.to(s.RECTIFICATION_NOTICE, validators=["authorised", "rectification_valid"])
    open_penalty = (s.INSPECTED.to(s.PENALTY, validators=["authorised", "filing_from_inspection"])
                    | s.RECTIFICATION_NOTICE.to(s.PENALTY, validators=["authorised", "filing_after_notice"]))
    record_reinspection = s.RECTIFICATION_NOTICE.to.itself(internal=True,
                                                           validators=["authorised", "reinspection_valid"])
    confirm_rectified = s.RECTIFICATION_NOTICE.to(s.CLOSED, validators=["authorised", "rectified"])
    close_penalty = s.PENALTY.to(s.CLOSED, validators=["authorised", "penalty_settled"])
    # 53号令 art. 27: investigation shows an art. 26 condition unmet; art. 37(三): 终止调查, then 结案
    revoke_filing = s.PENALTY.to(s.CLOSED, validators=["authorised", "before_decision", "revocation_founded"])
    terminate_investigation = s.PENALTY.to(s.CLOSED, validators=["authorised", "before_decision",
                                                                  "termination_founded"])
    # 移送 from any state before the decision; never onward for a case received by transfer (art. 10 ¶3)
    transfer = (s.RECEIVED.to(s.CLOSED, validators=["authorised", "transfer_allowed"])
                | s.ASSIGNED.to(s.CLOSED, validators=["authorised", "transfer_allowed"])
                | s.INSPECTED.to(s.CLOSED, validators=["authorised", "transfer_allowed"])
                | s.RECTIFICATION_NOTICE.to(s.CLOSED, validators=["authorised", "transfer_allowed"])
                | s.PENALTY.to(s.CLOSED, validators=["authorised", "before_decision", "transfer_allowed"]))

    def team_ready(self, facts: Facts) -> None:
        qualified = [o for o in facts.team if o.certified and o.competent]
        if len({o.officer_id for o in qualified}) < 2:
            refuse("team_needs_two_certified",
                   "执法小组须至少2名持有效执法证、属有管辖权部门的执法人员（行政处罚法第四十二条）")

    def dismiss_reason(self, facts: Facts) -> None:
        reason = facts.close_reason
        if reason not in (CloseReason.DUPLICATE, CloseReason.TRANSFERRED, CloseReason.INSUFFICIENT):
            refuse("dismiss_reason_required", "不予立案须注明理由：重复线索、不属本机关管辖或信息不足")
        if reason is CloseReason.DUPLICATE and not facts.merged_into_case_id:
            refuse("duplicate_needs_case", "重复线索须注明并入的案件")
        if reason is CloseReason.TRANSFERRED:
            self.transfer_allowed(facts)

    def transfer_allowed(self, facts: Facts) -> None:
        check_transfer(facts.received_by_transfer)  # 53号令 art. 10 ¶3: ask for 指定管辖 instead
        if not facts.transferred_to.strip():
            refuse("transfer_needs_target", "移送须注明接收机关")

    def before_decision(self, facts: Facts) -> None:
        if self.model.penalty_step in (S.DECIDED, S.DECISION_SERVED, S.EXECUTED):
            refuse("already_decided", "已作出处罚决定的案件，不能撤销立案、终止调查或移送")

    def revocation_founded(self, facts: Facts) -> None:
        """撤销立案 only where investigation shows an art. 26 condition unmet, with reasons (53号令 art. 27)."""
        check_filing_revocation(facts.filing_conditions or FilingConditions(), facts.reason)

    def termination_founded(self, facts: Facts) -> None:
        if not facts.reason.strip():
            raise law_refusal("termination_reason_required", "终止调查应当写明理由",
                              "《校外培训行政处罚暂行办法》第三十七条第一款第（三）项")

    def inspection_valid(self, facts: Facts) -> None:
        if not _two_certified(facts.team):
            refuse("inspection_needs_two_certified",
                   "现场检查须有2名以上持有效执法证的执法人员在场（行政处罚法第四十二条）")
        if not facts.findings.strip():
            refuse("findings_required", "请填写检查发现的情况")

    def no_violation(self, facts: Facts) -> None:
        if facts.violation_found:
            refuse("violation_found", "检查发现违法行为，不能按未发现违法结案")

    def rectification_valid(self, facts: Facts) -> None:
        if not facts.violation_found:
            refuse("no_violation_found",
                   "现场检查未认定违法行为，不能责令整改（行政处罚法第二十八条：责令改正以违法行为为前提）")
        if facts.violations_with_basis < 1:
            refuse("violation_basis_required", "责令整改须至少认定一项有法律依据的违法行为")
        if facts.rectification_deadline is None or facts.rectification_deadline <= facts.today:
            refuse("deadline_in_future", "整改期限须晚于今天")

    def _filing(self, facts: Facts) -> None:
        if not facts.correction_order:
            refuse("correction_order_required",
                   "作出处罚前须先责令限期改正（校外培训行政处罚暂行办法第三十二条）")

    def filing_from_inspection(self, facts: Facts) -> None:
        self._filing(facts)
        if not facts.violation_found or facts.violations_with_basis < 1:
            refuse("violation_basis_required", "立案须至少认定一项有法律依据的违法行为")
        self._filing_record(facts)

    def filing_after_notice(self, facts: Facts) -> None:
        """Served 整改通知书, deadline passed, 复查 found it not rectified — or a new serious violation
        backed by its own inspection record (53号令 art. 32; 行政处罚法 art. 28)."""
        self._filing(facts)
        check_filing_after_rectification(
            notice_served_on=facts.rectification_served_on, rectification_due=facts.rectification_deadline,
            reinspected_on=facts.today if facts.reinspected_after_deadline else None,
            rectified=facts.reinspection_rectified, new_violation_inspected=facts.new_serious_violation)
        self._filing_record(facts)

    def _filing_record(self, facts: Facts) -> None:
        """The 立案审批表: the violation date within the limitation period (行政处罚法 art. 36) and the
        five conditions of 53号令 art. 26."""
        if facts.violation_on is None:
            refuse("violation_date_required",
                   "立案须载明违法行为发生（或连续、继续状态终了）的日期（《行政处罚法》第三十六条）")
        if facts.violation_on > facts.today:
            refuse("violation_date_in_future", "违法行为发生日期不能晚于今天")
        discovered = facts.discovered_on or facts.today
        if facts.violation_on <= discovered:  # an act still continuing when discovered has not run out
            check_limitation(facts.violation_on, discovered, extended=facts.limitation_extended)
        check_filing_conditions(facts.filing_conditions or FilingConditions())

    def reinspection_valid(self, facts: Facts) -> None:
        if not _two_certified(facts.team):
            refuse("inspection_needs_two_certified", "复查须有2名以上持有效执法证的执法人员（行政处罚法第四十二条）")
        if not facts.findings.strip():
            refuse("findings_required", "请填写复查情况")

    def rectified(self, facts: Facts) -> None:
        self.reinspection_valid(facts)
        if facts.reinspection_rectified is not True:
            refuse("reinspection_not_rectified", "须经2名以上执法人员复查确认整改到位，方可结案")

    def penalty_settled(self, facts: Facts) -> None:
        step = self.model.penalty_step
        if facts.outcome is DecisionOutcome.NO_PENALTY and step in (S.DECIDED, S.DECISION_SERVED):
            if step is not S.DECISION_SERVED:
                refuse("decision_not_served", "不予处罚决定书尚未送达")
            return
        if step not in (S.DECISION_SERVED, S.EXECUTED):
            refuse("decision_not_served", "处罚决定书尚未送达，不能结案")
        if not (step is S.EXECUTED or facts.court_enforcement_applied):
            refuse("not_executed", "处罚决定尚未执行完毕，也未申请法院强制执行")
        if facts.publish_required and not facts.published:
            refuse("not_published", "处罚决定须公示后方可结案")

    def on_enter_PENALTY(self) -> None:  # noqa: N802  (the state id is the enum member name)
        """立案 starts the procedure: a new `PenaltyProcedure` activates its initial step (立案)."""
        PenaltyProcedure(model=self.model, state_field="penalty_step")


class PenaltyProcedure(StateMachine, _Guards):
    """The 行政处罚法 steps inside `penalty`, in their legal order (53号令 arts. 29–35)."""

    p = States.from_enum(PenaltyStep, initial=PenaltyStep.FILED, use_enum_instance=True)

    collective_discussion = p.FILED.to(p.COLLECTIVE_DISCUSSION, validators=["authorised"])
    # 53号令 art. 34: a major case is discussed collectively before the 告知书 is made
    issue_penalty_notice = (p.FILED.to(p.NOTICE_ISSUED, validators=["authorised", "discussed_if_major"])
                            | p.COLLECTIVE_DISCUSSION.to(p.NOTICE_ISSUED, validators=["authorised"]))
    serve_penalty_notice = p.NOTICE_ISSUED.to(p.NOTICE_SERVED, validators=["authorised"])
    close_statement_window = p.NOTICE_SERVED.to(p.STATEMENT_CLOSED, validators=["authorised", "statement_over",
                                                                                 "hearing_request_timely"])
    # 行政处罚法 art. 64(二): the 听证通知书 is served at least 7 (working) days before the hearing
    issue_hearing_notice = p.STATEMENT_CLOSED.to.itself(internal=True,
                                                        validators=["authorised", "hearing_was_requested"])
    hold_hearing = p.STATEMENT_CLOSED.to(p.HEARING_HELD, validators=["authorised", "hearing_was_requested",
                                                                     "hearing_lawful"])
    # a further opinion after 不通过 / 退回补充调查 (the decision waits for a later 通过, 53号令 art. 33)
    legal_review = (p.STATEMENT_CLOSED.to(p.LEGAL_REVIEW, validators=["authorised"])
                    | p.HEARING_HELD.to(p.LEGAL_REVIEW, validators=["authorised"])
                    | p.LEGAL_REVIEW.to.itself(internal=True, validators=["authorised"]))
    decide = (p.STATEMENT_CLOSED.to(p.DECIDED, validators=DECIDE_GUARDS)
              | p.HEARING_HELD.to(p.DECIDED, validators=DECIDE_GUARDS)
              | p.LEGAL_REVIEW.to(p.DECIDED, validators=DECIDE_GUARDS))
    # an approved extension of the 90 days, where the configuration allows one (行政处罚法 art. 60)
    extend_time_limit = (p.FILED.to.itself(internal=True, validators=EXTEND_GUARDS)
                         | p.COLLECTIVE_DISCUSSION.to.itself(internal=True, validators=EXTEND_GUARDS)
                         | p.NOTICE_ISSUED.to.itself(internal=True, validators=EXTEND_GUARDS)
                         | p.NOTICE_SERVED.to.itself(internal=True, validators=EXTEND_GUARDS)
                         | p.STATEMENT_CLOSED.to.itself(internal=True, validators=EXTEND_GUARDS)
                         | p.HEARING_HELD.to.itself(internal=True, validators=EXTEND_GUARDS)
                         | p.LEGAL_REVIEW.to.itself(internal=True, validators=EXTEND_GUARDS))
    serve_decision = p.DECIDED.to(p.DECISION_SERVED, validators=["authorised"])
    execute = p.DECISION_SERVED.to(p.EXECUTED, validators=["authorised", "execution_recorded"])
    # 行政强制法 arts. 53–54, 53号令 art. 36: 催告 after the payment period, then the court
    issue_payment_reminder = p.DECISION_SERVED.to.itself(internal=True, validators=["authorised", "reminder_due"])
    apply_court_enforcement = p.DECISION_SERVED.to.itself(internal=True,
                                                          validators=["authorised", "court_enforcement_lawful"])
    # 公示 runs beside service and execution: it does not move the step (行政处罚法 art. 48)
    publish = (p.DECIDED.to.itself(internal=True, validators=PUBLISH_GUARDS)
               | p.DECISION_SERVED.to.itself(internal=True, validators=PUBLISH_GUARDS)
               | p.EXECUTED.to.itself(internal=True, validators=PUBLISH_GUARDS))

    def discussed_if_major(self, facts: Facts) -> None:
        """Straight from 立案 to the 告知书 only where no 集体讨论 is required (53号令 art. 34 ¶2)."""
        check_collective_discussion(facts.major, None, facts.today)

    def statement_over(self, facts: Facts) -> None:
        closes = facts.statement_closes_on
        if not facts.statement_waived and (closes is None or facts.today <= closes):
            refuse("statement_window_open", f"陈述申辩、听证申请期限（至{closes}）尚未届满")

    def hearing_was_requested(self, facts: Facts) -> None:
        if not facts.hearing_requested:
            refuse("hearing_not_requested", "当事人未申请听证")

    def hearing_request_timely(self, facts: Facts) -> None:
        """A hearing request counts only where offered and within 5 working days of service (53号令 art. 30 ¶2)."""
        if not facts.hearing_requested:
            return
        if facts.penalty is None or facts.notice_served_on is None or facts.calendar is None:
            refuse("hearing_request_invalid", "告知书尚未送达，不能登记听证申请")
        check_hearing_request(facts.hearing_requested_on or facts.today, facts.notice_served_on, facts.penalty,
                              facts.calendar, party_is_person=facts.party_is_person,
                              provisional_confirmed=facts.provisional_confirmed)

    def hearing_lawful(self, facts: Facts) -> None:
        """听证通知书 served 7 working days before; a chair who did not investigate; the party present or
        absent without good reason (a waiver) — 行政处罚法 art. 64(二)(四)(六)."""
        if facts.calendar is None:
            refuse("calendar_missing", "未提供工作日历")
        check_hearing_schedule(facts.today, facts.hearing_notice_served_on, facts.calendar,
                               provisional_confirmed=facts.provisional_confirmed)
        if facts.hearing_chair_id is None:
            refuse("hearing_chair_required", "听证笔录须载明听证主持人（《行政处罚法》第六十四条第（四）项）")
        check_hearing_chair(facts.hearing_chair_id, facts.investigator_ids)
        if facts.absent_with_reason:
            raise law_refusal("hearing_postponed", "当事人有正当理由未到场的，应当延期举行听证，不能视为放弃",
                              "《行政处罚法》第六十四条第（六）项")

    def decision_valid(self, facts: Facts) -> None:
        if facts.outcome is None:
            refuse("outcome_required", "请选择决定类型：给予处罚或不予处罚")
        if facts.outcome is DecisionOutcome.PENALTY:  # where the law says 不予处罚, none (art. 33; 53号令 art. 15)
            check_penalty_allowed(facts.leniency)
        elif not any(n.kind in ("不予处罚", "可以不予处罚") for n in facts.leniency):
            raise law_refusal("no_penalty_ground_required",
                              "不予行政处罚须有法定情形（违法行为轻微并及时改正、首次违法且危害后果轻微"
                              "并及时改正、没有主观过错或者超过追责期限）",
                              "《行政处罚法》第三十三条、《校外培训行政处罚暂行办法》第十五条")

    def in_time(self, facts: Facts) -> None:
        """Within 90 days of 立案, excluded pauses and an approved extension counted; a provisional calendar
        only when confirmed (行政处罚法 art. 60)."""
        if facts.filed_on is None or facts.calendar is None:
            refuse("filing_date_missing", "案件没有立案日期，无法计算办案期限")
        check_decision_in_time(facts.today, facts.filed_on, facts.calendar, pauses=facts.decision_pauses,
                               extension_days=facts.extension_days,
                               provisional_confirmed=facts.provisional_confirmed)

    def extension_lawful(self, facts: Facts) -> None:
        if facts.filed_on is None or facts.calendar is None:
            refuse("filing_date_missing", "案件没有立案日期，无法计算办案期限")
        decision_deadline(facts.filed_on, facts.calendar, pauses=facts.decision_pauses,
                          extension_days=facts.extension_days, provisional_confirmed=True)

    def reminder_due(self, facts: Facts) -> None:
        """催告 only once the payment period ran out unperformed (行政强制法 art. 54)."""
        if facts.performed:
            raise law_refusal("already_performed", "当事人已履行处罚决定，无需催告", "《行政强制法》第五十四条")
        if facts.payment_due_on is None:
            if facts.decision_served_on is None or facts.calendar is None:
                refuse("decision_not_served", "处罚决定书尚未送达")
            due = payment_due(facts.decision_served_on, facts.calendar, provisional_confirmed=True).date
        else:
            due = facts.payment_due_on
        if facts.today <= due:
            raise law_refusal("payment_period_running",
                              f"缴款期限至{due.year}年{due.month}月{due.day}日届满，届满前不能催告",
                              "《行政强制法》第五十四条、《行政处罚法》第六十七条第三款")

    def court_enforcement_lawful(self, facts: Facts) -> None:
        if facts.decision_served_on is None or facts.calendar is None:
            refuse("decision_not_served", "处罚决定书尚未送达")
        if facts.court_enforcement_applied:
            refuse("already_applied", "已申请人民法院强制执行")
        check_court_enforcement(facts.court_enforcement_on or facts.today, facts.decision_served_on, facts.calendar,
                                reminder_served_on=facts.reminder_served_on, remedy_sought=facts.remedy_sought,
                                performed=facts.performed, provisional_confirmed=facts.provisional_confirmed)

    def review_settled(self, facts: Facts) -> None:
        """No decision without a passing 法制审核 where the law requires one, after a 不通过 or 退回, or on a
        review older than the hearing (53号令 art. 33, 行政处罚法 art. 58)."""
        check_decision_review(facts.review_required, facts.reviews, hearing_held_on=facts.hearing_held_on)

    def execution_recorded(self, facts: Facts) -> None:
        if not facts.payment_or_enforcement:
            refuse("execution_evidence_required", "请录入缴款或执行情况")

    def not_yet_published(self, facts: Facts) -> None:
        if facts.published:
            refuse("already_published", "该处罚决定已公示")

    def publication_timely(self, facts: Facts) -> None:
        """Published within 7 working days of the decision (行政处罚法 art. 48; periods.toml publication)."""
        if facts.decided_on is None or facts.calendar is None:
            refuse("decision_missing", "尚未作出处罚决定")
        check_publication(facts.published_on or facts.today, facts.decided_on, facts.calendar,
                          provisional_confirmed=facts.provisional_confirmed)


PROCEDURE_EVENTS = frozenset(t.event for s in PenaltyProcedure.states for t in s.transitions)


class HasStatus(Protocol):
    id: int | None
    status: CaseStatus
    penalty_step: PenaltyStep | None


def transition(case: HasStatus, event: str, *, facts: Facts, listeners: Iterable[object] = ()) -> None:
    """Fire `event` on `case`. The only code path in the project that changes status or penalty step.

    A lifecycle event runs on `CaseLifecycle`; a procedure event runs on `PenaltyProcedure`, and only
    while the case is in `penalty`. A machine is built per call (bench/transitions.py measures it).
    """
    machine: StateMachine
    try:
        if event not in PROCEDURE_EVENTS:
            machine = CaseLifecycle(model=case, state_field="status", listeners=list(listeners))
        elif case.status is CaseStatus.PENALTY:
            machine = PenaltyProcedure(model=case, state_field="penalty_step", listeners=list(listeners))
        else:
            raise _not_allowed(case, event)
        machine.send(event, facts=facts)
    except TransitionNotAllowed as exc:
        raise _not_allowed(case, event) from exc


def _not_allowed(case: HasStatus, event: str) -> InvalidTransition:
    where = case.status.label
    if case.status is CaseStatus.PENALTY and case.penalty_step:
        where += f"·{case.penalty_step.label}"
    return InvalidTransition(f"案件当前状态为“{where}”，不能执行该操作", case_id=case.id, status=str(case.status),
                             event=event)


def declared_events(status: CaseStatus, step: PenaltyStep | None = None) -> list[str]:
    """Events declared from `status` (and, inside `penalty`, from the procedure's current step)."""
    names = [t.event for t in getattr(CaseLifecycle, status.name).transitions]
    if status is CaseStatus.PENALTY and step is not None:
        names += [t.event for t in getattr(PenaltyProcedure, step.name).transitions]
    return list(dict.fromkeys(names))


def declared_transitions() -> set[tuple[str, str, str]]:
    """(event, from, to) of both machines; a procedure event keeps the case in `penalty`."""
    out = {(t.event, t.source.value, t.target.value) for s in CaseLifecycle.states for t in s.transitions}
    out |= {(t.event, CaseStatus.PENALTY.value, CaseStatus.PENALTY.value)
            for s in PenaltyProcedure.states for t in s.transitions}
    return out


def replay(history: Iterable[tuple[str, CaseStatus, CaseStatus]]) -> CaseStatus:
    """Re-derive a case's state from its event log: each (event, from, to) must be declared."""
    declared = declared_transitions()
    status = CaseStatus.RECEIVED
    for event, source, target in history:
        if source is not status or (event, source.value, target.value) not in declared:
            raise InvalidTransition(f"事件记录不连贯：{event} {source}→{target}", event=event)
        status = target
    return status
