"""`POST /cases/{id}/actions/{action}`: one route per row of the action table (`cases.actions`).

A route only maps HTTP to `cases.service.perform`: the path's case id, the If-Match version, the raw
JSON body. The order of checks is perform's, so a client always hears about the first thing that
is wrong: the caller (401, here), the case in their jurisdiction (404), the version (428 missing,
409 stale, with the current version), role and standing on the case (403), the body (422
`request_invalid`), the references and the guards (422 with the guard's code and reason).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from api import schemas, views
from api.deps import CalendarDep, CaseId, CaseWorker, ClockDep, CtxDep, SessionDep, WriteSessionDep
from api.errors import PreconditionRequired, error_responses
from cases.actions import ROUTED, ActionSpec, EmptyIn
from cases.models import Case, Deadline, Document, Inspection, Penalty, ServiceRecord
from cases.service import Performed, perform

router = APIRouter(prefix="/cases", tags=["办案操作"])

_ETAG = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$')
IfMatch = Annotated[str | None, Header(alias="If-Match", description="必填：案件当前版本号（读取案件时的 ETag 或 "
                                       "version），例如 \"3\"。缺少返回428，已过期返回409并给出当前版本。")]


async def raw_body(request: Request) -> bytes:
    return await request.body()


def parse_if_match(value: str | None) -> int | None:
    """The version in If-Match; None when the header is missing (perform answers 428 after the 404 check)."""
    if value is None or not value.strip():
        return None
    match = _ETAG.match(value)
    if match is None:
        raise PreconditionRequired("If-Match 请求头应为案件版本号，例如 \"3\"", code="if_match_invalid")
    return int(match.group(1))


def result_of(value: object) -> schemas.ActionResult:
    kinds = ((Document, "document"), (Inspection, "inspection"), (Penalty, "penalty"), (Deadline, "deadline"),
             (ServiceRecord, "service"), (Case, "case"))
    kind = next((name for cls, name in kinds if isinstance(value, cls)), "case")
    return schemas.ActionResult(kind=kind, id=getattr(value, "id", None),
                                number=value.number if isinstance(value, Document) else None)


def make_route(spec: ActionSpec) -> Callable[..., Response]:
    def run(case_id: CaseId, actor: CaseWorker, session: SessionDep, write: WriteSessionDep, ctx: CtxDep,
            clock: ClockDep, calendar: CalendarDep, raw: Annotated[bytes, Depends(raw_body)],
            if_match: IfMatch = None) -> Response:
        done: Performed = perform(write, ctx, case_id, spec.action, parse_if_match(if_match), raw)
        read = views.case_read(session, done.case, actor, clock.now().date(), calendar, result_of(done.result))
        return Response(read.model_dump_json(), media_type="application/json",
                        headers={"ETag": f'"{read.version}"'})

    run.__name__ = f"action_{spec.name}"
    return run


def _register() -> None:
    for spec in ROUTED:
        roles = "、".join(sorted(r.label for r in spec.roles))
        schema = {"$ref": f"#/components/schemas/{spec.body.__name__}"}
        body = {"required": spec.body is not EmptyIn, "content": {"application/json": {"schema": schema}}}
        router.add_api_route(
            f"/{{case_id}}/actions/{spec.name}", make_route(spec), methods=["POST"],
            response_model=schemas.CaseRead, summary=spec.label,
            description=f"{spec.description}\n\n可执行角色：{roles}（{spec.standing.label}）。须带 If-Match 请求头。",
            openapi_extra={"requestBody": body}, operation_id=f"action_{spec.name}",
            responses=error_responses(401, 403, 404, 409, 422, 428))


_register()
