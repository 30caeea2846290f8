"""`POST /cases/{id}/actions/{action}`: one endpoint per lifecycle action, one use case each.

Order of checks, so a client always hears about the first thing that is wrong: the caller (401),
the case in their jurisdiction (404), `If-Match` present (428) and current (409, with the current
version), the role (403), then the body (422 `request_invalid`), then the use case's guards (422
with the guard's code and reason). The body is parsed here, after the version check, not by
FastAPI before it. Two writers racing on one version: the database lets one through (versioned
UPDATE), the other gets 409.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from api import schemas, views
from api.actions import ACTIONS, ActionSpec, DismissIn, EmptyIn
from api.deps import (
    CalendarDep,
    CaseWorker,
    ClockDep,
    CtxDep,
    EvidenceStoreDep,
    SessionDep,
    ValidCaseHead,
    WriteSessionDep,
)
from api.errors import Conflict, PreconditionRequired, error_responses
from api.evidence import EvidenceStore
from cases import authority
from cases.enums import CloseReason
from cases.errors import StaleVersion, ValidationFailed
from cases.models import Case, Deadline, Document, Inspection, Penalty, ServiceRecord
from cases.service import Ctx

router = APIRouter(prefix="/cases", tags=["办案操作"])
RETRIES = 3

_ETAG = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$')
IfMatch = Annotated[str | None, Header(alias="If-Match", description="必填：案件当前版本号（读取案件时的 ETag 或 "
                                       "version），例如 \"3\"。缺少返回428，已过期返回409并给出当前版本。")]


async def raw_body(request: Request) -> bytes:
    return await request.body()


def parse_if_match(value: str | None) -> int:
    if value is None or not value.strip():
        raise PreconditionRequired("缺少 If-Match 请求头：请带上案件的当前版本号（读取案件时的 ETag 或 version）")
    match = _ETAG.match(value)
    if match is None:
        raise PreconditionRequired("If-Match 请求头应为案件版本号，例如 \"3\"", code="if_match_invalid")
    return int(match.group(1))


def parse_body(spec: ActionSpec, raw: bytes) -> dict[str, Any]:
    try:
        body = spec.body.model_validate_json(raw if raw.strip() else b"{}")
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    kwargs = body.model_dump()
    if isinstance(body, DismissIn):
        kwargs["reason"] = CloseReason(body.reason)
    return kwargs


def resolve_evidence(store: EvidenceStore, hashes: list[str]) -> list[dict]:
    refs = [store.describe(sha) for sha in dict.fromkeys(hashes)]
    missing = [sha for sha, ref in zip(dict.fromkeys(hashes), refs, strict=True) if ref is None]
    if missing:
        raise ValidationFailed("引用的证据尚未上传", code="evidence_unknown", sha256=missing)
    return [asdict(ref) for ref in refs if ref]


def execute(session: Session, ctx: Ctx, spec: ActionSpec, case_id: int, version: int, kwargs: dict) -> object:
    """Run the use case; a lost race becomes 409 with the winner's version. A collision on the event
    sequence with a write that left the version alone (a logged reveal) is retried, twice at most."""
    for attempt in range(RETRIES):
        try:
            return spec.use_case(session, ctx, case_id=case_id, version=version, **kwargs)
        except (StaleDataError, IntegrityError) as exc:
            session.rollback()
            current = session.exec(select(Case.version).where(Case.id == case_id)).one()
            if current != version:
                raise StaleVersion(expected=version, current=current) from exc
            if attempt == RETRIES - 1 or isinstance(exc, StaleDataError):
                raise Conflict("案件正被他人操作，请稍后重试", code="concurrent_update") from exc
    raise AssertionError("unreachable")


def result_of(value: object) -> schemas.ActionResult:
    kinds = ((Document, "document"), (Inspection, "inspection"), (Penalty, "penalty"), (Deadline, "deadline"),
             (ServiceRecord, "service"), (Case, "case"))
    kind = next((name for cls, name in kinds if isinstance(value, cls)), "case")
    return schemas.ActionResult(kind=kind, id=getattr(value, "id", None),
                                number=value.number if isinstance(value, Document) else None)


def make_route(spec: ActionSpec):  # noqa: ANN201
    def run(case: ValidCaseHead, actor: CaseWorker, session: SessionDep, write: WriteSessionDep, ctx: CtxDep,
            clock: ClockDep, calendar: CalendarDep, evidence: EvidenceStoreDep,
            raw: Annotated[bytes, Depends(raw_body)], if_match: IfMatch = None) -> Response:
        # `case` (id, version) comes from the read session: these checks take no lock; the use case
        # reloads the case under its write lock (FOR UPDATE / BEGIN IMMEDIATE) and checks again
        version = parse_if_match(if_match)
        if case.version != version:
            raise StaleVersion(expected=version, current=case.version)
        authority.require(actor, spec.role_key)
        kwargs = parse_body(spec, raw)
        if kwargs.get("evidence"):
            kwargs["evidence"] = resolve_evidence(evidence, kwargs["evidence"])
        outcome = execute(write, ctx, spec, case.id, version, kwargs)
        read = views.case_read(session, write.get(Case, case.id), actor, clock.now().date(), calendar,
                               result_of(outcome))
        return Response(read.model_dump_json(), media_type="application/json",
                        headers={"ETag": f'"{read.version}"'})

    run.__name__ = f"action_{spec.name}"
    return run


def _register() -> None:
    for spec in ACTIONS.values():
        roles = "、".join(sorted(r.label for r in authority.EVENT_ROLES[spec.role_key]))
        schema = {"$ref": f"#/components/schemas/{spec.body.__name__}"}
        body = {"required": spec.body is not EmptyIn, "content": {"application/json": {"schema": schema}}}
        router.add_api_route(
            f"/{{case_id}}/actions/{spec.name}", make_route(spec), methods=["POST"],
            response_model=schemas.CaseRead,
            summary=spec.label, description=f"{spec.description}\n\n可执行角色：{roles}。须带 If-Match 请求头。",
            openapi_extra={"requestBody": body}, operation_id=f"action_{spec.name}",
            responses=error_responses(401, 403, 404, 409, 422, 428))


_register()
