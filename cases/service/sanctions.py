"""The penalty phase (行政处罚): 立案 → 事先告知 → 陈述申辩/听证 → 法制审核 → 决定 → 送达 → 执行 → 公示 → 结案.

The order of the steps is declared by `cases.lifecycle.PenaltyProcedure`; this module gathers the
facts, renders the documents and runs the clocks. Each use case runs inside `perform`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from cases import messages, penalty_law, repository
from cases.actions import (
    REVIEW_POINTS,
    Action,
    DecideIn,
    DiscussionIn,
    EmptyIn,
    ExecutionIn,
    HearingIn,
    OpenPenaltyIn,
    OpinionIn,
    PenaltyItemIn,
    PublishIn,
    StatementIn,
)
from cases.enums import (
    CaseEventType,
    CaseStatus,
    Channel,
    CloseReason,
    DecisionOutcome,
    DocumentType,
    Gravity,
    PenaltyType,
    ReviewOutcome,
)
from cases.errors import ValidationFailed
from cases.lifecycle import Facts
from cases.models import Case, CaseEvidence, Complaint, Department, Document, Officer, Penalty, key
from cases.penalty_law import IllegalIncome, IntendedPenalty, PenaltyItem
from cases.ports import (
    EvidenceLine,
    FilingApprovalSnapshot,
    FilingCondition,
    LeniencyNote,
    OfficerLine,
    PenaltyDecisionSnapshot,
    PenaltyNoticeSnapshot,
)
from cases.service import paperwork
from cases.service._common import (
    Ctx,
    authority_of,
    fire,
    issue_document,
    periods,
    record,
    start_clock,
    stop_clock,
)
from cases.service.inspection import _issue_rectification, party_of
from cases.service.perform import handles


def penalty_from(items: Sequence[PenaltyItemIn]) -> IntendedPenalty:
    """The input rows as the law layer's penalty (an invalid item is refused by `PenaltyItem`)."""
    return IntendedPenalty(tuple(PenaltyItem(PenaltyType(i.type), amount_yuan=i.amount_yuan, years=i.years,
                                             permanent=i.permanent) for i in items))


def stored(penalty: IntendedPenalty) -> list[dict[str, Any]]:
    return [{"type": i.type.value, "amount_yuan": i.amount_yuan, "years": i.years, "permanent": i.permanent}
            for i in penalty.items]


def loaded(rows: Sequence[dict[str, Any]]) -> IntendedPenalty:
    return IntendedPenalty(tuple(PenaltyItem(PenaltyType(r["type"]), amount_yuan=int(r.get("amount_yuan", 0)),
                                             years=int(r.get("years", 0)), permanent=bool(r.get("permanent")))
                                 for r in rows))


def income_of(penalty: Penalty) -> IllegalIncome | None:
    if penalty.income_collected_yuan is None:
        return None
    return IllegalIncome(penalty.income_collected_yuan, penalty.income_refunded_yuan)


def punished_codes(session: Session, case: Case) -> list[str]:
    """The violations an inspection found (not those only reported in a later complaint): what is punished."""
    found = {c for i in repository.inspections(session, case.id, reinspection=False) if i.violation_found
             for c in i.violation_codes}
    return sorted(found) or list(case.violation_codes)


def local_day(ctx: Ctx, moment: datetime | None) -> date | None:
    return moment.astimezone(ctx.now().tzinfo).date() if moment is not None else None


def filing_conditions(session: Session, case: Case, *, violation_found: bool, penalty_due: bool,
                      violation_on: date, discovered_on: date, extended: bool) -> penalty_law.FilingConditions:
    """The five conditions of 53号令 art. 26 as the 立案审批表 records them, from the case's facts: the party
    is the inspected institution, the inspection record found the violation, a penalty is intended, the
    case lies in the department's jurisdiction (`perform` checked it), and the limitation period has not
    run (行政处罚法 art. 36)."""
    in_time = violation_on > discovered_on or discovered_on <= penalty_law.limitation_ends(violation_on,
                                                                                           extended=extended)
    return penalty_law.FilingConditions(party_identified=case.institution_id is not None,
                                        prima_facie_evidence=violation_found, penalty_due=penalty_due,
                                        within_jurisdiction=True, within_limitation=in_time)


CONDITION_KEYS = ("party_identified", "prima_facie_evidence", "penalty_due", "within_jurisdiction",
                  "within_limitation")


@handles(Action.OPEN_PENALTY)
def open_penalty(session: Session, ctx: Ctx, case: Case, body: OpenPenaltyIn) -> Penalty:
    """立案 (approved by the supervisor). From `inspected` the 责令改正 order is issued with it.

    The intended penalty is checked against the articles the case's violations breach
    (`penalty_law.check_penalty`: types, tiers, bands, 违法所得), and the hearing right is computed
    from it (`penalty_law.hearing_offered`, 53号令 art. 30). The 立案审批表 records the violation date,
    the limitation check, the five conditions of 53号令 art. 26, the 承办人's opinion and the head's
    approval; under a 整改通知书 the notice must have been served (guards of `CaseLifecycle.open_penalty`)."""
    intended = penalty_from(body.penalty)
    penalty_law.check_complete(intended)  # 行政处罚法 art. 44: the 立案审批表 states the intended penalty
    if body.income_collected_yuan is None and body.income_refunded_yuan:
        raise ValidationFailed("填写已退还款项时须同时填写所收全部款项", code="illegal_income_invalid")
    income = (IllegalIncome(body.income_collected_yuan, body.income_refunded_yuan)
              if body.income_collected_yuan is not None else None)
    rect = repository.last_deadline(session, case.id, "rectification")
    reinspections = repository.inspections(session, case.id, reinspection=True)
    after = [i for i in reinspections if rect and i.started_at.astimezone(ctx.now().tzinfo).date() > rect.due_date]
    from_inspected = case.status is CaseStatus.INSPECTED
    inspections = repository.inspections(session, case.id, reinspection=False)
    found = [i for i in inspections if i.violation_found]
    notices = repository.case_documents(session, case.id, DocumentType.RECTIFICATION_NOTICE)
    notice_service = repository.service_of(session, notices[-1].id) if notices else None
    notice_issued = local_day(ctx, notices[-1].issued_at) if notices else None
    # a new serious violation is backed by its own inspection record, made after the 整改通知书
    new_recorded = any(notice_issued is not None and local_day(ctx, i.started_at) >= notice_issued
                       for i in (*inspections, *reinspections))
    if body.new_serious_violation and not from_inspected and not new_recorded:
        raise penalty_law.refuse("new_violation_needs_record",
                                 "以发现新的严重违法行为立案的，须有该违法行为的现场检查笔录",
                                 "《校外培训行政处罚暂行办法》第三十二条、《行政处罚法》第二十八条")
    violation_on = body.violation_on or (local_day(ctx, found[-1].started_at) if found else None)
    discovered_on = local_day(ctx, case.received_at) or ctx.today()
    conditions = filing_conditions(session, case, violation_found=bool(found), penalty_due=bool(intended.items),
                                   violation_on=violation_on or ctx.today(), discovered_on=discovered_on,
                                   extended=body.limitation_extended)
    facts = Facts(
        ctx.today(), violations_with_basis=len(case.violation_codes),
        violation_found=bool(inspections and inspections[-1].violation_found),
        correction_order=from_inspected or rect is not None, rectification_deadline=rect.due_date if rect else None,
        reinspected_after_deadline=bool(after), reinspection_rectified=after[-1].rectified if after else None,
        new_serious_violation=body.new_serious_violation, calendar=ctx.calendar,
        rectification_served_on=notice_service.served_on if notice_service else None,
        violation_on=violation_on, discovered_on=discovered_on, limitation_extended=body.limitation_extended,
        filing_conditions=conditions)
    correction_refused = bool(after) and after[-1].rectified is False  # 53号令 art. 19
    codes = punished_codes(session, case)
    met = [k for k in CONDITION_KEYS if getattr(conditions, k)]
    fire(session, ctx, case, "open_penalty", facts, {
        "intended_penalty": intended.text_zh, "penalty": stored(intended), "gravity": body.gravity.value,
        "fine_yuan": intended.fine_yuan, "illegal_income_yuan": income.amount_yuan if income else None,
        "violation_on": violation_on.isoformat() if violation_on else None, "filing_conditions": met,
        "handler_opinion": body.handler_opinion.strip()})
    checked = penalty_law.check_penalty(codes, body.gravity, intended, income,
                                        party_is_person=body.party_is_person,
                                        correction_refused=correction_refused, catalogue=ctx.cat)
    if from_inspected:  # 53号令 art. 32: order correction before any penalty decision
        _issue_rectification(session, ctx, case, body.rectification_deadline, None, event=None)
    hearing = penalty_law.hearing_offered(intended, party_is_person=body.party_is_person)
    grounds: dict[str, Any] = dict(party_is_person=body.party_is_person, public_interest=body.public_interest,
                   complex_case=body.complex_case)
    discuss = penalty_law.collective_discussion_required(intended, major=body.major, **grounds)
    review = penalty_law.legal_review_required(intended, hearing_held=False, **grounds)
    penalty = Penalty(case_id=case.id, intended_penalty=intended.text_zh, fine_yuan=intended.fine_yuan,
                      confiscation_yuan=intended.confiscation_yuan, party_is_person=body.party_is_person,
                      hearing_offered=hearing, major=discuss, review_required=review,
                      public_interest=body.public_interest, complex_case=body.complex_case, gravity=body.gravity.value,
                      intended_items=stored(intended), income_collected_yuan=body.income_collected_yuan,
                      income_refunded_yuan=body.income_refunded_yuan,
                      illegal_income_yuan=income.amount_yuan if income else None,
                      correction_refused=correction_refused, violation_codes=codes,
                      norms=list(checked.citations), violation_on=violation_on,
                      violation_continuing=body.violation_continuing, limitation_extended=body.limitation_extended,
                      filing_conditions=met, handler_opinion=body.handler_opinion.strip(),
                      filing_approved_by_id=ctx.actor.officer_id)
    case.filed_at = ctx.now()
    session.add(penalty)
    issue_filing_approval(session, ctx, case, penalty, intended)
    start_clock(session, ctx, case, "decision", ctx.today())
    return penalty


def _source(session: Session, ctx: Ctx, case: Case) -> str:
    """案件来源 as the 立案审批表 records it: the first clue's channel and the day it was received."""
    first = session.exec(select(Complaint).where(Complaint.case_id == case.id)
                         .order_by(col(Complaint.received_at), col(Complaint.id))).first()
    day = local_day(ctx, first.received_at if first else case.received_at)
    try:
        channel = Channel(first.channel).label if first else ""
    except ValueError:
        channel = str(first.channel) if first else ""
    channel = channel or "巡查发现"
    return f"{channel}（{_cn(day)}受理）" if day else channel


def issue_filing_approval(session: Session, ctx: Ctx, case: Case, penalty: Penalty,
                          intended: IntendedPenalty) -> Document:
    """立案审批表 (53号令 art. 26), issued with the 立案 in its transaction: the five conditions as recorded,
    the 承办人's opinion and the approving head. Internal: not served, not sealed."""
    dept = repository.get_or_raise(session, Department, case.lead_department_id, "部门")
    met = set(penalty.filing_conditions)
    conditions = tuple(FilingCondition(label, k in met)
                       for k, label in zip(CONDITION_KEYS, penalty_law.FilingConditions.LABELS, strict=True))
    handlers = tuple(OfficerLine(o.name, o.badge_no or "")
                     for o in paperwork.officers_of(session, list(case.team_officer_ids)))
    approver = session.get(Officer, ctx.actor.officer_id) if ctx.actor.officer_id else None
    names = [ctx.cat.get(c).name for c in (penalty.violation_codes or case.violation_codes)]
    party = party_of(session, case)
    return issue_document(session, ctx, case, dept, DocumentType.FILING_APPROVAL, lambda number: FilingApprovalSnapshot(
        number=number, authority=authority_of(dept), party=party, case_number=case.case_number,
        cause=f"涉嫌{'、'.join(names)}案" if names else "校外培训违法案", source=_source(session, ctx, case),
        findings=_findings(session, case),
        bases=tuple(ctx.cat.get(c).legal_basis() for c in (penalty.violation_codes or case.violation_codes)),
        intended_penalty=intended.text_zh, conditions=conditions, handlers=handlers,
        handler_opinion=penalty.handler_opinion, approver=approver.name if approver else "",
        issued_on=ctx.today(), violation_on=penalty.violation_on,
        violation_continuing=penalty.violation_continuing), addressee=party.name)


def _step(session: Session, ctx: Ctx, case: Case, event: str, payload: dict[str, Any] | None = None,
          **facts: Any) -> Penalty:
    """Fire a procedure event with the facts the penalty row holds (plus `facts`)."""
    penalty = repository.penalty_of(session, case.id)
    payment = repository.last_deadline(session, case.id, "payment")
    base: dict[str, Any] = dict(
                major=penalty.major, review_required=penalty.review_required, reviews=reviews_of(penalty),
                hearing_held_on=penalty.hearing_held_on, statement_closes_on=penalty.statement_closes_on,
                hearing_requested=penalty.hearing_requested, published=penalty.published_on is not None,
                publish_required=penalty.publish_required and penalty.outcome == DecisionOutcome.PENALTY,
                outcome=DecisionOutcome(penalty.outcome) if penalty.outcome else None,
                court_enforcement_applied=penalty.court_enforcement_on is not None,
                calendar=ctx.calendar, filed_on=local_day(ctx, case.filed_at), decision_pauses=pauses_of(penalty),
                extension_days=penalty.extension_days, penalty=loaded(penalty.notice_items or penalty.intended_items),
                party_is_person=penalty.party_is_person, notice_served_on=penalty.notice_served_on,
                hearing_requested_on=penalty.hearing_requested_on,
                hearing_notice_served_on=penalty.hearing_notice_served_on, hearing_chair_id=penalty.hearing_chair_id,
                investigator_ids=tuple(case.team_officer_ids), decision_served_on=penalty.decision_served_on,
                payment_due_on=payment.due_date if payment else None, performed=penalty.executed_on is not None,
                remedy_sought=penalty.remedy_sought_on is not None, reminder_served_on=penalty.reminder_served_on,
                decided_on=penalty.decided_on)
    base.update(facts)
    fire(session, ctx, case, event, Facts(ctx.today(), **base),
         payload if payload is not None else {k: str(v) for k, v in facts.items()})
    return penalty


def pauses_of(penalty: Penalty) -> tuple[penalty_law.Pause, ...]:
    return tuple(penalty_law.Pause(p["reason"], date.fromisoformat(p["paused_on"]), date.fromisoformat(p["resumed_on"]))
                 for p in penalty.pauses)


def reviews_of(penalty: Penalty) -> tuple[penalty_law.Review, ...]:
    return tuple(penalty_law.Review(ReviewOutcome(r["outcome"]), date.fromisoformat(r["reviewed_on"]),
                                    r["reviewer_id"], r.get("reasons", "")) for r in penalty.reviews)


@handles(Action.COLLECTIVE_DISCUSSION)
def collective_discussion(session: Session, ctx: Ctx, case: Case, body: DiscussionIn) -> Penalty:
    """集体讨论 of the department heads, before the 事先告知书 (53号令 art. 34 ¶2), at least two taking part."""
    participants = [p.strip() for p in body.participants if p.strip()]
    penalty = _step(session, ctx, case, "collective_discussion", {"summary": body.summary,
                                                                  "participants": participants})
    penalty_law.check_collective_discussion(True, ctx.today(), ctx.today(), participants)
    penalty.collective_discussion_on, penalty.discussion_participants = ctx.today(), participants
    return penalty


@handles(Action.ISSUE_PENALTY_NOTICE)
def issue_penalty_notice(session: Session, ctx: Ctx, case: Case, body: EmptyIn) -> Document:
    """行政处罚事先告知书 (art. 44); the statement window opens when its service is recorded."""
    penalty = _step(session, ctx, case, "issue_penalty_notice", {})
    penalty.notice_items = list(penalty.intended_items)  # what this notice states; the decision is held to it
    session.add(penalty)
    dept = session.get(Department, case.lead_department_id)
    party = party_of(session, case)
    findings = _findings(session, case)
    doc = issue_document(session, ctx, case, dept, DocumentType.PENALTY_NOTICE, lambda number: PenaltyNoticeSnapshot(
        number=number, authority=authority_of(dept), party=party, findings=findings,
        bases=tuple(ctx.cat.get(c).legal_basis() for c in case.violation_codes),
        intended_penalty=penalty.intended_penalty, hearing_offered=penalty.hearing_offered,
        statement_days=periods()["statement"].days, issued_on=ctx.today()), addressee=party.name)
    paperwork.issue_service_receipt(session, ctx, case, doc, party)
    return doc


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
    if doc.doc_type in (DocumentType.HEARING_NOTICE, DocumentType.PAYMENT_REMINDER):
        penalty = repository.penalty_of(session, case.id)
        if doc.doc_type is DocumentType.HEARING_NOTICE:  # the hearing is held 7 working days later (art. 64(二))
            penalty.hearing_notice_served_on = served_on
        else:  # the court is asked only 10 working days later (行政强制法 art. 54)
            penalty.reminder_served_on = served_on
        session.add(penalty)
        return False
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
    penalty = _step(session, ctx, case, "close_statement_window", statement_waived=body.waived,
                    hearing_requested=body.hearing_requested, hearing_requested_on=body.hearing_requested_on)
    if body.hearing_requested and not penalty.hearing_offered:  # raising here rolls the transition back
        raise ValidationFailed("本案拟处罚未达到听证条件", code="hearing_not_offered")
    penalty.hearing_requested, penalty.statement_waived = body.hearing_requested, body.waived
    penalty.hearing_requested_on = (body.hearing_requested_on or ctx.today()) if body.hearing_requested else None
    text = body.statement_summary.strip()
    if text and not body.waived:  # 行政处罚法 art. 45: the party's statement is heard and answered
        if body.statement_accepted is None or not body.statement_answer.strip():
            raise ValidationFailed("当事人提出陈述申辩的，应当记录是否采纳及理由（《行政处罚法》第四十五条）",
                                   code="statement_answer_required")
        if body.statement_on is not None and (body.statement_on > ctx.today() or (
                penalty.notice_served_on and body.statement_on < penalty.notice_served_on)):
            raise ValidationFailed("陈述申辩日期应在告知书送达之后、不晚于今天", code="statement_date_invalid")
    penalty.statement_text, penalty.statement_on = text, body.statement_on if text else None
    penalty.statement_accepted = body.statement_accepted if text else None
    penalty.statement_answer = body.statement_answer.strip() if text else ""
    stop_clock(session, ctx, case, "statement")
    if penalty.review_required and not body.hearing_requested:  # 法制审核 requested (53号令 art. 33)
        _message_review(session, ctx, case)
    return penalty


def _message_review(session: Session, ctx: Ctx, case: Case) -> None:
    """Tell the lead department's channels that the case waits for 法制审核 (cases.messages)."""
    decision = repository.open_deadline(session, key(case), "decision")
    messages.queue(session, department_id=case.lead_department_id, case_id=case.id, topic=messages.Topic.REVIEW,
                   now=ctx.now(), text=messages.review_text(case.case_number, decision.due_date if decision else None))


@handles(Action.HOLD_HEARING)
def hold_hearing(session: Session, ctx: Ctx, case: Case, body: HearingIn) -> Penalty:
    """听证 on the day the 听证通知书 allows, chaired by someone who did not investigate the case; the party's
    unjustified absence is a waiver, a justified one postpones it (行政处罚法 art. 64(二)(四)(六))."""
    chair = body.chair_id if body.chair_id is not None else ctx.actor.officer_id
    waived = penalty_law.hearing_absence_is_waiver(attended=body.party_attended, justified=body.absence_justified)
    penalty = _step(session, ctx, case, "hold_hearing",
                    {"findings": body.summary, "chair_id": chair, "party_attended": body.party_attended,
                     "waived": waived},
                    hearing_chair_id=chair, absent_with_reason=not body.party_attended and body.absence_justified)
    penalty.hearing_chair_id, penalty.hearing_waived = chair, waived
    if waived:  # the hearing right was given up: no hearing record to decide on (art. 64(六))
        return penalty
    penalty.hearing_held_on = ctx.today()
    # 53号令 art. 33(二): a decision after a hearing needs a 法制审核 made after the hearing (art. 33 ¶2)
    penalty.review_required = penalty.review_required or penalty_law.legal_review_required(
        loaded(penalty.intended_items), party_is_person=penalty.party_is_person, hearing_held=True,
        public_interest=penalty.public_interest, complex_case=penalty.complex_case)
    if penalty.review_required:
        _message_review(session, ctx, case)
    return penalty


@handles(Action.LEGAL_REVIEW)
def legal_review(session: Session, ctx: Ctx, case: Case, body: OpinionIn) -> Penalty:
    """法制审核 by a legal reviewer who did not investigate the case (53号令 art. 33): 通过, 不通过 (with
    reasons) or 退回补充调查 (with reasons); a later opinion may follow, the decision waits for 通过."""
    if not body.opinion.strip():
        raise ValidationFailed("请填写法制审核意见", code="opinion_required")
    review = penalty_law.Review(body.outcome, ctx.today(), ctx.actor.officer_id, body.reasons)
    penalty = _step(session, ctx, case, "legal_review", {"outcome": body.outcome.value, "opinion": body.opinion,
                                                         "reasons": body.reasons})
    penalty_law.check_review(review, case.team_officer_ids)
    penalty.reviews = [*penalty.reviews, {"outcome": body.outcome.value, "reviewed_on": ctx.today().isoformat(),
                                          "reviewer_id": ctx.actor.officer_id, "opinion": body.opinion,
                                          "reasons": body.reasons,
                                          "points": {k: getattr(body, k) for k in REVIEW_POINTS if getattr(body, k)}}]
    penalty.legal_review_on, penalty.legal_reviewer_id = ctx.today(), ctx.actor.officer_id
    return penalty


@handles(Action.DECIDE)
def decide(session: Session, ctx: Ctx, case: Case, body: DecideIn) -> Document:
    """作出决定 and issue the 决定书 in the same transaction.

    A penalty decision is checked as at 立案 (`check_penalty`) and against the served 告知书: not
    heavier, not inside its statement window (`check_decision_vs_notice`, 行政处罚法 arts. 44, 45, 62)."""
    outcome = body.outcome
    penalty = repository.penalty_of(session, case.id)
    if outcome is DecisionOutcome.PENALTY:
        decided = penalty_from(body.penalty) if body.penalty is not None else loaded(penalty.intended_items)
        gravity = body.gravity or Gravity(penalty.gravity)
    else:
        decided, gravity = IntendedPenalty(), Gravity(penalty.gravity)
    if outcome is DecisionOutcome.PENALTY:  # the law on the penalty first, then the procedure's order
        penalty_law.check_penalty(penalty.violation_codes or case.violation_codes, gravity, decided,
                                  income_of(penalty), party_is_person=penalty.party_is_person,
                                  correction_refused=penalty.correction_refused, catalogue=ctx.cat)
        notices = ([penalty_law.ServedNotice(loaded(penalty.notice_items), penalty.notice_served_on)]
                   if penalty.notice_served_on else [])
        penalty_law.check_decision_vs_notice(decided, notices, ctx.today(), ctx.calendar,
                                             statement_waived=penalty.statement_waived,
                                             provisional_confirmed=body.confirm_provisional)
    dept = repository.get_or_raise(session, Department, case.lead_department_id, "部门")
    party = party_of(session, case)
    # every contact field of the 决定书 filled (行政处罚法 arts. 59, 67), before anything is written
    penalty_law.check_decision_contacts(
        authority_of(dept), party, party_is_person=penalty.party_is_person,
        payment=outcome is DecisionOutcome.PENALTY and decided.fine_yuan + decided.confiscation_yuan > 0)
    text = decided.text_zh if outcome is DecisionOutcome.PENALTY else "不予行政处罚"
    payload = {"outcome": str(outcome), "penalty": stored(decided), "gravity": gravity.value,
               "confirm_provisional": body.confirm_provisional}
    # 法制审核 by rule: required for the notice's penalty (立案, after a hearing) or for the one decided
    required = penalty.review_required or (outcome is DecisionOutcome.PENALTY and penalty_law.legal_review_required(
        decided, party_is_person=penalty.party_is_person, hearing_held=penalty.hearing_held_on is not None,
        public_interest=penalty.public_interest, complex_case=penalty.complex_case))
    notes = leniency_of(session, ctx, case, penalty, body)
    payload["leniency"] = [{"kind": n.kind, "reason": n.reason, "citation": n.citation} for n in notes]
    penalty = _step(session, ctx, case, "decide", payload, outcome=outcome, review_required=required,
                    provisional_confirmed=body.confirm_provisional, leniency=notes)
    penalty.leniency = payload["leniency"]
    penalty.outcome, penalty.decided_on = str(outcome), ctx.today()
    penalty.decided_items, penalty.gravity = stored(decided), gravity.value
    penalty.fine_yuan, penalty.confiscation_yuan = decided.fine_yuan, decided.confiscation_yuan
    doc = issue_document(session, ctx, case, dept, DocumentType.PENALTY_DECISION,
                         lambda number: PenaltyDecisionSnapshot(
                             number=number, authority=authority_of(dept), party=party,
                             findings=_findings(session, case),
                             bases=tuple(ctx.cat.get(c).legal_basis() for c in case.violation_codes),
                             penalty=text, issued_on=ctx.today(), fine_yuan=penalty.fine_yuan,
                             statement_summary=statement_answer(penalty), evidence=evidence_of(session, case, penalty),
                             review_note=review_note(penalty),
                             leniency=tuple(LeniencyNote(n.kind, n.reason, n.citation) for n in notes
                                            if outcome is not DecisionOutcome.PENALTY or n.kind == "从重"),
                             confiscation_yuan=penalty.confiscation_yuan), addressee=party.name)
    paperwork.issue_service_receipt(session, ctx, case, doc, party)
    session.add(penalty)
    stop_clock(session, ctx, case, "decision")
    start_clock(session, ctx, case, "decision_service", ctx.today())
    if outcome is DecisionOutcome.PENALTY and penalty.publish_required:
        start_clock(session, ctx, case, "publication", ctx.today())
    return doc


EVIDENCE_DOCUMENTS = (DocumentType.INSPECTION_RECORD, DocumentType.RECTIFICATION_NOTICE, DocumentType.PENALTY_NOTICE,
                      DocumentType.HEARING_NOTICE)


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def evidence_of(session: Session, case: Case, penalty: Penalty) -> tuple[EvidenceLine, ...]:
    """What the case holds, for the 决定书 (行政处罚法 art. 59(二)): the records and documents with the
    SHA-256 of their files, the photos and files uploaded to the case, the party's statement, the hearing."""
    lines = [EvidenceLine(f"{d.doc_type.label}（{d.number}）", d.sha256)
             for d in repository.case_documents(session, case.id) if d.doc_type in EVIDENCE_DOCUMENTS]
    lines += [EvidenceLine(f"现场照片及资料（{e.filename or e.content_type}）", e.sha256)
              for e in session.exec(select(CaseEvidence).where(CaseEvidence.case_id == case.id)
                                    .order_by(col(CaseEvidence.id))).all()]
    if penalty.statement_text and penalty.statement_on:
        lines.append(EvidenceLine(f"当事人陈述、申辩意见（{_cn(penalty.statement_on)}）"))
    elif penalty.statement_text:
        lines.append(EvidenceLine("当事人陈述、申辩意见"))
    if penalty.hearing_held_on:
        lines.append(EvidenceLine(f"听证笔录（{_cn(penalty.hearing_held_on)}）"))
    return tuple(lines)


def review_note(penalty: Penalty) -> str:
    """The 法制审核 the decision followed (53号令 art. 33), as the 决定书 notes it."""
    passed = [r for r in penalty.reviews if r.get("outcome") == ReviewOutcome.PASSED.value]
    if not passed:
        return ""
    day = date.fromisoformat(passed[-1]["reviewed_on"])
    return f"本案经本局法制审核机构审核，于{_cn(day)}出具审核通过意见"


def leniency_of(session: Session, ctx: Ctx, case: Case, penalty: Penalty,
                body: DecideIn) -> tuple[penalty_law.Note, ...]:
    """不予处罚 / 首违不罚 / 从重 with their exact paragraph, from the circumstances and the party's history."""
    facts = penalty_law.Circumstances(minor=body.minor, corrected_promptly=body.corrected_promptly, harm=body.harm,
                                      harm_minor=body.harm_minor, no_fault_proven=body.no_fault_proven,
                                      serving_teacher=body.serving_teacher, subject_training=body.subject_training)
    act_on = penalty.violation_on or ctx.today()
    return penalty_law.leniency_notes(act_on, facts, penalty_law.PartyHistory(repository.party_history(session, case)))


def statement_answer(penalty: Penalty) -> str:
    """The 决定书's answer to the 陈述申辩 (行政处罚法 arts. 45, 59)."""
    if penalty.statement_waived:
        return "当事人书面放弃陈述、申辩"
    if not penalty.statement_text:
        return "当事人在规定期限内未提出陈述、申辩" if penalty.notice_served_on else ""
    when = f"于{penalty.statement_on.year}年{penalty.statement_on.month}月{penalty.statement_on.day}日" \
        if penalty.statement_on else ""
    verdict = "本机关予以采纳" if penalty.statement_accepted else "本机关不予采纳"
    return f"当事人{when}提出陈述、申辩：{penalty.statement_text}。经复核，{verdict}，理由：{penalty.statement_answer}"


@handles(Action.RECORD_EXECUTION)
def record_execution(session: Session, ctx: Ctx, case: Case, body: ExecutionIn) -> Penalty:
    """执行: the fine paid (with the 加处罚款 owed if late, 行政处罚法 art. 72(一)), a 复议/诉讼 recorded, or
    court enforcement applied for — only after the remedy periods and a served 催告书, within 3 months
    (行政强制法 arts. 53–54, 53号令 art. 36: guard `court_enforcement_lawful`)."""
    paid_on, court_enforcement_on = body.paid_on, body.court_enforcement_on
    if paid_on is None and court_enforcement_on is None and body.remedy_sought_on is None:
        raise ValidationFailed("请填写缴款日期或申请法院强制执行日期", code="execution_evidence_required")
    if any(d and d > ctx.today() for d in (paid_on, court_enforcement_on, body.remedy_sought_on)):
        raise ValidationFailed("日期不能晚于今天", code="date_in_future")
    penalty = repository.penalty_of(session, case.id)
    if body.remedy_sought_on is not None:
        if penalty.decision_served_on is None or body.remedy_sought_on < penalty.decision_served_on:
            raise ValidationFailed("申请复议或起诉日期应在决定书送达之后", code="remedy_date_invalid")
        penalty.remedy_sought_on = body.remedy_sought_on
        record(session, ctx, case, CaseEventType.RECORD_REMEDY, {"remedy_sought_on": str(body.remedy_sought_on)})
        session.add(penalty)
        if paid_on is None and court_enforcement_on is None:
            return penalty
    if paid_on is None:
        penalty = _step(session, ctx, case, "apply_court_enforcement",
                        {"court_enforcement_on": str(court_enforcement_on),
                         "confirm_provisional": body.confirm_provisional},
                        court_enforcement_on=court_enforcement_on, provisional_confirmed=body.confirm_provisional)
        penalty.court_enforcement_on = court_enforcement_on
        session.add(penalty)
    else:
        if penalty.decided_on is not None:  # 行政处罚法 arts. 66, 67: payment follows the decision
            penalty_law.check_payment_date(paid_on, penalty.decided_on)
        owed = surcharge_on(session, case, penalty, paid_on)
        penalty = _step(session, ctx, case, "execute", {"paid_on": str(paid_on), "surcharge_yuan": str(owed)},
                        payment_or_enforcement=True)
        penalty.executed_on = paid_on
        stop_clock(session, ctx, case, "payment")
    return penalty


def surcharge_on(session: Session, case: Case, penalty: Penalty, on: date) -> Decimal:
    """加处罚款 owed on `on`: 3 % of the fine a day after the payment period, capped at the fine; the days of
    a 复议 or 诉讼 are not counted (行政处罚法 arts. 72(一), 73 ¶3; penalty_law.toml [surcharge])."""
    due = repository.last_deadline(session, case.id, "payment")
    if due is None or penalty.fine_yuan <= 0:
        return Decimal("0.00")
    remedies = ((penalty.remedy_sought_on, on),) if penalty.remedy_sought_on else ()
    return penalty_law.surcharge_yuan(penalty.fine_yuan, due.due_date, on, remedy_periods=remedies)


@handles(Action.PUBLISH)
def publish(session: Session, ctx: Ctx, case: Case, body: PublishIn) -> Penalty:
    """公示 of the decision (行政处罚法 art. 48)."""
    if body.published_on > ctx.today():
        raise ValidationFailed("公示日期不能晚于今天", code="date_in_future")
    penalty = _step(session, ctx, case, "publish", published_on=body.published_on,
                    provisional_confirmed=body.confirm_provisional)
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
    case.close_reason = str(reason)
    return case
