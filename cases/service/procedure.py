"""The penalty procedure's further steps (issue 10): the extension of the 90 days, the 听证通知书, the
催告书, and the ways a filed case ends before a decision — 撤销立案, 终止调查, 移送.

Each fires a transition declared in `cases.lifecycle`, whose guard enforces the rule (docs/penalty-law.md,
"Wired into the procedure"); the use cases here gather the facts and write the rows.
"""

from __future__ import annotations

from sqlmodel import Session

from cases import penalty_law, repository
from cases.actions import (
    Action,
    EmptyIn,
    ExtensionIn,
    HearingNoticeIn,
    ReasonIn,
    RevokeFilingIn,
    TransferIn,
    WithdrawIn,
)
from cases.enums import CaseEventType, CaseStatus, CloseReason, DocumentType
from cases.errors import ValidationFailed
from cases.lifecycle import Facts
from cases.models import Case, Department, Document, Penalty, key
from cases.ports import HearingNoticeSnapshot, PaymentReminderSnapshot
from cases.service import paperwork
from cases.service._common import Ctx, authority_of, fire, issue_document, periods, record
from cases.service.inspection import party_of
from cases.service.perform import handles
from cases.service.sanctions import CONDITION_KEYS, _step, loaded, local_day, pauses_of, surcharge_on


@handles(Action.EXTEND_TIME_LIMIT)
def extend_time_limit(session: Session, ctx: Ctx, case: Case, body: ExtensionIn) -> Penalty:
    """An approved extension of the decision limit, where penalty_law.toml [decision_limit] allows one
    (guard `extension_lawful`, 行政处罚法 art. 60); the decision clock moves with it."""
    penalty = repository.penalty_of(session, key(case))
    total = penalty.extension_days + body.days
    penalty = _step(session, ctx, case, "extend_time_limit",
                    {"days": body.days, "total_days": total, "reason": body.reason,
                     "approved_by": ctx.actor.officer_id},
                    extension_days=total)
    penalty.extension_days = total
    penalty.extension_reason = "；".join(r for r in (penalty.extension_reason, body.reason.strip()) if r)
    clock = repository.open_deadline(session, key(case), "decision")
    filed_on = local_day(ctx, case.filed_at)
    if clock is not None and filed_on is not None:
        due = penalty_law.decision_deadline(filed_on, ctx.calendar, pauses=pauses_of(penalty), extension_days=total,
                                            provisional_confirmed=True)
        clock.due_date, clock.provisional = due.date, due.provisional
        session.add(clock)
    session.add(penalty)
    return penalty


@handles(Action.ISSUE_HEARING_NOTICE)
def issue_hearing_notice(session: Session, ctx: Ctx, case: Case, body: HearingNoticeIn) -> Document:
    """听证通知书 with its own 送达回证; the hearing is held no earlier than 7 working days after its service
    (guard `hearing_lawful` of `hold_hearing`, 行政处罚法 art. 64(二))."""
    if body.hearing_on <= ctx.today():
        raise ValidationFailed("听证日期须晚于今天", code="hearing_date_invalid")
    penalty = _step(session, ctx, case, "issue_hearing_notice",
                    {"hearing_on": body.hearing_on.isoformat(), "place": body.place, "chair": body.chair})
    penalty.hearing_on, penalty.hearing_notice_served_on = body.hearing_on, None
    dept = repository.get_or_raise(session, Department, case.lead_department_id, "部门")
    party = party_of(session, case)
    requested = penalty.hearing_requested_on or ctx.today()
    doc = issue_document(session, ctx, case, dept, DocumentType.HEARING_NOTICE, lambda number: HearingNoticeSnapshot(
        number=number, authority=authority_of(dept), party=party, intended_penalty=penalty.intended_penalty,
        requested_on=requested, hearing_on=body.hearing_on, place=body.place.strip(), chair=body.chair.strip(),
        issued_on=ctx.today()), addressee=party.name)
    paperwork.issue_service_receipt(session, ctx, case, doc, party)
    session.add(penalty)
    return doc


@handles(Action.ISSUE_PAYMENT_REMINDER)
def issue_payment_reminder(session: Session, ctx: Ctx, case: Case, body: EmptyIn) -> Document:
    """催告书 after the payment period ran out (guard `reminder_due`, 行政强制法 art. 54), with the 加处罚款 owed."""
    penalty = _step(session, ctx, case, "issue_payment_reminder", {})
    served = penalty.decision_served_on
    if served is None:  # the guard `reminder_due` already needs the served decision
        raise ValidationFailed("行政处罚决定书尚未送达，不能催告（行政强制法第五十四条）", code="decision_not_served")
    decision = repository.case_documents(session, key(case), DocumentType.PENALTY_DECISION)
    due = penalty_law.payment_due(penalty.decision_served_on, ctx.calendar, provisional_confirmed=True) \
        if penalty.decision_served_on else None
    owed = surcharge_on(session, case, penalty, ctx.today())
    dept = repository.get_or_raise(session, Department, case.lead_department_id, "部门")
    party = party_of(session, case)
    doc = issue_document(session, ctx, case, dept, DocumentType.PAYMENT_REMINDER, lambda number: (
        PaymentReminderSnapshot(number=number, authority=authority_of(dept), party=party,
        decision_number=decision[-1].number if decision else "", decision_served_on=served,
        penalty=_decided_text(penalty),
        fine_yuan=penalty.fine_yuan, payment_due=penalty_law.reckoned_zh(due) if due else "",
        surcharge_yuan=f"{owed:.2f}", performance_days=periods()["payment_reminder"].days,
        issued_on=ctx.today())), addressee=party.name)
    paperwork.issue_service_receipt(session, ctx, case, doc, party)
    penalty.reminder_served_on = None
    session.add(penalty)
    return doc


def _decided_text(penalty: Penalty) -> str:
    return loaded(penalty.decided_items).text_zh if penalty.decided_items else penalty.intended_penalty


def _close(case: Case, reason: CloseReason) -> Case:
    """The reason of a close `fire` has made (its time and the clocks closed there)."""
    case.close_reason = str(reason)
    return case


@handles(Action.REVOKE_FILING)
def revoke_filing(session: Session, ctx: Ctx, case: Case, body: RevokeFilingIn) -> Case:
    """撤销立案: investigation showed an art. 26 condition unmet (guard `revocation_founded`, 53号令 art. 27)."""
    unmet = set(body.unmet)
    conditions = penalty_law.FilingConditions(**{k: k not in unmet for k in CONDITION_KEYS})
    fire(session, ctx, case, "revoke_filing", Facts(ctx.today(), filing_conditions=conditions, reason=body.reason),
         {"unmet": sorted(unmet), "reason": body.reason})
    return _close(case, CloseReason.FILING_REVOKED)


@handles(Action.TERMINATE_INVESTIGATION)
def terminate_investigation(session: Session, ctx: Ctx, case: Case, body: ReasonIn) -> Case:
    """终止调查, then 结案 with the head's approval (53号令 art. 37(三))."""
    fire(session, ctx, case, "terminate_investigation", Facts(ctx.today(), reason=body.reason),
         {"reason": body.reason})
    return _close(case, CloseReason.INVESTIGATION_TERMINATED)


@handles(Action.TRANSFER)
def transfer(session: Session, ctx: Ctx, case: Case, body: TransferIn) -> Case:
    """移送 to the competent authority from any state before the decision; a case received by transfer is
    not transferred on — the refusal asks for 指定管辖 (guard `transfer_allowed`, 53号令 art. 10 ¶3)."""
    if case.status is CaseStatus.CLOSED:
        raise ValidationFailed("案件已结案", code="case_closed")
    fire(session, ctx, case, "transfer", Facts(ctx.today(), transferred_to=body.transferred_to, reason=body.reason,
                                               received_by_transfer=case.received_by_transfer),
         {"transferred_to": body.transferred_to, "reason": body.reason})
    case.transferred_to = body.transferred_to.strip()
    return _close(case, CloseReason.TRANSFERRED)


@handles(Action.WITHDRAW_PUBLICATION)
def withdraw_publication(session: Session, ctx: Ctx, case: Case, body: WithdrawIn) -> Penalty:
    """撤回: a published decision that was changed, revoked or held unlawful or void comes off the public page
    within 3 (working) days (行政处罚法 art. 48 ¶2, art. 85)."""
    penalty = repository.penalty_of(session, key(case))
    if penalty.published_on is None or penalty.withdrawn_on is not None:
        raise ValidationFailed("该处罚决定未公示或已撤回", code="not_published")
    if body.revoked_on > ctx.today() or (penalty.decided_on and body.revoked_on < penalty.decided_on):
        raise ValidationFailed("变更或撤销日期应在决定之后、不晚于今天", code="revoked_on_invalid")
    penalty_law.check_withdrawal(ctx.today(), body.revoked_on, ctx.calendar)
    penalty.revoked_on, penalty.withdrawn_on = body.revoked_on, ctx.today()
    penalty.withdrawal_reason = body.reason.strip()
    session.add(penalty)
    record(session, ctx, case, CaseEventType.WITHDRAW_PUBLICATION,
           {"revoked_on": body.revoked_on.isoformat(), "reason": body.reason.strip()})
    return penalty
