"""Field work: assignment, inspection (现场检查), the 整改通知书, service (送达), re-inspection (复查), evidence.

Each use case is registered for its row of the action table and runs inside `perform`, which has
already checked the case, the version, the actor and the input's references, and commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from cases import deadlines, messages, repository
from cases.actions import (
    Action,
    AssignIn,
    EmptyIn,
    EvidenceIn,
    InspectionIn,
    RectificationIn,
    ReinspectionIn,
)
from cases.audit import append_event
from cases.enums import CaseEventType, DocumentType
from cases.errors import ValidationFailed
from cases.lifecycle import Facts
from cases.models import Case, CaseEvidence, Deadline, Department, Document, Inspection, Institution, key
from cases.ports import OfficerLine, Party, RectificationNoticeSnapshot
from cases.service import paperwork
from cases.service._common import (
    Ctx,
    authority_of,
    fire,
    issue_document,
    officer_facts,
    periods,
    start_clock,
    stop_clock,
)
from cases.service.perform import handles


@handles(Action.ASSIGN)
def assign_case(session: Session, ctx: Ctx, case: Case, body: AssignIn) -> Case:
    """Assign (or re-assign) a team; the first officer leads (承办人), the others assist (协办人)."""
    officer_ids = list(body.officer_ids)
    team = officer_facts(session, officer_ids, ctx.today(), _competent_kinds(ctx, case))
    running = repository.open_deadlines(session, key(case))  # read once: the clock to stop and the next due
    fire(session, ctx, case, "assign", Facts(ctx.today(), team=team), {"officer_ids": officer_ids})
    case.assignee_id, case.team_officer_ids = officer_ids[0], officer_ids
    stop_clock(session, ctx, case, "assignment", among=running)
    _message_assignment(session, ctx, case, officer_ids, running)
    return case


def _message_assignment(session: Session, ctx: Ctx, case: Case, officer_ids: list[int],
                        running: Sequence[Deadline]) -> None:
    """Tell the lead department's channels (cases.messages): case number, team and the next due step
    (of the case's running clocks, after this transition stopped the assignment clock)."""
    officers = repository.officers_with_departments(session, officer_ids)  # already read by the checks
    team = [officers[i][0].name if i in officers else "" for i in officer_ids]
    nxt = min((d for d in running if d.open and d.paused_since is None), key=lambda d: d.due_date, default=None)
    messages.queue(session, department_id=case.lead_department_id, case_id=case.id, topic=messages.Topic.ASSIGNED,
                   now=ctx.now(), text=messages.assigned_text(case.case_number, team[0], team,
                                                              nxt.due_date if nxt else None,
                                                              nxt.label if nxt else ""))


def _competent_kinds(ctx: Ctx, case: Case) -> set[str] | None:
    if not case.violation_codes:
        return None  # a lead without a classified violation: any enforcement department may look
    return {k for code in case.violation_codes for k in ctx.cat.get(code).competent} | {"township"}


@handles(Action.RECORD_INSPECTION)
def record_inspection(session: Session, ctx: Ctx, case: Case, body: InspectionIn) -> Inspection:
    """现场检查 by ≥2 certified officers; records whether a violation was found."""
    codes = list(body.violation_codes)
    for code in codes:
        ctx.cat.get(code)
    if body.institution_id is not None:
        case.institution_id = body.institution_id
    team = officer_facts(session, list(body.officer_ids), ctx.today())
    fire(session, ctx, case, "record_inspection", Facts(ctx.today(), team=team, findings=body.findings),
         {"officer_ids": list(body.officer_ids), "violation_codes": codes})
    inspection = Inspection(case_id=case.id, started_at=body.started_at or ctx.now(), ended_at=ctx.now(),
                            place=body.place, officer_ids=list(body.officer_ids), findings=body.findings.strip(),
                            violation_found=bool(codes), violation_codes=codes,
                            evidence=_evidence_items(session, case, body.evidence))
    if codes:
        case.violation_codes = sorted(set(case.violation_codes) | set(codes))
    session.add(inspection)
    paperwork.issue_inspection_record(session, ctx, case, inspection, present=body.party_present,
                                      refused_to_sign=body.party_refused_to_sign, witness=body.witness)
    stop_clock(session, ctx, case, "inspection")
    return inspection


def _evidence_items(session: Session, case: Case, hashes: list[str]) -> list[dict]:
    """The cited evidence as stored with the inspection (already checked to belong to the case)."""
    if not hashes:
        return []
    rows = {e.sha256: e for e in session.exec(select(CaseEvidence).where(
        CaseEvidence.case_id == case.id, col(CaseEvidence.sha256).in_(hashes))).all()}
    return [{"sha256": sha, "filename": rows[sha].filename, "content_type": rows[sha].content_type,
             "size": rows[sha].size, "path": rows[sha].path} for sha in dict.fromkeys(hashes)]


@handles(Action.UPLOAD_EVIDENCE)
def register_evidence(session: Session, ctx: Ctx, case: Case, body: EvidenceIn) -> CaseEvidence:
    """An uploaded file becomes the case's evidence: a row and an event in the hash chain.

    It leaves the case's version alone, so a form being filled with photos is not made stale."""
    known = session.exec(select(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                                    CaseEvidence.sha256 == body.sha256)).first()
    if known is not None:
        return known
    position = body.latitude is not None and body.longitude is not None
    row = CaseEvidence(case_id=key(case), sha256=body.sha256, filename=body.filename, content_type=body.content_type,
                       size=body.size, path=body.path, uploaded_by_id=ctx.actor.officer_id, uploaded_at=ctx.now(),
                       captured_at=body.captured_at, capture_source=body.capture_source if body.captured_at else "",
                       device_at=body.device_at, latitude=body.latitude if position else None,
                       longitude=body.longitude if position else None,
                       accuracy_m=body.accuracy_m if position else None)
    session.add(row)
    # who (actor), when (the server's receipt time) and the hash are the event's own; the provenance rides along
    provenance = {"captured_at": _iso(row.captured_at), "capture_source": row.capture_source,
                  "device_at": _iso(row.device_at), "latitude": row.latitude, "longitude": row.longitude,
                  "accuracy_m": row.accuracy_m}
    append_event(session, case, CaseEventType.UPLOAD_EVIDENCE, actor_id=ctx.actor.officer_id, at=ctx.now(),
                 payload={"sha256": body.sha256, "filename": body.filename, "content_type": body.content_type,
                          "size": body.size, **{k: v for k, v in provenance.items() if v not in (None, "")}})
    return row


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@handles(Action.CLOSE_NO_VIOLATION)
def close_no_violation(session: Session, ctx: Ctx, case: Case, body: EmptyIn) -> Case:
    last = repository.inspections(session, case.id, reinspection=False)
    found = bool(last and last[-1].violation_found)
    fire(session, ctx, case, "close_no_violation", Facts(ctx.today(), violation_found=found), {})
    case.close_reason = "no_violation"
    return case


def party_of(session: Session, case: Case) -> Party:
    if case.institution_id is None:
        raise ValidationFailed("当事人尚未确认：请在检查记录中关联被检查机构", code="party_unknown")
    inst = session.get(Institution, case.institution_id)
    return Party(inst.name, inst.uscc or "", inst.address, inst.legal_representative)


@handles(Action.ISSUE_RECTIFICATION)
def issue_rectification(session: Session, ctx: Ctx, case: Case, body: RectificationIn) -> Document:
    """下达责令限期改正通知书: numbered, rendered and stored in the transition's transaction."""
    return _issue_rectification(session, ctx, case, body.deadline, body.requirements, event="issue_rectification")


def _issue_rectification(session: Session, ctx: Ctx, case: Case, deadline: date | None,
                         requirements: list[str] | None, *, event: str | None) -> Document:
    violations = [ctx.cat.get(c) for c in case.violation_codes]
    if deadline is None:  # the default term, counted as if served today (the clock restarts at service)
        deadline = deadlines.compute_due(ctx.today(), periods()["rectification"], ctx.calendar,
                                         provisional=True).date
    period_days = (deadline - ctx.today()).days
    if event:
        inspections = repository.inspections(session, case.id, reinspection=False)
        found = bool(inspections and inspections[-1].violation_found)
        fire(session, ctx, case, event, Facts(ctx.today(), violation_found=found, violations_with_basis=len(violations),
                                              rectification_deadline=deadline), {"deadline": deadline.isoformat()})
    party = party_of(session, case)
    dept = session.get(Department, case.lead_department_id)
    inspections = repository.inspections(session, case.id, reinspection=False)
    findings = tuple(line for line in (inspections[-1].findings if inspections else "").splitlines() if line.strip())
    reqs = tuple(requirements or [v.requirement for v in violations])
    officers = tuple(OfficerLine(o.name, o.badge_no or "") for o in paperwork.officers_of(
        session, list(inspections[-1].officer_ids) if inspections else list(case.team_officer_ids)))
    record = repository.latest_document(session, key(case), DocumentType.INSPECTION_RECORD)
    doc = issue_document(
        session, ctx, case, dept, DocumentType.RECTIFICATION_NOTICE,
        lambda number: RectificationNoticeSnapshot(
            number=number, authority=authority_of(dept), party=party, findings=findings,
            bases=tuple(v.legal_basis() for v in violations), requirements=reqs, deadline=deadline,
            issued_on=ctx.today(), inspection_on=inspections[-1].started_at.astimezone(
                ctx.now().tzinfo).date() if inspections else None,
            officers=officers, inspection_record_number=record.number if record else ""),
        addressee=party.name)
    paperwork.issue_service_receipt(session, ctx, case, doc, party)
    row = start_clock(session, ctx, case, "rectification", ctx.today(), days=max(period_days, 1), due=deadline)
    row.label = f"{row.label}（待送达）"
    return doc


@handles(Action.RECORD_REINSPECTION)
def record_reinspection(session: Session, ctx: Ctx, case: Case, body: ReinspectionIn) -> Inspection:
    """复查. Rectified → the case closes; not rectified after the deadline → ready for 立案."""
    officer_ids = list(body.officer_ids)
    team = officer_facts(session, officer_ids, ctx.today())
    inspection = Inspection(case_id=case.id, reinspection=True, started_at=ctx.now(), ended_at=ctx.now(),
                            officer_ids=officer_ids, findings=body.findings.strip(), rectified=body.rectified)
    payload = {"officer_ids": officer_ids, "rectified": body.rectified}
    facts = Facts(ctx.today(), team=team, findings=body.findings, reinspection_rectified=body.rectified)
    if body.rectified:
        fire(session, ctx, case, "confirm_rectified", facts, payload)
        case.close_reason = "rectified"
    else:
        fire(session, ctx, case, "record_reinspection", facts, payload)
        rect = repository.last_deadline(session, case.id, "rectification")
        if rect and ctx.today() > rect.due_date:
            stop_clock(session, ctx, case, "rectification")
            stop_clock(session, ctx, case, "reinspection")
    session.add(inspection)
    paperwork.issue_inspection_record(session, ctx, case, inspection)  # the 复查笔录
    return inspection
