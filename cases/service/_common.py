"""Shared steps of the use cases: clocks, transitions, events, document issuing.

A case use case receives the case already loaded and checked by `cases.service.perform` (the one
entry point: jurisdiction, version, role and standing, input, references, commit) and only does
its own work: gather the facts, fire the transition, write its rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from cases import authority, deadlines, repository
from cases.actions import Action
from cases.audit import AuditTrail, append_event
from cases.authority import Actor, ActorFacts
from cases.caches import register_cache
from cases.calendar import WorkCalendar
from cases.catalogue import Catalogue, load_catalogue
from cases.enums import CaseEventType, CaseStatus, DocumentType
from cases.errors import NotFound, ValidationFailed
from cases.lifecycle import Facts, OfficerFact, transition
from cases.models import Case, Deadline, Department, Document, key
from cases.ports import Authority, Clock, DocumentRenderer, DocumentStore


@dataclass(frozen=True)
class Ctx:
    """What every use case needs from outside; built by the composition roots (CLI, API, flows)."""

    actor: Actor
    clock: Clock
    calendar: WorkCalendar
    renderer: DocumentRenderer | None = None
    store: DocumentStore | None = None
    catalogue: Catalogue | None = None
    action: Action | None = None  # set by `perform` for the action being taken

    @property
    def cat(self) -> Catalogue:
        return self.catalogue or load_catalogue()

    def today(self) -> date:
        return self.clock.today()

    def now(self) -> datetime:
        return self.clock.now()


def scoped_case(session: Session, ctx: Ctx, case_id: int) -> Case:
    """The case, when it lies in the actor's jurisdiction (for use cases that are not case actions)."""
    case = session.get(Case, case_id)
    parents = repository.region_parents(session)
    if case is None or not authority.within(case.region_code, ctx.actor.region_code, parents):
        raise NotFound("案件不存在或不在您的辖区内", case_id=case_id)
    return case


def fire(session: Session, ctx: Ctx, case: Case, event: str, facts: Facts, payload: dict[str, Any]) -> None:
    """Run a lifecycle transition with the audit listener; bump `updated_at`. A transition into the
    final state stamps `closed_at` and stops every clock of the case, whichever use case closes it
    (the board counts running clocks without asking their case's state: `queries.board_page`).

    The action and the actor's roles and standing on the case are added to the facts here, from
    the context `perform` built, so no use case states them."""
    facts = replace(facts, action=ctx.action, actor=ActorFacts.of(ctx.actor, case.team_officer_ids))
    listener = AuditTrail(session, case, actor_id=ctx.actor.officer_id, at=ctx.now(), payload=payload)
    transition(case, event, facts=facts, listeners=[listener])
    if case.status is CaseStatus.CLOSED:  # the final state: no clock runs on a closed case
        case.closed_at = ctx.now()
        _close_all_clocks(session, ctx, case)
    touch(session, ctx, case)


def record(session: Session, ctx: Ctx, case: Case, event: CaseEventType, payload: dict[str, Any]) -> None:
    """An event that does not move the state; still bumps the version (the case changed)."""
    append_event(session, case, event, actor_id=ctx.actor.officer_id, at=ctx.now(), payload=payload)
    touch(session, ctx, case)


def touch(session: Session, ctx: Ctx, case: Case) -> None:
    """Mark the case changed, so its version is bumped even when no other column moved."""
    case.updated_at = ctx.now()
    flag_modified(case, "updated_at")
    session.add(case)


def officer_facts(session: Session, ids: list[int], day: date, competent_kinds: set[str] | None = None,
                  ) -> tuple[OfficerFact, ...]:
    if len(set(ids)) != len(ids):
        raise ValidationFailed("执法人员重复", code="duplicate_officers")
    return tuple(
        OfficerFact(key(o), o.department_id, o.certified_on(day), competent_kinds is None or kind in competent_kinds)
        for o, kind in repository.officers_with_kind(session, ids))


@lru_cache
def periods() -> Mapping[str, deadlines.Period]:
    return deadlines.load_periods()


register_cache("cases.service._common.periods", periods.cache_clear)


def start_clock(session: Session, ctx: Ctx, case: Case, step: str, start: date, *, days: int | None = None,
                due: date | None = None) -> Deadline:
    """Open the clock of `step`, counted from `start` (a year without a table gives a provisional due)."""
    period = periods()[step]
    if days is not None:
        period = period.with_days(days)
    reckoned = deadlines.compute_due(start, period, ctx.calendar, provisional=True)
    due_date = max(due, reckoned.date) if due else reckoned.date
    row = Deadline(case_id=key(case), step=step, label=period.label_zh, legal_basis=period.legal_basis,
                   kind=period.kind, days=period.days or period.months * 30, start_date=start,
                   due_date=due_date, provisional=reckoned.provisional and not (due and due > reckoned.date))
    session.add(row)
    return row


def stop_clock(session: Session, ctx: Ctx, case: Case, step: str, *,
               among: Sequence[Deadline] | None = None) -> Deadline | None:
    """Stop the running clock of `step`; `among` is the case's open clocks when the caller has read them."""
    if among is None:
        row = repository.open_deadline(session, key(case), step)
    else:
        row = next((d for d in among if d.step == step and d.open), None)
    if row is not None:
        row.open = False
        row.met_at = ctx.now()
        session.add(row)
    return row


def _close_all_clocks(session: Session, ctx: Ctx, case: Case) -> None:
    for row in repository.open_deadlines(session, key(case)):
        row.open, row.met_at = False, ctx.now()
        session.add(row)


def authority_of(dept: Department) -> Authority:
    return Authority(name=dept.name, code=dept.doc_code, address=dept.address, phone=dept.phone,
                     review_body=dept.review_body, court=dept.court, bank=dept.bank,
                     contact=dept.contact, department_id=dept.id)  # issue 15: contact line, seal image


def allocate_number(session: Session, ctx: Ctx, dept: Department, doc_type: DocumentType) -> tuple[int, int, str]:
    """The next gapless (year, seq, number) for the department and type, inside the caller's transaction."""
    year = ctx.today().year
    seq = repository.next_in_sequence(session, f"doc:{dept.id}:{doc_type}:{year}")
    return year, seq, ctx.cat.document_number(dept.doc_code, doc_type, year, seq)


def store_document(session: Session, ctx: Ctx, case: Case | None, dept: Department, doc_type: DocumentType,
                   numbered: tuple[int, int, str], content: bytes, *, addressee: str) -> Document:
    """Store rendered bytes write-once and add their row (the caller's transaction commits both)."""
    if ctx.store is None:
        raise RuntimeError("document store is not configured")
    year, seq, number = numbered
    digest = hashlib.sha256(content).hexdigest()[:16]  # a rolled-back number's orphan file keeps its own name
    ref = ctx.store.put(content, name=f"{doc_type}/{year}/{dept.id}-{seq}-{digest}.pdf")
    doc = Document(case_id=case.id if case else None, doc_type=doc_type, department_id=key(dept), year=year,
                   seq=seq, number=number, title=doc_type.label, addressee=addressee, path=ref.path,
                   sha256=ref.sha256, size=ref.size, issued_at=ctx.now(), issued_by_id=ctx.actor.officer_id)
    session.add(doc)
    session.flush()
    return doc


def issue_document(session: Session, ctx: Ctx, case: Case | None, dept: Department, doc_type: DocumentType,
                   build_snapshot: Any, *, addressee: str) -> Document:
    """Allocate the gapless number, render, store write-once and add the row — one transaction.

    `build_snapshot(number)` returns the snapshot to render. If anything fails, the caller's
    transaction rolls back and the number returns to the sequence; a stored file without a
    row is harmless (content-addressed, never served).
    """
    if ctx.renderer is None:
        raise RuntimeError("document renderer is not configured")
    numbered = allocate_number(session, ctx, dept, doc_type)
    content = ctx.renderer(doc_type, build_snapshot(numbered[2]))
    return store_document(session, ctx, case, dept, doc_type, numbered, content, addressee=addressee)
