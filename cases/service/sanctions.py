"""The penalty phase (行政处罚): 立案 → 事先告知 → 陈述申辩/听证 → 法制审核 → 决定 → 送达 → 执行 → 公示 → 结案.

The order of the steps is the lifecycle's (`cases.lifecycle.PENALTY_STEPS`); this module gathers
the facts, renders the documents and runs the clocks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from cases import repository
from cases.enums import CloseReason, DecisionOutcome, DocumentType, PenaltyStep
from cases.errors import RuleViolation, ValidationFailed
from cases.lifecycle import Facts
from cases.models import Case, Department, Document, Penalty
from cases.ports import PenaltyDecisionSnapshot, PenaltyNoticeSnapshot
from cases.service._common import (
    Ctx,
    authority_of,
    close_all_clocks,
    commit,
    fire,
    issue_document,
    load_case,
    start_clock,
    stop_clock,
    touch,
)
from cases.service.inspection import _issue_rectification, party_of


def open_penalty(session: Session, ctx: Ctx, *, case_id: int, version: int, intended_penalty: str,
                 fine_yuan: int = 0, confiscation_yuan: int = 0, party_is_person: bool = False,
                 major: bool = False, new_serious_violation: bool = False,
                 rectification_deadline: date | None = None) -> Penalty:
    """立案 (approved by the supervisor). From `inspected` the 责令改正 order is issued with it."""
    case = load_case(session, ctx, case_id, version=version, action="open_penalty")
    if fine_yuan < 0 or confiscation_yuan < 0:
        raise ValidationFailed("金额不能为负数", code="negative_amount")
    if not intended_penalty.strip():
        raise ValidationFailed("请填写拟作出的行政处罚", code="penalty_required")
    rect = repository.last_deadline(session, case.id, "rectification")
    reinspections = repository.inspections(session, case.id, reinspection=True)
    after = [i for i in reinspections if rect and i.started_at.astimezone(ctx.now().tzinfo).date() > rect.due_date]
    from_inspected = case.status.value == "inspected"
    facts = Facts(
        ctx.today(), actor_is_supervisor=True, violations_with_basis=len(case.violation_codes),
        correction_order=from_inspected or rect is not None, rectification_deadline=rect.due_date if rect else None,
        reinspected_after_deadline=bool(after), reinspection_rectified=after[-1].rectified if after else None,
        new_serious_violation=new_serious_violation)
    fire(session, ctx, case, "open_penalty", facts, {"intended_penalty": intended_penalty, "fine_yuan": fine_yuan})
    if from_inspected:  # 53号令 art. 32: order correction before any penalty decision
        _issue_rectification(session, ctx, case, rectification_deadline, None, event=None)
    hearing = ctx.cat.hearing.hearing_offered(fine=fine_yuan, confiscation=confiscation_yuan,
                                              party_is_person=party_is_person, penalty=intended_penalty)
    penalty = Penalty(case_id=case.id, intended_penalty=intended_penalty.strip(), fine_yuan=fine_yuan,
                      confiscation_yuan=confiscation_yuan, party_is_person=party_is_person,
                      hearing_offered=hearing, major=major)
    case.filed_at = ctx.now()
    session.add(penalty)
    start_clock(session, ctx, case, "decision", ctx.today())
    commit(session, case)
    return penalty


def _step(session: Session, ctx: Ctx, case_id: int, version: int, event: str, **facts: Any) -> tuple[Case, Penalty]:
    case = load_case(session, ctx, case_id, version=version, action=event)
    penalty = repository.penalty_of(session, case.id)
    base = dict(major=penalty.major, collective_discussion_done=penalty.collective_discussion_on is not None,
                statement_closes_on=penalty.statement_closes_on, hearing_requested=penalty.hearing_requested,
                legal_review_done=penalty.legal_review_on is not None, published=penalty.published_on is not None,
                publish_required=penalty.publish_required and penalty.outcome == DecisionOutcome.PENALTY,
                outcome=DecisionOutcome(penalty.outcome) if penalty.outcome else None, actor_is_supervisor=True,
                court_enforcement_applied=penalty.court_enforcement_on is not None)
    base.update(facts)
    fire(session, ctx, case, event, Facts(ctx.today(), **base), {k: str(v) for k, v in facts.items()})
    return case, penalty


def collective_discussion(session: Session, ctx: Ctx, *, case_id: int, version: int, summary: str) -> Penalty:
    """集体讨论 — for major cases, before the 事先告知书 (53号令 art. 34)."""
    case, penalty = _step(session, ctx, case_id, version, "collective_discussion", findings=summary)
    penalty.collective_discussion_on = ctx.today()
    commit(session, case)
    return penalty


def issue_penalty_notice(session: Session, ctx: Ctx, *, case_id: int, version: int) -> Document:
    """行政处罚事先告知书 (art. 44); the step moves when its service is recorded."""
    case = load_case(session, ctx, case_id, version=version, action="serve_penalty_notice")
    penalty = repository.penalty_of(session, case.id)
    if case.penalty_step not in (PenaltyStep.FILED, PenaltyStep.COLLECTIVE_DISCUSSION):
        raise RuleViolation("事先告知书已送达，不能重复制作", code="penalty_step_order")
    if penalty.major and penalty.collective_discussion_on is None:
        raise RuleViolation("重大案件须在制作事先告知书前集体讨论（校外培训行政处罚暂行办法第三十四条）",
                            code="collective_discussion_first")
    dept = session.get(Department, case.lead_department_id)
    party = party_of(session, case)
    findings = _findings(session, case)
    doc = issue_document(session, ctx, case, dept, DocumentType.PENALTY_NOTICE, lambda number: PenaltyNoticeSnapshot(
        number=number, authority=authority_of(dept), party=party, findings=findings,
        bases=tuple(ctx.cat.get(c).legal_basis() for c in case.violation_codes),
        intended_penalty=penalty.intended_penalty, hearing_offered=penalty.hearing_offered,
        statement_days=5, issued_on=ctx.today()), addressee=party.name)
    touch(session, ctx, case)
    commit(session, case)
    return doc


def _findings(session: Session, case: Case) -> tuple[str, ...]:
    rows = repository.inspections(session, case.id)
    return tuple(line for i in rows for line in i.findings.splitlines() if line.strip())


def on_served(session: Session, ctx: Ctx, case: Case, doc: Document, served_on: date, payload: dict) -> bool:
    """Service of a penalty document moves the penalty step; True when a transition fired."""
    if doc.doc_type is DocumentType.PENALTY_NOTICE:
        penalty = repository.penalty_of(session, case.id)
        fire(session, ctx, case, "serve_penalty_notice", Facts(
            ctx.today(), major=penalty.major,
            collective_discussion_done=penalty.collective_discussion_on is not None), payload)
        row = start_clock(session, ctx, case, "statement", served_on)
        penalty.notice_served_on, penalty.statement_closes_on = served_on, row.due_date
        session.add(penalty)
        return True
    if doc.doc_type is DocumentType.PENALTY_DECISION:
        penalty = repository.penalty_of(session, case.id)
        fire(session, ctx, case, "serve_decision", Facts(ctx.today()), payload)
        stop_clock(session, ctx, case, "decision_service")
        penalty.decision_served_on = served_on
        if penalty.outcome == DecisionOutcome.PENALTY and penalty.fine_yuan + penalty.confiscation_yuan > 0:
            start_clock(session, ctx, case, "payment", served_on)
        session.add(penalty)
        return True
    return False


def close_statement_window(session: Session, ctx: Ctx, *, case_id: int, version: int, hearing_requested: bool,
                           waived: bool = False, statement_summary: str = "") -> Penalty:
    """陈述申辩/听证申请期届满 (or the party waived in writing)."""
    case, penalty = _step(session, ctx, case_id, version, "close_statement_window", statement_waived=waived)
    if hearing_requested and not penalty.hearing_offered:  # raising here rolls the transition back
        raise ValidationFailed("本案拟处罚未达到听证条件", code="hearing_not_offered")
    penalty.hearing_requested = hearing_requested
    stop_clock(session, ctx, case, "statement")
    commit(session, case)
    return penalty


def hold_hearing(session: Session, ctx: Ctx, *, case_id: int, version: int, summary: str) -> Penalty:
    case, penalty = _step(session, ctx, case_id, version, "hold_hearing", findings=summary)
    penalty.hearing_held_on = ctx.today()
    commit(session, case)
    return penalty


def legal_review(session: Session, ctx: Ctx, *, case_id: int, version: int, opinion: str) -> Penalty:
    """法制审核 by a legal reviewer (53号令 art. 33)."""
    if not opinion.strip():
        raise ValidationFailed("请填写法制审核意见", code="opinion_required")
    case, penalty = _step(session, ctx, case_id, version, "legal_review", findings=opinion)
    penalty.legal_review_on, penalty.legal_reviewer_id = ctx.today(), ctx.actor.officer_id
    commit(session, case)
    return penalty


def decide(session: Session, ctx: Ctx, *, case_id: int, version: int, outcome: DecisionOutcome,
           penalty_text: str = "", fine_yuan: int | None = None, confiscation_yuan: int | None = None) -> Document:
    """作出决定 and issue the 决定书 in the same transaction."""
    case, penalty = _step(session, ctx, case_id, version, "decide", outcome=outcome)
    if fine_yuan is not None and fine_yuan < 0 or confiscation_yuan is not None and confiscation_yuan < 0:
        raise ValidationFailed("金额不能为负数", code="negative_amount")
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
    commit(session, case)
    return doc


def record_execution(session: Session, ctx: Ctx, *, case_id: int, version: int, paid_on: date | None = None,
                     court_enforcement_on: date | None = None) -> Penalty:
    """执行: the fine paid (or executed otherwise), or court enforcement applied for."""
    if paid_on is None and court_enforcement_on is None:
        raise ValidationFailed("请填写缴款日期或申请法院强制执行日期", code="execution_evidence_required")
    if any(d and d > ctx.today() for d in (paid_on, court_enforcement_on)):
        raise ValidationFailed("日期不能晚于今天", code="date_in_future")
    if paid_on is None:
        case = load_case(session, ctx, case_id, version=version, action="execute")
        penalty = repository.penalty_of(session, case.id)
        penalty.court_enforcement_on = court_enforcement_on
        touch(session, ctx, case)
        session.add(penalty)
    else:
        case, penalty = _step(session, ctx, case_id, version, "execute", payment_or_enforcement=True)
        penalty.executed_on = paid_on
        stop_clock(session, ctx, case, "payment")
    commit(session, case)
    return penalty


def publish(session: Session, ctx: Ctx, *, case_id: int, version: int, published_on: date) -> Penalty:
    """公示 of the decision (行政处罚法 art. 48)."""
    if published_on > ctx.today():
        raise ValidationFailed("公示日期不能晚于今天", code="date_in_future")
    case, penalty = _step(session, ctx, case_id, version, "publish")
    penalty.published_on = published_on
    stop_clock(session, ctx, case, "publication")
    commit(session, case)
    return penalty


def close_penalty(session: Session, ctx: Ctx, *, case_id: int, version: int) -> Case:
    """结案 (head's approval): executed, court enforcement applied for, or a no-penalty decision served."""
    case, penalty = _step(session, ctx, case_id, version, "close_penalty")
    reason = {str(DecisionOutcome.NO_PENALTY): CloseReason.NO_PENALTY}.get(penalty.outcome or "")
    if reason is None:
        reason = CloseReason.PENALTY_EXECUTED if penalty.executed_on else CloseReason.COURT_ENFORCEMENT
    case.close_reason, case.closed_at = str(reason), ctx.now()
    close_all_clocks(session, ctx, case)
    commit(session, case)
    return case
