"""Issuing the paperwork around an action: the 现场检查笔录 of an inspection and the 送达回证 of a
served document. Called by the use cases inside their transaction (they commit).

* `issue_inspection_record(session, ctx, case, inspection, …)`: the 笔录 of a recorded inspection —
  time, place, the officers with their 执法证号, the statement that they showed their credentials
  (行政处罚法 art. 55), who of the party was present, the findings, the evidence files with their
  SHA-256, signature lines for the officers and the party, a refusal with its witness.
* `issue_service_receipt(session, ctx, case, served, party)`: one 送达回证 per document served on
  the party, with its own number, naming the document (title, number, date) it serves and the
  officers who serve it; `Document.related_document_id` points at the served document.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cases.enums import DocumentType
from cases.models import Case, Department, Document, Inspection, Institution, Officer
from cases.ports import EvidenceLine, InspectionRecordSnapshot, Party, ServiceReceiptSnapshot
from cases.service._common import Ctx, authority_of, issue_document

EVIDENCE_KINDS = {"image/jpeg": "现场照片", "image/png": "现场照片", "image/webp": "现场照片",
                  "application/pdf": "书证（电子文件）"}


def officers_of(session: Session, ids: list[int]) -> list[Officer]:
    rows = {o.id: o for o in session.exec(select(Officer).where(col(Officer.id).in_(list(ids)))).all()}
    return [rows[i] for i in ids if i in rows]


def party(session: Session, case: Case, place: str = "") -> Party:
    """The case's party as printed (the institution; the premises while it is not identified)."""
    inst = session.get(Institution, case.institution_id) if case.institution_id else None
    if inst is None:  # not yet identified: the record names the premises inspected
        return Party(name=f"（经营场所：{place or '未确认'}）")
    return Party(inst.name, inst.uscc or "", inst.address, inst.legal_representative)


def evidence_lines(evidence: list[dict]) -> tuple[EvidenceLine, ...]:
    """The inspection's stored evidence files as the record lists them (kind, file name, SHA-256)."""
    return tuple(EvidenceLine(description=str(item.get("description") or EVIDENCE_KINDS.get(
        str(item.get("content_type", "")), "电子证据")), sha256=str(item.get("sha256", "")),
        filename=str(item.get("filename", ""))) for item in evidence)


def inspection_record_snapshot(session: Session, ctx: Ctx, case: Case, inspection: Inspection, number: str, *,
                               present: str = "", present_phone: str = "", recorder: str = "",
                               refused_to_sign: bool = False, refusal_note: str = "",
                               witness: str = "") -> InspectionRecordSnapshot:
    dept = session.get(Department, case.lead_department_id)
    zone = ctx.now().tzinfo

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone) if value is not None else None

    officers = officers_of(session, list(inspection.officer_ids))
    return InspectionRecordSnapshot(
        number=number, authority=authority_of(dept), party=party(session, case, inspection.place),
        started_at=local(inspection.started_at), ended_at=local(inspection.ended_at), place=inspection.place,
        officers=tuple((o.name, o.badge_no or "") for o in officers),
        findings=tuple(line.strip() for line in inspection.findings.splitlines() if line.strip()),
        evidence_items=evidence_lines(list(inspection.evidence)), case_number=case.case_number,
        present=present, present_phone=present_phone, recorder=recorder, refused_to_sign=refused_to_sign,
        refusal_note=refusal_note, witness=witness, sealed=False)


def issue_inspection_record(session: Session, ctx: Ctx, case: Case, inspection: Inspection, **details: object,
                            ) -> Document:
    """Number, render and store the inspection's 现场检查笔录 (in the caller's transaction).

    `details`: present, present_phone, recorder, refused_to_sign, refusal_note, witness (all optional).
    """
    if inspection.id is None:
        session.flush()
    dept = session.get(Department, case.lead_department_id)
    doc = issue_document(session, ctx, case, dept, DocumentType.INSPECTION_RECORD,
                         lambda number: inspection_record_snapshot(session, ctx, case, inspection, number,
                                                                   **details),  # type: ignore[arg-type]
                         addressee="附卷（执法人员与被检查单位签名）")
    doc.title = "复查笔录" if inspection.reinspection else DocumentType.INSPECTION_RECORD.label
    session.add(doc)
    return doc


def service_receipt_snapshot(session: Session, ctx: Ctx, case: Case, served: Document, party: Party, number: str,
                             ) -> ServiceReceiptSnapshot:
    dept = session.get(Department, served.department_id)
    team = officers_of(session, list(case.team_officer_ids))[:2]
    return ServiceReceiptSnapshot(
        number=number, document_title=served.title or served.doc_type.label, document_number=served.number,
        document_issued_on=served.issued_at.astimezone(ctx.now().tzinfo).date(), authority=authority_of(dept),
        party=party, issued_on=ctx.today(), servers=tuple(o.name for o in team),
        server_certificates=tuple(o.badge_no or "" for o in team))


def issue_service_receipt(session: Session, ctx: Ctx, case: Case, served: Document, party: Party) -> Document:
    """The 送达回证 of `served` (its own number; related_document_id → the served document)."""
    existing = session.exec(select(Document).where(Document.doc_type == DocumentType.SERVICE_RECEIPT,
                                                   Document.related_document_id == served.id)).first()
    if existing is not None:
        return existing
    dept = session.get(Department, served.department_id)
    doc = issue_document(session, ctx, case, dept, DocumentType.SERVICE_RECEIPT,
                         lambda number: service_receipt_snapshot(session, ctx, case, served, party, number),
                         addressee=party.name)
    doc.related_document_id = served.id
    doc.title = f"送达回证（{served.number}）"
    session.add(doc)
    return doc
