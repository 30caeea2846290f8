"""Rows → response models: deadlines with days left, cases with allowed actions, the case detail.

Complainant identity is masked here unless the caller asked to see it and their role may
(`reveal_complainant`); the route logs every reveal.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from api import schemas
from cases import allowed, deadlines, queries, repository
from cases.authority import Actor
from cases.caches import register_cache
from cases.calendar import WorkCalendar
from cases.catalogue import load_catalogue
from cases.enums import CaseEventType, CaseStatus, Channel, CloseReason, DocumentType, PenaltyStep
from cases.models import (
    Case,
    CaseEvent,
    Complaint,
    Deadline,
    Department,
    Document,
    Inspection,
    Institution,
    Officer,
    Penalty,
    Region,
    ServiceRecord,
)
from cases.queries import CaseRow

API = "/api/v1"


def deadline_out(row: Deadline, today: date, calendar: WorkCalendar) -> schemas.DeadlineOut:
    state = deadlines.due_state(row.due_date, today, calendar, paused=row.paused_since is not None,
                                met=not row.open, provisional=True)
    left = deadlines.working_days_left(today, row.due_date, calendar, provisional=True)
    return schemas.DeadlineOut(
        id=row.id, step=row.step, label=row.label, legal_basis=row.legal_basis, kind=str(row.kind),
        days=row.days,
        start_date=row.start_date, due_date=row.due_date, working_days_left=left, due_state=str(state),
        due_state_label=state.label, provisional=row.provisional, open=row.open,
        paused_since=row.paused_since,
        paused_reason=row.paused_reason, escalation_level=row.escalation_level)


def allowed_actions(case: Case, actor: Actor, clocks: list[Deadline]) -> list[schemas.ActionOut]:
    """Actions the case offers the caller now (`cases.allowed`): declared from its state and step,
    within the caller's role and standing on the case."""
    specs = allowed.allowed(case.status, case.penalty_step, case.team_officer_ids, actor,
                            running_clock=any(d.paused_since is None for d in clocks),
                            paused_clock=any(d.paused_since is not None for d in clocks))
    return [schemas.ActionOut(action=spec.name, label=spec.label, path=f"{API}/cases/{case.id}/actions/{spec.name}")
            for spec in specs]


def summary_fields(row: CaseRow, today: date, calendar: WorkCalendar) -> dict:
    case = row.case
    step = PenaltyStep(case.penalty_step) if case.penalty_step else None
    return dict(
        id=case.id, case_number=case.case_number, state=str(case.status), state_label=case.status.label,
        penalty_step=str(step) if step else None, penalty_step_label=step.label if step else None,
        version=case.version, region_code=case.region_code, region_name=row.region_name,
        lead_department_id=case.lead_department_id, lead_department=row.department_name,
        institution_id=case.institution_id, institution_name=row.institution_name,
        violation_codes=list(case.violation_codes), assignee_id=case.assignee_id,
        received_at=case.received_at,
        closed_at=case.closed_at, overdue=row.overdue,
        next_deadline=deadline_out(row.next_deadline, today, calendar) if row.next_deadline else None)


def case_summary(row: CaseRow, today: date, calendar: WorkCalendar) -> schemas.CaseSummary:
    return schemas.CaseSummary(**summary_fields(row, today, calendar))


NAMES_TTL_S = 60.0
_names: dict[tuple, tuple[float, tuple[str, str, str | None]]] = {}


def clear_names() -> None:
    _names.clear()


register_cache("api.views._names", clear_names)


def names(session: Session, case: Case) -> tuple[str, str, str | None]:
    """(department, region, institution) names of a case, cached for a minute per database (they are
    labels on an answer; a rename through this API clears the cache)."""
    key = (str(session.get_bind().url), case.lead_department_id, case.region_code, case.institution_id)
    hit = _names.get(key)
    if hit and time.monotonic() - hit[0] < NAMES_TTL_S:
        return hit[1]
    found = session.exec(
        select(Department.name, Region.name, Institution.name).select_from(Department)
        .join(Region, Region.code == case.region_code)
        .outerjoin(Institution, Institution.id == case.institution_id)
        .where(Department.id == case.lead_department_id)).one()
    if len(_names) > 50_000:
        _names.clear()
    _names[key] = (time.monotonic(), tuple(found))
    return tuple(found)


def case_row(session: Session, case: Case, today: date) -> tuple[CaseRow, list[Deadline]]:
    """The list row of one case and its open clocks."""
    dept, region, inst = names(session, case)
    clocks = list(repository.open_deadlines(session, case.id))
    running = [d for d in clocks if d.paused_since is None]
    return CaseRow(case, inst, dept, region, running[0] if running else None,
                   any(d.due_date < today for d in running)), clocks


def case_read(session: Session, case: Case, actor: Actor, today: date, calendar: WorkCalendar,
              result: schemas.ActionResult | None = None) -> schemas.CaseRead:
    row, clocks = case_row(session, case, today)
    return schemas.CaseRead(**summary_fields(row, today, calendar),
                            allowed_actions=allowed_actions(case, actor, clocks),
                            deadlines=[deadline_out(d, today, calendar) for d in clocks], result=result)


# --- the detail -----------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*: the surname and (for longer names) the last character stay."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) <= 4:
        return "*" * len(phone)
    if len(phone) < 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def complaint_out(c: Complaint, reveal: bool) -> schemas.ComplaintOut:
    shown = reveal and bool(c.complainant_name or c.complainant_phone)
    return schemas.ComplaintOut(
        id=c.id, tracking_code=c.tracking_code, channel=str(c.channel),
        channel_label=Channel(c.channel).label,
        received_at=c.received_at, content=c.content, anonymous=c.anonymous,
        complainant_name=c.complainant_name if reveal else mask_name(c.complainant_name),
        complainant_phone=c.complainant_phone if reveal else mask_phone(c.complainant_phone), revealed=shown)


def document_out(doc: Document, served_on: date | None = None, receipt: str = "") -> schemas.DocumentOut:
    kind = DocumentType(doc.doc_type)
    return schemas.DocumentOut(id=doc.id, case_id=doc.case_id, doc_type=str(kind), doc_type_label=kind.label,
                               number=doc.number, title=doc.title, addressee=doc.addressee, sha256=doc.sha256,
                               size=doc.size, issued_at=doc.issued_at, served_on=served_on,
                               signed_receipt_sha256=receipt or "", pdf_url=f"{API}/documents/{doc.id}/pdf")


def case_documents(session: Session, case_id: int) -> list[schemas.DocumentOut]:
    rows = session.exec(select(Document, ServiceRecord.served_on, ServiceRecord.receipt_sha256)
                        .outerjoin(ServiceRecord, ServiceRecord.document_id == Document.id)
                        .where(Document.case_id == case_id).order_by(col(Document.id))).all()
    return [document_out(doc, served, receipt) for doc, served, receipt in rows]


def timeline(session: Session, case_id: int) -> list[schemas.EventOut]:
    rows = session.exec(select(CaseEvent, Officer.name).outerjoin(Officer, Officer.id == CaseEvent.actor_id)
                        .where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.seq))).all()
    return [schemas.EventOut(seq=e.seq, event_type=str(e.event_type), label=CaseEventType(e.event_type).label,
                             from_status=str(e.from_status) if e.from_status else None,
                             to_status=str(e.to_status) if e.to_status else None, actor_id=e.actor_id,
                             actor_name=name, occurred_at=e.occurred_at, payload=e.payload)
            for e, name in rows]


def _penalty(session: Session, case_id: int) -> schemas.PenaltyOut | None:
    p = session.exec(select(Penalty).where(Penalty.case_id == case_id)).first()
    if p is None:
        return None
    return schemas.PenaltyOut(**p.model_dump(include=set(schemas.PenaltyOut.model_fields)))


def case_detail(session: Session, case: Case, actor: Actor, today: date, calendar: WorkCalendar, *,
                complaints: list[Complaint], reveal: bool) -> schemas.CaseDetail:
    read = case_read(session, case, actor, today, calendar)
    catalogue = load_catalogue()
    violations = [schemas.ViolationOut(code=v.code, name=v.name, violated_rule=v.violated_rule,
                                       penalty_basis=v.penalty_basis)
                  for v in (catalogue.violations.get(code) for code in case.violation_codes) if v]
    inspections = [schemas.InspectionOut(**i.model_dump(include=set(schemas.InspectionOut.model_fields)))
                   for i in session.exec(select(Inspection).where(Inspection.case_id == case.id)
                                         .order_by(col(Inspection.started_at))).all()]
    reason = CloseReason(case.close_reason) if case.close_reason in CloseReason._value2member_map_ else None
    return schemas.CaseDetail(
        **read.model_dump(), cooperating_department_ids=list(case.cooperating_department_ids),
        team_officer_ids=list(case.team_officer_ids), violations=violations, close_reason=case.close_reason,
        close_reason_label=reason.label if reason else None, merged_into_id=case.merged_into_id,
        transferred_to=case.transferred_to, filed_at=case.filed_at, timeline=timeline(session, case.id),
        complaints=[complaint_out(c, reveal) for c in complaints], inspections=inspections,
        documents=case_documents(session, case.id), penalty=_penalty(session, case.id))


def public_status(case: Case | None) -> tuple[str, str]:
    if case is None or case.status is CaseStatus.RECEIVED:
        return "received", "已受理"
    if case.status is CaseStatus.CLOSED:
        return "closed", "已办结"
    return "handling", "处理中"


# The public tracking page (issue 12, item 8): the stage in plain words, the date the next step is
# due, and the outcome once closed — nothing about the complainant, the officers or the institution.
PUBLIC_STAGES = (("received", "已受理", "举报已登记，等待指派执法人员"),
                 ("assigned", "已指派核查", "已指派执法人员，将到现场核查"),
                 ("handling", "核查处理", "执法人员已现场核查，正在依法处理"),
                 ("closed", "已办结", "本次举报已办理完毕"))
_STAGE_OF = {CaseStatus.RECEIVED: "received", CaseStatus.ASSIGNED: "assigned", CaseStatus.INSPECTED: "handling",
             CaseStatus.RECTIFICATION_NOTICE: "handling", CaseStatus.PENALTY: "handling",
             CaseStatus.CLOSED: "closed"}
_STAGE_DETAIL = {CaseStatus.INSPECTED: "已现场检查，正在依法作出处理",
                 CaseStatus.RECTIFICATION_NOTICE: "已责令被举报方限期整改，期满后复查",
                 CaseStatus.PENALTY: "正在依法办理行政处罚程序"}
PUBLIC_OUTCOMES = {
    CloseReason.DUPLICATE: "您反映的问题与其他举报属于同一事项，已合并办理。",
    CloseReason.TRANSFERRED: "经审查，该事项不属于本机关管辖，已移送有管辖权的部门依法处理。",
    CloseReason.INSUFFICIENT: "举报线索信息不足，暂时无法核查。如有新的情况，欢迎再次举报。",
    CloseReason.NO_VIOLATION: "经现场核查，未发现违规开展校外培训的行为。",
    CloseReason.RECTIFIED: "经核查存在违规行为，已责令整改；复查确认已整改到位。",
    CloseReason.PENALTY_EXECUTED: "经核查存在违法行为，已依法作出行政处罚并执行完毕。",
    CloseReason.NO_PENALTY: "经核查，依法决定不予行政处罚，并已督促改正。",
    CloseReason.COURT_ENFORCEMENT: "已依法作出行政处罚；当事人未按期履行，已申请人民法院强制执行。",
}
PENALISED = frozenset({CloseReason.PENALTY_EXECUTED, CloseReason.COURT_ENFORCEMENT})


def public_progress(session: Session, case: Case | None) -> dict[str, Any]:
    """stage, stage_label, stage_detail, expected_by (the date the next step is due), outcome."""
    status = case.status if case is not None else CaseStatus.RECEIVED
    stage = _STAGE_OF.get(status, "handling")
    label, detail = next((lbl, text) for key, lbl, text in PUBLIC_STAGES if key == stage)
    detail = _STAGE_DETAIL.get(status, detail)
    expected_by = None
    if case is not None and case.id is not None and status is not CaseStatus.CLOSED:
        clocks = [d for d in queries.running_clocks(session, [case.id]).get(case.id, []) if d.paused_since is None]
        expected_by = min((d.due_date for d in clocks), default=None)
    outcome = None
    reason = None
    if status is CaseStatus.CLOSED and case is not None:
        code = case.close_reason or ""
        reason = CloseReason(code) if code in CloseReason._value2member_map_ else None
        outcome = PUBLIC_OUTCOMES.get(reason, "本次举报已办理完毕。") if reason else "本次举报已办理完毕。"
    return {"stage": stage, "stage_label": label, "stage_detail": detail, "expected_by": expected_by,
            "outcome": outcome, "penalised": reason in PENALISED}
