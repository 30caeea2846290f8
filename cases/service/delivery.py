"""送达 (service) of a case's documents: the method's requirements, the service date, and what it starts.

A 整改通知书's rectification period runs from its service; service of a 告知书 or 决定书 moves the
penalty procedure (`cases.service.sanctions.on_served`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from cases import repository
from cases.actions import Action, ServiceIn, SignedReceiptIn
from cases.audit import append_event
from cases.enums import CaseEventType, DocumentType, ServiceMethod
from cases.errors import Conflict, ValidationFailed
from cases.models import Case, Document, ServiceRecord, key
from cases.service._common import Ctx, periods, record, start_clock, stop_clock
from cases.service.inspection import register_evidence
from cases.service.perform import handles
from cases.service.sanctions import on_served


@handles(Action.RECORD_SERVICE)
def record_service(session: Session, ctx: Ctx, case: Case, body: ServiceIn) -> ServiceRecord:
    """送达: validates the method's requirements; the service date starts the next clock."""
    doc = repository.get_or_raise(session, Document, body.document_id, "文书")
    method, served_on, recipient, place = body.method, body.served_on, body.recipient, body.place
    refusal_reason, witness = body.refusal_reason, body.witness
    if repository.service_of(session, key(doc)) is not None:
        raise ValidationFailed("该文书已登记送达", code="already_served")
    effective = _validate_service(ctx, doc, method, served_on, recipient, refusal_reason, witness)
    service = ServiceRecord(document_id=key(doc), method=method, served_on=effective, place=place,
                            recipient=recipient, refusal_reason=refusal_reason, witness=witness,
                            recorded_by_id=ctx.actor.officer_id, recorded_at=ctx.now())
    session.add(service)
    payload = {"document": doc.number, "method": str(method), "served_on": effective.isoformat()}
    if doc.doc_type is DocumentType.RECTIFICATION_NOTICE:
        _start_rectification_clock(session, ctx, case, effective)
        record(session, ctx, case, CaseEventType.RECORD_SERVICE, payload)
    elif not on_served(session, ctx, case, doc, effective, payload):
        record(session, ctx, case, CaseEventType.RECORD_SERVICE, payload)
    return service


@handles(Action.ATTACH_SIGNED_RECEIPT)
def attach_signed_receipt(session: Session, ctx: Ctx, case: Case, body: SignedReceiptIn) -> ServiceRecord:
    """The signed 送达回证 (photo or scan, stored write-once) becomes the case's evidence and is filed
    with the service record in one transaction. Written once: a second upload is refused and the
    first stays the record. An event in the hash chain; the case's version is left alone (it does
    not change what the case is waiting for)."""
    doc = repository.get_or_raise(session, Document, body.document_id, "文书")
    if doc.doc_type is DocumentType.SERVICE_RECEIPT and doc.related_document_id:  # the 回证 named, not the document
        doc = repository.get_or_raise(session, Document, doc.related_document_id, "文书")
    service = repository.service_of(session, key(doc))
    if service is None:
        raise ValidationFailed("该文书尚未登记送达：请先登记送达，再上传签收的送达回证", code="not_served")
    if service.receipt_sha256:
        raise Conflict("该文书的签收回证已存档，不能替换（存档原件只写一次）", code="receipt_already_filed",
                       sha256=service.receipt_sha256)
    register_evidence(session, ctx, case, body)
    service.receipt_sha256 = body.sha256
    session.add(service)
    append_event(session, case, CaseEventType.ATTACH_SIGNED_RECEIPT, actor_id=ctx.actor.officer_id, at=ctx.now(),
                 payload={"document": doc.number, "sha256": body.sha256})
    return service


def _validate_service(ctx: Ctx, doc: Document, method: ServiceMethod, served_on: date, recipient: str,
                      refusal_reason: str, witness: str) -> date:
    issued = doc.issued_at.astimezone(ctx.now().tzinfo).date()
    if served_on > ctx.today():
        raise ValidationFailed("送达日期不能晚于今天", code="service_in_future")
    if served_on < issued:
        raise ValidationFailed("送达日期不能早于文书签发日期", code="service_before_issue")
    if method is ServiceMethod.LEFT_AT_PREMISES and not (refusal_reason.strip() and witness.strip()):
        raise ValidationFailed("留置送达须注明拒收理由和见证人", code="refusal_needs_witness")
    if method in (ServiceMethod.DIRECT, ServiceMethod.ELECTRONIC, ServiceMethod.POSTAL) and not recipient.strip():
        raise ValidationFailed("请填写受送达人或签收人", code="recipient_required")
    if method is ServiceMethod.PUBLIC_NOTICE:
        return served_on + timedelta(days=periods()["public_notice_service"].days)  # 53号令 art. 35 ¶3
    return served_on


def _start_rectification_clock(session: Session, ctx: Ctx, case: Case, served_on: date) -> None:
    """The period runs from service; the date printed on the notice is never shortened."""
    pending = stop_clock(session, ctx, case, "rectification")
    printed = pending.due_date if pending else None
    days = pending.days if pending else None
    row = start_clock(session, ctx, case, "rectification", served_on, days=days, due=printed)
    start_clock(session, ctx, case, "reinspection", row.due_date)
