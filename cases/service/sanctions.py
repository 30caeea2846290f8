"""The penalty phase (行政处罚): 立案 → 事先告知 → 陈述申辩/听证 → 法制审核 → 决定 → 送达 → 执行 → 公示 → 结案.

The order of the steps is declared by `cases.lifecycle.PenaltyProcedure`; this module gathers the
facts, renders the documents and runs the clocks. Each use case runs inside `perform`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from cases import repository
from cases.actions import (
    Action,
    DecideIn,
    EmptyIn,
    ExecutionIn,
    OpenPenaltyIn,
    OpinionIn,
    PublishIn,
    StatementIn,
    SummaryIn,
)
from cases.enums import CaseEventType, CaseStatus, CloseReason, DecisionOutcome, DocumentType
from cases.errors import ValidationFailed
from cases.lifecycle import Facts
from cases.models import Case, Department, Document, Penalty
from cases.ports import PenaltyDecisionSnapshot, PenaltyNoticeSnapshot
from cases.service._common import (
    Ctx,
    authority_of,
    close_all_clocks,
    fire,
    issue_document,
    record,
    start_clock,
    stop_clock,
)
from cases.service.inspection import _issue_rectification, party_of
from cases.service.perform import handles


@handles(Action.OPEN_PENALTY)
def open_penalty(session: Session, ctx: Ctx, case: Case, body: OpenPenaltyIn) -> Penalty:
    """立案 (approved by the supervisor). From `inspected` the 责令改正 order is issued with it."""
    intended_penalty, fine_yuan, confiscation_yuan = body.intended_penalty, body.fine_yuan, body.confiscation_yuan
    if not intended_penalty.strip():
        raise ValidationFailed("请填写拟作出的行政处罚", code="penalty_required")
    rect = repository.last_deadline(session, case.id, "rectification")
    reinspections = repository.inspections(session, case.id, reinspection=True)
    after = [i for i in reinspections if rect and i.started_at.astimezone(ctx.now().tzinfo).date() > rect.due_date]
    from_inspected = case.status is CaseStatus.INSPECTED
    inspections = repository.inspections(session, case.id, reinspection=False)
    facts = Facts(
        ctx.today(), violations_with_basis=len(case.violation_codes),
        violation_found=bool(inspections and inspections[-1].violation_found),
        correction_order=from_inspected or rect is not None, rectification_deadline=rect.due_date if rect else None,
        reinspected_after_deadline=bool(after), reinspection_rectified=after[-1].rectified if after else None,
        new_serious_violation=body.new_serious_violation)
    fire(session, ctx, case, "open_penalty", facts, {"intended_penalty": intended_penalty, "fine_yuan": fine_yuan})
    if from_inspected:  # 53号令 art. 32: order correction before any penalty decision
        _issue_rectification(session, ctx, case, body.rectification_deadline, None, event=None)
    hearing = ctx.cat.hearing.hearing_offered(fine=fine_yuan, confiscation=confiscation_yuan,
                                              party_is_person=body.party_is_person, penalty=intended_penalty)
    penalty = Penalty(case_id=case.id, intended_penalty=intended_penalty.strip(), fine_yuan=fine_yuan,
                      confiscation_yuan=confiscation_yuan, party_is_person=body.party_is_person,
                      hearing_offered=hearing, major=body.major)
    case.filed_at = ctx.now()
    session.add(penalty)
    start_clock(session, ctx, case, "decision", ctx.today())
    return penalty


def _step(session: Session, ctx: Ctx, case: Case, event: str, payload: dict[str, Any] | None = None,
          **facts: Any) -> Penalty:
    """Fire a procedure event with the facts the penalty row holds (plus `facts`)."""
    penalty = repository.penalty_of(session, case.id)
    base = dict(major=penalty.major, statement_closes_on=penalty.statement_closes_on,
                hearing_requested=penalty.hearing_requested, published=penalty.published_on is not None,
                publish_required=penalty.publish_required and penalty.outcome == DecisionOutcome.PENALTY,
                outcome=DecisionOutcome(penalty.outcome) if penalty.outcome else None,
                court_enforcement_applied=penalty.court_enforcement_on is not None)
    base.update(facts)
    fire(session, ctx, case, event, Facts(ctx.today(), **base),
         payload if payload is not None else {k: str(v) for k, v in facts.items()})
    return penalty


@handles(Action.COLLECTIVE_DISCUSSION)
def collective_discussion(session: Session, ctx: Ctx, case: Case, body: SummaryIn) -> Penalty:
    """集体讨论 — for major cases, before the 事先告知书 (53号令 art. 34)."""
    penalty = _step(session, ctx, case, "collective_discussion", findings=body.summary)
    penalty.collective_discussion_on = ctx.today()
    return penalty


@handles(Action.ISSUE_PENALTY_NOTICE)
def issue_penalty_notice(session: Session, ctx: Ctx, case: Case, body: EmptyIn) -> Document:
    """行政处罚事先告知书 (art. 44); the statement window opens when its service is recorded."""
    penalty = _step(session, ctx, case, "issue_penalty_notice", {})
    dept = session.get(Department, case.lead_department_id)
    party = party_of(session, case)
    findings = _findings(session, case)
    return issue_document(session, ctx, case, dept, DocumentType.PENALTY_NOTICE, lambda number: PenaltyNoticeSnapshot(
        number=number, authority=authority_of(dept), party=party, findings=findings,
        bases=tuple(ctx.cat.get(c).legal_basis() for c in case.violation_codes),
        intended_penalty=penalty.intended_penalty, hearing_offered=penalty.hearing_offered,
        statement_days=5, issued_on=ctx.today()), addressee=party.name)


def _findings(session: Session, case: Case) -> tuple[str, ...]:
    rows = repository.inspections(session, case.id)
    return tuple(line for i in rows for line in i.findings.splitlines() if line.strip())


def on_served(session: Session, ctx: Ctx, case: Case, doc: Document, served_on: date, payload: dict) -> bool:
    """Service of a penalty document moves the penalty step; True when a transition fired."""
    if doc.doc_type is DocumentType.PENALTY_NOTICE:
        penalty = _step(session, ctx, case, "serve_penalty_notice", payload)
        row = start_clock(session, ctx, case, "statement", served_on)
        penalty.notice_served_on, penalty.statement_closes_on = served_on, row.due_date
        session.add(penalty)
        return True
    if doc.doc_type is DocumentType.PENALTY_DECISION:
        penalty = _step(session, ctx, case, "serve_decision", payload)
        stop_clock(session, ctx, case, "decision_service")
        penalty.decision_served_on = served_on
        if penalty.outcome == DecisionOutcome.PENALTY and penalty.fine_yuan + penalty.confiscation_yuan > 0:
            start_clock(session, ctx, case, "payment", served_on)
        session.add(penalty)
        return True
    return False


@handles(Action.CLOSE_STATEMENT_WINDOW)
def close_statement_window(session: Session, ctx: Ctx, case: Case, body: StatementIn) -> Penalty:
    """陈述申辩/听证申请期届满 (or the party waived in writing)."""
    penalty = _step(session, ctx, case, "close_statement_window", statement_waived=body.waived)
    if body.hearing_requested and not penalty.hearing_offered:  # raising here rolls the transition back
        raise ValidationFailed("本案拟处罚未达到听证条件", code="hearing_not_offered")
    penalty.hearing_requested = body.hearing_requested
    stop_clock(session, ctx, case, "statement")
    return penalty


@handles(Action.HOLD_HEARING)
def hold_hearing(session: Session, ctx: Ctx, case: Case, body: SummaryIn) -> Penalty:
    penalty = _step(session, ctx, case, "hold_hearing", findings=body.summary)
    penalty.hearing_held_on = ctx.today()
    return penalty


@handles(Action.LEGAL_REVIEW)
def legal_review(session: Session, ctx: Ctx, case: Case, body: OpinionIn) -> Penalty:
    """法制审核 by a legal reviewer who did not investigate the case (53号令 art. 33)."""
    if not body.opinion.strip():
        raise ValidationFailed("请填写法制审核意见", code="opinion_required")
    penalty = _step(session, ctx, case, "legal_review", findings=body.opinion)
    penalty.legal_review_on, penalty.legal_reviewer_id = ctx.today(), ctx.actor.officer_id
    return penalty


@handles(Action.DECIDE)
def decide(session: Session, ctx: Ctx, case: Case, body: DecideIn) -> Document:
    """作出决定 and issue the 决定书 in the same transaction."""
    outcome, penalty_text, fine_yuan, confiscation_yuan = (body.outcome, body.penalty_text, body.fine_yuan,
                                                           body.confiscation_yuan)
    penalty = _step(session, ctx, case, "decide", outcome=outcome)
    penalty.outcome, penalty.decided_on = str(outcome), ctx.today()
    if outcome is DecisionOutcome.PENALTY:
        penalty.fine_yuan = penalty.fine_yuan if fine_yuan is None else fine_yuan
        penalty.confiscation_yuan = penalty.confiscation_yuan if confiscation_yuan is None else confiscation_yuan
        text = penalty_text.strip() or penalty.intended_penalty
    else:
        penalty.fine_yuan = penalty.confiscation_yuan = 0
        text = "不予行政处罚"
    dept = session.get(Department, case.lead_department_id)
    party = party_of(session, case)
    doc = issue_document(session, ctx, case, dept, DocumentType.PENALTY_DECISION,
                         lambda number: PenaltyDecisionSnapshot(
                             number=number, authority=authority_of(dept), party=party,
                             findings=_findings(session, case),
                             bases=tuple(ctx.cat.get(c).legal_basis() for c in case.violation_codes),
                             penalty=text, issued_on=ctx.today(), fine_yuan=penalty.fine_yuan,
                             confiscation_yuan=penalty.confiscation_yuan), addressee=party.name)
    session.add(penalty)
    stop_clock(session, ctx, case, "decision")
    start_clock(session, ctx, case, "decision_service", ctx.today())
    if outcome is DecisionOutcome.PENALTY and penalty.publish_required:
        start_clock(session, ctx, case, "publication", ctx.today())
    return doc


@handles(Action.RECORD_EXECUTION)
def record_execution(session: Session, ctx: Ctx, case: Case, body: ExecutionIn) -> Penalty:
    """执行: the fine paid (or executed otherwise), or court enforcement applied for."""
    paid_on, court_enforcement_on = body.paid_on, body.court_enforcement_on
    if paid_on is None and court_enforcement_on is None:
        raise ValidationFailed("请填写缴款日期或申请法院强制执行日期", code="execution_evidence_required")
    if any(d and d > ctx.today() for d in (paid_on, court_enforcement_on)):
        raise ValidationFailed("日期不能晚于今天", code="date_in_future")
    if paid_on is None:
        penalty = repository.penalty_of(session, case.id)
        penalty.court_enforcement_on = court_enforcement_on
        record(session, ctx, case, CaseEventType.COURT_ENFORCEMENT,
               {"court_enforcement_on": str(court_enforcement_on)})
        session.add(penalty)
    else:
        penalty = _step(session, ctx, case, "execute", payment_or_enforcement=True)
        penalty.executed_on = paid_on
        stop_clock(session, ctx, case, "payment")
    return penalty


@handles(Action.PUBLISH)
def publish(session: Session, ctx: Ctx, case: Case, body: PublishIn) -> Penalty:
    """公示 of the decision (行政处罚法 art. 48)."""
    if body.published_on > ctx.today():
        raise ValidationFailed("公示日期不能晚于今天", code="date_in_future")
    penalty = _step(session, ctx, case, "publish")
    penalty.published_on = body.published_on
    stop_clock(session, ctx, case, "publication")
    return penalty


@handles(Action.CLOSE_PENALTY)
def close_penalty(session: Session, ctx: Ctx, case: Case, body: EmptyIn) -> Case:
    """结案 (head's approval): executed, court enforcement applied for, or a no-penalty decision served."""
    penalty = _step(session, ctx, case, "close_penalty")
    reason = {str(DecisionOutcome.NO_PENALTY): CloseReason.NO_PENALTY}.get(penalty.outcome or "")
    if reason is None:
        reason = CloseReason.PENALTY_EXECUTED if penalty.executed_on else CloseReason.COURT_ENFORCEMENT
    case.close_reason, case.closed_at = str(reason), ctx.now()
    close_all_clocks(session, ctx, case)
    return case
