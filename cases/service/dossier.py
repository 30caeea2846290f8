"""The material of a case's dossier (案卷), read from the database, the document store and the
evidence folder — the same for `enforce documents dossier` and the case page's 组卷 button.

`documents.dossier.build_dossier` binds it into one PDF (stored bytes, never re-rendered); this
module only gathers: the cover (`DossierCover`), and every stored document in legal order
(`DossierItem`, the PDF bytes verified against their hashes by the builder) with the evidence filed
after it — each inspection's photos after its 现场检查笔录, and a signed 送达回证 scan (uploaded back
onto the case) after the 送达回证 it is the signed copy of.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path

from sqlmodel import Session, col, select

from cases import repository
from cases.catalogue import DATA, load_catalogue
from cases.enums import CloseReason, DocumentType
from cases.models import CaseEvidence, key
from cases.ports import DocumentRef, DocumentStore, DossierCover, DossierItem, EvidenceFile


@dataclass(frozen=True)
class StoredDossier:
    case_number: str
    content: bytes
    sha256: str
    ref: DocumentRef
    items: int


def _evidence_file(evidence_root: Path, row: dict[str, object] | CaseEvidence, description: str,
                   taken_on: date | None) -> EvidenceFile | None:
    get = row.get if isinstance(row, dict) else lambda name, default="": getattr(row, name, default)
    path = (evidence_root / str(get("path", ""))).resolve()
    if not str(get("path", "")) or not path.is_relative_to(evidence_root.resolve()) or not path.is_file():
        return None
    return EvidenceFile(description=description, filename=str(get("filename", "")),
                        content_type=str(get("content_type", "")), content=path.read_bytes(),
                        sha256=str(get("sha256", "")), taken_on=taken_on)


def dossier_material(session: Session, case_number: str, *, store: DocumentStore, evidence_root: Path,
                     zone: tzinfo | None, today: date) -> tuple[DossierCover, list[DossierItem]]:
    """(cover, items) of a case (NotFound for an unknown number). Reads only."""
    cf = repository.case_file(session, case_number)
    case, catalogue = cf.case, load_catalogue()
    retention = tomllib.loads((DATA / "dossier.toml").read_text(encoding="utf-8"))["retention"]
    names = [catalogue.get(code).name for code in case.violation_codes]
    closed = case.closed_at.astimezone(zone).date() if case.closed_at else None
    try:
        result = CloseReason(case.close_reason).label if case.close_reason else ""
    except ValueError:
        result = case.close_reason or ""
    cover = DossierCover(
        case_number=case.case_number, cause=f"涉嫌{'、'.join(names)}案" if names else "校外培训线索核查",
        party=cf.institution.name if cf.institution else "（未确认）", authority=cf.department.name,
        filed_on=case.filed_at.astimezone(zone).date() if case.filed_at else None, closed_on=closed,
        handlers=tuple(f"{o.name}（执法证号：{o.badge_no}）" if o.badge_no else o.name for o in cf.team),
        retention=retention["penalty" if case.filed_at else "other"], result=result,
        filed_by=cf.team[0].name if cf.team else "", archived_on=today)
    docs = cf.documents
    attach: dict[int, list[EvidenceFile]] = {}
    # each inspection's evidence goes after its 现场检查笔录, else after the first document issued after it
    records = [d for d in docs if d.doc_type is DocumentType.INSPECTION_RECORD]
    for n, inspection in enumerate(cf.inspections):
        if not inspection.evidence or not docs:
            continue
        host = records[n] if n < len(records) else next(
            (d for d in docs if d.issued_at >= inspection.started_at), docs[-1])
        taken = inspection.started_at.astimezone(zone).date()
        for item in inspection.evidence:
            kind = "现场照片" if str(item.get("content_type", "")).startswith("image/") else "书证"
            found = _evidence_file(evidence_root, item, kind, taken)
            if found is not None:
                attach.setdefault(key(host), []).append(found)
    # the signed copy of a 送达回证 goes after the 送达回证 itself
    receipts = {s.receipt_sha256: s for s in cf.services.values() if s.receipt_sha256}
    if receipts:
        rows = session.exec(select(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                                       col(CaseEvidence.sha256).in_(list(receipts)))).all()
        by_served = {receipts[r.sha256].document_id: r for r in rows}
        for doc in docs:
            row = by_served.get(doc.related_document_id or 0) if doc.doc_type is DocumentType.SERVICE_RECEIPT else None
            if row is not None:
                served = receipts[row.sha256].served_on
                found = _evidence_file(evidence_root, row, "已签收的送达回证（扫描件）", served)
                if found is not None:
                    attach.setdefault(key(doc), []).append(found)
    items = []
    for doc in docs:
        service = cf.services.get(key(doc))
        note = ""
        if service is not None:
            on = service.served_on
            note = f"已送达（{service.method.label}，{on.year}年{on.month}月{on.day}日）"
        items.append(DossierItem(
            number=doc.number, title=doc.title or doc.doc_type.label, issued_on=doc.issued_at.astimezone(zone).date(),
            pdf=store.get(DocumentRef(doc.path, doc.sha256, doc.size)), sha256=doc.sha256, author=cf.department.name,
            evidence=tuple(attach.get(key(doc), ())), note=note))
    return cover, items


def store_dossier(store: DocumentStore, case_number: str, content: bytes, items: int) -> StoredDossier:
    """The bound dossier, hashed and kept in the document store (content-addressed, write-once)."""
    sha = hashlib.sha256(content).hexdigest()
    safe = "".join(c if c.isalnum() else "-" for c in case_number)
    ref = store.put(content, name=f"dossier/{safe}/{sha[:16]}.pdf")
    return StoredDossier(case_number, content, sha, ref, items)
