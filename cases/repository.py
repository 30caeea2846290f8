"""Queries on case tables: functions taking a Session. No commits here."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cases.audit import last_event_columns, remember_last
from cases.caches import register_cache
from cases.enums import CaseStatus, DocumentType
from cases.errors import NotFound
from cases.models import (
    Case,
    CaseEvent,
    CaseEvidence,
    Complaint,
    Counter,
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

T = TypeVar("T")


def get_or_raise(session: Session, model: type[T], key: object, label: str = "记录") -> T:
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"{label}不存在", id=key)
    return row


def _case_for_write(lock: bool) -> Any:  # a Select of (Case, seq, hash)
    seq, digest = last_event_columns()
    query = select(Case, seq, digest).where(Case.id == bindparam("case_id"))
    return (query.with_for_update(of=Case) if lock else query).execution_options(populate_existing=True)


_CASE_FOR_WRITE: dict[bool, Any] = {True: _case_for_write(True), False: _case_for_write(False)}


def case_for_write(session: Session, case_id: int, *, lock: bool) -> Case | None:
    """The case an action is taken on (FOR UPDATE when `lock`, on PostgreSQL), refreshed, with the head
    of its event chain read in the same statement and kept for `cases.audit.append_event`."""
    row = session.exec(_CASE_FOR_WRITE[lock], params={"case_id": case_id}).first()
    if row is None:
        return None
    case: Case = row[0]
    remember_last(session, case_id, row[1], row[2])
    return case


def cases_for_write(session: Session, case_ids: Sequence[int]) -> dict[int, Case]:
    """Many cases (unlocked), each with the head of its event chain kept for `append_event`: one
    statement (the sweep's 督办 of a page)."""
    if not case_ids:
        return {}
    seq, digest = last_event_columns()
    out: dict[int, Case] = {}
    for case, last_seq, last_hash in session.exec(select(Case, seq, digest).where(col(Case.id).in_(list(case_ids)))):
        case_id = int(case.id or 0)
        remember_last(session, case_id, last_seq, last_hash)
        out[case_id] = case
    return out


def get_case(session: Session, case_id: int) -> Case:
    return get_or_raise(session, Case, case_id, "案件")


_REGION_TTL_SECONDS = 60.0
# per database: (read at, child → parent, parent → children)
_region_cache: dict[str, tuple[float, dict[str, str | None], dict[str | None, list[str]]]] = {}


def _region_tree(session: Session) -> tuple[dict[str, str | None], dict[str | None, list[str]]]:
    key = str(session.get_bind().engine.url)
    hit = _region_cache.get(key)
    if hit and time.monotonic() - hit[0] < _REGION_TTL_SECONDS:
        return hit[1], hit[2]
    parents = dict(session.exec(select(Region.code, Region.parent_code)).all())
    children: dict[str | None, list[str]] = {}
    for code, parent in parents.items():
        children.setdefault(parent, []).append(code)
    _region_cache[key] = (time.monotonic(), parents, children)
    return parents, children


def region_parents(session: Session) -> dict[str, str | None]:
    """The region tree as child → parent, cached per database for a minute (regions change rarely;
    whoever changes them calls `clear_region_cache`)."""
    return _region_tree(session)[0]


def clear_region_cache() -> None:
    _region_cache.clear()


register_cache("cases.repository._region_cache", clear_region_cache)


def subtree_codes(session: Session, root: str) -> list[str]:
    """`root` and every region below it (the children read from the cached tree: a province's
    1,221 regions were regrouped on every call, three times per web page)."""
    children = _region_tree(session)[1]
    out, stack = [], [root]
    while stack:
        code = stack.pop()
        out.append(code)
        stack.extend(children.get(code, []))
    return out


def ancestors(session: Session, code: str) -> list[str]:
    """`code` and its ancestors, nearest first."""
    parents, chain = region_parents(session), []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def next_in_sequence(session: Session, key: str) -> int:
    """Allocate the next number of a gapless sequence inside the caller's transaction.

    `UPDATE … RETURNING` takes the row lock (PostgreSQL) or runs under the transaction's write
    lock (SQLite BEGIN IMMEDIATE), so concurrent issuers queue; a rollback returns the number.
    """
    bump = text("UPDATE counter SET last = last + 1 WHERE key = :key RETURNING last")
    value = session.execute(bump, {"key": key}).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.add(Counter(key=key, last=0))
        except IntegrityError:
            pass  # created concurrently: fine, bump it
        value = session.execute(bump, {"key": key}).scalar()
    if value is None:
        raise RuntimeError(f"sequence {key!r} could not be created")
    return int(value)


def list_events(session: Session, case_id: int) -> Sequence[CaseEvent]:
    return session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.seq))).all()


# Statements on the write path are built once: building a SELECT and its cache key costs more than
# running it (docs/scale.md, "Write path"); a prebuilt statement's cache key is memoised.
_OPEN_DEADLINES = (select(Deadline).where(Deadline.case_id == bindparam("case_id"), col(Deadline.open))
                   .order_by(col(Deadline.due_date)))
_OFFICERS = (select(Officer, Department).join(Department, col(Department.id) == Officer.department_id)
             .where(col(Officer.id).in_(bindparam("ids", expanding=True))))


def open_deadlines(session: Session, case_id: int) -> Sequence[Deadline]:
    return session.exec(_OPEN_DEADLINES, params={"case_id": case_id}).all()


def open_deadline(session: Session, case_id: int, step: str) -> Deadline | None:
    return session.exec(select(Deadline).where(Deadline.case_id == case_id, Deadline.step == step,
                                               col(Deadline.open))).first()


def last_deadline(session: Session, case_id: int, step: str) -> Deadline | None:
    return session.exec(select(Deadline).where(Deadline.case_id == case_id, Deadline.step == step)
                        .order_by(col(Deadline.id).desc())).first()


def case_documents(session: Session, case_id: int, doc_type: DocumentType | None = None) -> Sequence[Document]:
    query = select(Document).where(Document.case_id == case_id)
    if doc_type is not None:
        query = query.where(Document.doc_type == doc_type)
    return session.exec(query.order_by(col(Document.id))).all()


def latest_document(session: Session, case_id: int, doc_type: DocumentType) -> Document | None:
    docs = case_documents(session, case_id, doc_type)
    return docs[-1] if docs else None


def inspections(session: Session, case_id: int, *, reinspection: bool | None = None) -> Sequence[Inspection]:
    query = select(Inspection).where(Inspection.case_id == case_id)
    if reinspection is not None:
        query = query.where(Inspection.reinspection == reinspection)
    return session.exec(query.order_by(col(Inspection.started_at))).all()


def case_evidence(session: Session, case_id: int) -> Sequence[CaseEvidence]:
    """The case's evidence in the order it was received, with its provenance (migration 0018)."""
    return session.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)
                        .order_by(col(CaseEvidence.uploaded_at), col(CaseEvidence.id))).all()


def penalty_of(session: Session, case_id: int) -> Penalty:
    penalty = session.exec(select(Penalty).where(Penalty.case_id == case_id)).first()
    if penalty is None:
        raise NotFound("该案件尚未立案", case_id=case_id)
    return penalty


OFFICER_MEMO = "officers_in_transaction"  # session.info key; `cases.service.perform` sets it per transaction


def officers_with_departments(session: Session, ids: Sequence[int]) -> dict[int, tuple[Officer, Department]]:
    """The officers in `ids` that exist, each with its department, in one statement.

    Inside `perform` (which puts a fresh dict under `OFFICER_MEMO` at the start of each transaction
    and removes it at the end) what this transaction already read is not read again: the reference
    check, the use case's facts and its notice all name the same officers."""
    memo: dict[int, tuple[Officer, Department]] | None = session.info.get(OFFICER_MEMO)
    wanted = [i for i in dict.fromkeys(ids) if memo is None or i not in memo]
    rows: dict[int, tuple[Officer, Department]] = {}
    if wanted:
        rows = {o.id: (o, d) for o, d in session.exec(_OFFICERS, params={"ids": wanted}).all()
                if o.id is not None}
        if memo is not None:
            memo.update(rows)
    found = rows if memo is None else memo
    return {i: found[i] for i in ids if i in found}


def officers_with_kind(session: Session, ids: Sequence[int]) -> list[tuple[Officer, str]]:
    """The officers in `ids` order, each with its department's kind; NotFound names the missing ones."""
    rows = officers_with_departments(session, ids)
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound("执法人员不存在", officer_ids=missing)
    return [(rows[i][0], rows[i][1].kind) for i in ids]


def department_for(session: Session, region_code: str, kinds: Sequence[str]) -> Department | None:
    """The competent department: the first kind in `kinds` found nearest up the region tree."""
    chain = ancestors(session, region_code)
    depts = session.exec(select(Department).where(col(Department.region_code).in_(chain))).all()
    for kind in kinds:
        candidates = [d for d in depts if d.kind == kind]
        if candidates:
            return min(candidates, key=lambda d: chain.index(d.region_code))
    return None


def open_case_for_institution(session: Session, institution_id: int, since: datetime) -> Case | None:
    return session.exec(
        select(Case).where(Case.institution_id == institution_id, Case.status != CaseStatus.CLOSED,
                           col(Case.received_at) >= since).order_by(col(Case.received_at).desc())
    ).first()


def find_institution(session: Session, *, uscc: str | None, name_key: str | None,
                     phone: str | None, address: str | None) -> Institution | None:
    """Match the register by 统一社会信用代码, then normalised name, then phone, then address."""
    for column, value in ((Institution.uscc, uscc), (Institution.name_key, name_key),
                          (Institution.phone, phone), (Institution.address, address)):
        if value:
            found = session.exec(select(Institution).where(column == value)).first()
            if found:
                return found
    return None


def complaint_by_key(session: Session, key: str) -> Complaint | None:
    return session.exec(select(Complaint).where(Complaint.idempotency_key == key)).first()


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(select(Case.status, func.count()).group_by(Case.status)).all()
    return {str(status): n for status, n in rows}


def overdue_deadlines(session: Session, today: date) -> Sequence[Deadline]:
    return session.exec(select(Deadline).where(col(Deadline.open), col(Deadline.paused_since).is_(None),
                                               col(Deadline.due_date) < today)).all()


def overdue_summary(session: Session, today: date) -> tuple[int, int, dict[str, int]]:
    """(overdue running steps, cases with one, steps by step key), counted in SQL."""
    running_late = (col(Deadline.open), col(Deadline.paused_since).is_(None), col(Deadline.due_date) < today)
    steps, cases = session.exec(select(func.count(), func.count(func.distinct(Deadline.case_id)))
                                .where(*running_late)).one()
    by_step = dict(session.exec(select(Deadline.step, func.count()).where(*running_late)
                                .group_by(Deadline.step)).all())
    return int(steps), int(cases), {str(k): int(v) for k, v in by_step.items()}


def provisional_deadlines(session: Session) -> Sequence[Deadline]:
    return session.exec(select(Deadline).where(col(Deadline.open), col(Deadline.provisional))).all()


def service_of(session: Session, document_id: int) -> ServiceRecord | None:
    return session.exec(select(ServiceRecord).where(ServiceRecord.document_id == document_id)).first()


@dataclass(frozen=True)
class CaseFile:
    """Everything the case dossier (案卷) is built from, read-only: the case, its party, authority,
    team, inspections, and its stored documents in legal order with their service records."""

    case: Case
    institution: Institution | None
    department: Department
    team: list[Officer]
    inspections: list[Inspection]
    documents: list[Document]  # legal order: by issue, each 送达回证 right after the document it serves
    services: dict[int, ServiceRecord]  # document id → its service record


def legal_order(documents: Sequence[Document]) -> list[Document]:
    """Documents by issue time, each 送达回证 (related_document_id) moved right after the document it serves;
    the 立案审批表 first, before the 现场检查笔录, as a dossier files it (after the case's source material)."""
    ordered = sorted(documents, key=lambda d: (d.doc_type is not DocumentType.FILING_APPROVAL, d.issued_at, d.id or 0))
    ids = {d.id for d in ordered}
    receipts: dict[int, list[Document]] = {}
    for doc in ordered:
        if doc.doc_type is DocumentType.SERVICE_RECEIPT and doc.related_document_id in ids:
            receipts.setdefault(doc.related_document_id, []).append(doc)
    out: list[Document] = []
    for doc in ordered:
        if doc.doc_type is DocumentType.SERVICE_RECEIPT and doc.related_document_id in ids:
            continue
        out.append(doc)
        out.extend(receipts.get(doc.id, []))
    return out


def case_file(session: Session, case_number: str) -> CaseFile:
    """The case's dossier material (NotFound for an unknown case number). Reads only."""
    case = session.exec(select(Case).where(Case.case_number == case_number)).first()
    if case is None:
        raise NotFound(f"案件“{case_number}”不存在", case_number=case_number)
    docs = legal_order(case_documents(session, case.id))
    ids = [d.id for d in docs]
    services = {s.document_id: s for s in session.exec(select(ServiceRecord).where(
        col(ServiceRecord.document_id).in_(ids))).all()} if ids else {}
    team_ids = list(case.team_officer_ids) or ([case.assignee_id] if case.assignee_id else [])
    team = {o.id: o for o in session.exec(select(Officer).where(col(Officer.id).in_(team_ids))).all()}
    return CaseFile(case=case, institution=session.get(Institution, case.institution_id) if case.institution_id
                    else None, department=get_or_raise(session, Department, case.lead_department_id, "部门"),
                    team=[team[i] for i in team_ids if i in team], inspections=list(inspections(session, case.id)),
                    documents=docs, services=services)


def party_history(session: Session, case: Case) -> tuple[date, ...]:
    """The days the party was earlier dealt with: penalty decisions on its other cases (53号令 art. 16(一))."""
    if case.institution_id is None:
        return ()
    rows = session.exec(select(col(Penalty.decided_on)).join(Case, col(Case.id) == col(Penalty.case_id))
                        .where(Case.institution_id == case.institution_id, Case.id != case.id,
                               col(Penalty.decided_on).is_not(None), Penalty.outcome == "penalty")).all()
    return tuple(sorted(d for d in rows if d is not None))
