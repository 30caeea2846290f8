"""The checked entry point: every case action goes through `perform`.

    perform(session, ctx, case_id, action, expected_version, input)

in this order, so a caller always hears about the first thing that is wrong:
1. the case, in the actor's jurisdiction — otherwise `NotFound` (its existence is not revealed);
2. the version it was based on — missing `VersionRequired`, stale `StaleVersion` (checked before
   anything about the request itself);
3. role and standing on the case (team member, supervisor, independent reviewer) from the action
   table — `NotAuthorised`;
4. the input, against the action's model — `InputInvalid`;
5. every object the input refers to (institution, officers, evidence, document, another case)
   inside the actor's jurisdiction and belonging to this case where it must — `ValidationFailed`;
6. the use case registered for the action (`@handles`), which fires the lifecycle;
7. the one commit. A lost race becomes `StaleVersion`; an event-sequence collision with a write that
   left the version alone, or a busy SQLite file, is retried (twice at most).
API routes, web pages, the CLI, flows and the demo call this and nothing below it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from cases import authority, repository
from cases.actions import ACTIONS, Action, ActionSpec
from cases.audit import LAST_EVENT_MEMO
from cases.authority import ActorFacts
from cases.errors import (
    Busy,
    InputInvalid,
    InvalidTransition,
    NotFound,
    StaleVersion,
    ValidationFailed,
    VersionRequired,
)
from cases.fields import In
from cases.lifecycle import declared_events
from cases.models import Case, CaseEvidence, Document, Institution
from cases.service._common import Ctx

Handler = Callable[[Session, Ctx, Case, Any], object]
_HANDLERS: dict[Action, Handler] = {}
RETRIES = 3  # event-sequence collisions
BUSY_RETRIES = 4  # a SQLite file still locked after its busy timeout (a long render holds it)


def handles(action: Action) -> Callable[[Handler], Handler]:
    """Register the use case of `action` (one per row of the action table)."""

    def register(fn: Handler) -> Handler:
        if action in _HANDLERS:
            raise RuntimeError(f"two use cases for {action}")
        _HANDLERS[action] = fn
        return fn

    return register


@dataclass(frozen=True)
class Performed:
    case: Case
    result: object


def perform(session: Session, ctx: Ctx, case_id: int, action: Action, expected_version: int | None,
            data: Mapping[str, Any] | bytes | In | None = None) -> Performed:
    """Take `action` on the case as `ctx.actor`; one transaction, committed here."""
    spec = ACTIONS[action]
    ctx = replace(ctx, action=action)
    busy = 0
    for attempt in range(RETRIES + BUSY_RETRIES):
        session.info[repository.OFFICER_MEMO] = {}  # what this transaction read of officers (repository)
        session.info[LAST_EVENT_MEMO] = {}
        try:
            return _once(session, ctx, spec, case_id, expected_version, data)
        except (StaleDataError, IntegrityError) as exc:
            session.rollback()
            current = session.exec(select(Case.version).where(Case.id == case_id)).first()
            if current is not None and expected_version is not None and current != expected_version:
                raise StaleVersion(expected=expected_version, current=current) from exc
            if isinstance(exc, IntegrityError) and _real_constraint(exc):
                raise
            if attempt - busy >= RETRIES - 1 or isinstance(exc, StaleDataError):
                raise Busy("案件正被他人操作，请稍后重试") from exc
        except OperationalError as exc:  # SQLite: still locked after its busy timeout
            session.rollback()
            busy += 1
            if "locked" not in str(exc) or busy > BUSY_RETRIES:
                raise
            time.sleep(0.2 * 2**busy)
        finally:
            session.info.pop(repository.OFFICER_MEMO, None)
            session.info.pop(LAST_EVENT_MEMO, None)
    raise AssertionError("unreachable")


def _real_constraint(exc: IntegrityError) -> bool:
    """Only the event sequence of a case collides between two honest writers."""
    return "case_event" not in str(exc.orig)


def _once(session: Session, ctx: Ctx, spec: ActionSpec, case_id: int, expected_version: int | None,
          data: Mapping[str, Any] | bytes | In | None) -> Performed:
    # FOR UPDATE (PostgreSQL): concurrent writers of one case queue here and the later ones see the
    # new version; SQLite's BEGIN IMMEDIATE already serialises whole transactions.
    case = repository.case_for_write(session, case_id, lock=spec.versioned)  # with its chain head (cases.audit)
    if case is None or not _within(session, ctx, case.region_code):
        raise NotFound("案件不存在或不在您的辖区内", case_id=case_id)
    if spec.versioned:
        if expected_version is None:
            raise VersionRequired("缺少 If-Match 请求头：请带上案件的当前版本号（读取案件时的 ETag 或 version）")
        if case.version != expected_version:
            raise StaleVersion(expected=expected_version, current=case.version)
    authority.check(ActorFacts.of(ctx.actor, case.team_officer_ids), spec.action)
    if not spec.available(case.status, set(declared_events(case.status, case.penalty_step))):
        raise InvalidTransition(f"案件当前状态为“{case.status.label}”，不能{spec.label}", case_id=case.id,
                                status=str(case.status), event=spec.name)
    body = parse_input(spec, data)
    check_references(session, ctx, case, body)
    result = _HANDLERS[spec.action](session, ctx, case, body)
    session.commit()
    return Performed(case, result)


def parse_input(spec: ActionSpec, data: Mapping[str, Any] | bytes | In | None) -> In:
    if isinstance(data, spec.body):
        return data
    try:
        if isinstance(data, bytes):
            return spec.body.model_validate_json(data if data.strip() else b"{}")
        if isinstance(data, In):
            data = data.model_dump()
        return spec.body.model_validate(dict(data or {}))
    except ValidationError as exc:
        raise InputInvalid([dict(e) for e in exc.errors(include_url=False)]) from None


def _within(session: Session, ctx: Ctx, region_code: str) -> bool:
    return authority.within(region_code, ctx.actor.region_code, repository.region_parents(session))


# --- references: every object an input names, checked by its field name ---------------------------


def _institution(session: Session, ctx: Ctx, case: Case, value: int) -> None:
    inst = session.get(Institution, value)
    if inst is None or not _within(session, ctx, inst.region_code):
        raise ValidationFailed("所选机构不存在或不在您的辖区内", code="institution_out_of_scope", institution_id=value)


def _officers(session: Session, ctx: Ctx, case: Case, value: list[int]) -> None:
    """Officers of departments inside the actor's jurisdiction whose territory covers the case."""
    rows = repository.officers_with_departments(session, value)  # read once: the use case reuses them
    parents = repository.region_parents(session)
    found = {oid: dept.region_code for oid, (_officer, dept) in rows.items()}
    bad = [oid for oid in value if oid not in found
           or not authority.within(found[oid], ctx.actor.region_code, parents)
           or not authority.within(case.region_code, found[oid], parents)]
    if bad:
        raise ValidationFailed("所选执法人员不存在，或不属于对本案有管辖权的本辖区部门", code="officer_out_of_scope",
                               officer_ids=bad)


def _evidence(session: Session, ctx: Ctx, case: Case, value: list[str]) -> None:
    known = set(session.exec(select(CaseEvidence.sha256).where(CaseEvidence.case_id == case.id,
                                                                col(CaseEvidence.sha256).in_(value))).all())
    missing = [sha for sha in dict.fromkeys(value) if sha not in known]
    if missing:
        raise ValidationFailed("引用的证据尚未上传到本案", code="evidence_unknown", sha256=missing)


def _document(session: Session, ctx: Ctx, case: Case, value: int) -> None:
    doc = session.get(Document, value)
    if doc is None or doc.case_id != case.id:
        raise ValidationFailed("该文书不属于本案件", code="document_not_in_case", document_id=value)


def _other_case(session: Session, ctx: Ctx, case: Case, value: int) -> None:
    if value == case.id:
        raise ValidationFailed("不能并入案件本身", code="merge_into_self")
    other = session.get(Case, value)
    if other is None or not _within(session, ctx, other.region_code):
        raise ValidationFailed("并入的案件不存在或不在您的辖区内", code="case_out_of_scope", case_id=value)


REFERENCES: dict[str, Callable[[Session, Ctx, Case, Any], None]] = {
    "institution_id": _institution, "officer_ids": _officers, "evidence": _evidence, "document_id": _document,
    "merged_into_case_id": _other_case,
}


def check_references(session: Session, ctx: Ctx, case: Case, body: In) -> None:
    for name, check in REFERENCES.items():
        value = getattr(body, name, None)
        if value:
            check(session, ctx, case, value)


def act(action: Action, session: Session, ctx: Ctx, *, case_id: int, version: int | None = None,
        **fields: Any) -> Any:
    """`perform` with the input as keyword arguments, returning the use case's result.

    For the demo, flows and tests: the same entry point and checks as the API."""
    return perform(session, ctx, case_id, action, version, fields).result
