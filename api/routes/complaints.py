"""Public intake: file a complaint (idempotent, rate-limited) and look up its public status."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from sqlmodel import select

from api import schemas
from api.deps import (
    CalendarDep,
    ClockDep,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
    client_key,
    optional_actor,
)
from api.errors import error_responses
from api.views import public_progress, public_status
from cases import service as case_service
from cases.authority import Actor
from cases.errors import NotFound, ValidationFailed
from cases.models import Case, Complaint

router = APIRouter(prefix="/complaints", tags=["举报投诉（公众）"])

OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


def complaint_rate(request: Request, settings: SettingsDep, actor: OptionalActor) -> Actor | None:
    """Token bucket per client address; signed-in staff are not limited."""
    if actor is None:
        request.app.state.complaint_bucket.take(client_key(request, settings))
    return actor


def status_rate(request: Request, settings: SettingsDep) -> None:
    request.app.state.status_bucket.take(client_key(request, settings))


RateLimitedActor = Annotated[Actor | None, Depends(complaint_rate)]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
    description="幂等键（客户端生成，例如 UUID）：重试时带同一键和同样内容，返回第一次的结果，不会重复登记")]


def _stored_key(key: str, body: schemas.ComplaintCreate) -> str:
    """The key is bound to the content: only an identical retry replays the first answer."""
    return hashlib.sha256(f"{key}\n{body.model_dump_json()}".encode()).hexdigest()


@router.post("", status_code=201, response_model=schemas.ComplaintReceipt, summary="提交举报投诉",
             description="公众无需登录，可匿名；返回查询码。按客户端限制频率（超出返回429）。"
                         "工作人员登录后提交可使用全部来源渠道并填写受理时间。",
             responses=error_responses(404, 422, 429))
def file_complaint(body: schemas.ComplaintCreate, response: Response, session: WriteSessionDep,
                   clock: ClockDep, calendar: CalendarDep, actor: RateLimitedActor,
                   idempotency_key: IdempotencyKey = None) -> schemas.ComplaintReceipt:
    intake_actor = actor or Actor(None, frozenset(), None, body.region_code, "公众")
    ctx = case_service.Ctx(actor=intake_actor, clock=clock, calendar=calendar)
    if body.reference and actor is None:
        raise ValidationFailed("工单号由工作人员登记时填写", code="reference_not_public")
    data = case_service.ComplaintIn(**body.model_dump(exclude={"violation_codes", "reference"}),
                                    violation_codes=tuple(body.violation_codes))
    key = _stored_key(idempotency_key, body) if idempotency_key else staff_reference_key(body.reference)
    result = case_service.receive_complaint(session, ctx, data, idempotency_key=key)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    status, label = public_status(result.case)
    zone = clock.now().tzinfo
    return schemas.ComplaintReceipt(
        tracking_code=result.complaint.tracking_code, status=status, status_label=label,
        received_on=result.complaint.received_at.astimezone(zone).date(),
        case_id=result.case.id if actor else None, merged=result.merged if actor else None)


def staff_reference_key(reference: str) -> str | None:
    """A work order's number keys its complaint as the batch import of the hotline export does
    (`cases.service.intake_batch.row_key`), so a work order entered by hand and imported later is
    registered once."""
    reference = reference.strip()
    return f"import:{reference}" if reference else None


TrackingCode = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{6,16}$", description="提交举报时取得的查询码")]


@router.get("/{tracking_code}/status", response_model=schemas.ComplaintStatus, summary="查询举报办理状态",
            description="只显示公开状态（已受理/处理中/已办结），不显示任何人员或机构信息。",
            dependencies=[Depends(status_rate)], responses=error_responses(404, 422, 429))
def complaint_status(tracking_code: TrackingCode, session: SessionDep,
                     clock: ClockDep) -> schemas.ComplaintStatus:
    row = session.exec(select(Complaint, Case).outerjoin(Case, Case.id == Complaint.case_id)
                       .where(Complaint.tracking_code == tracking_code.upper())).first()
    if row is None:
        raise NotFound("未找到该查询码对应的举报", code="complaint_not_found")
    complaint, case = row
    status, label = public_status(case)
    zone = clock.now().tzinfo
    updated = case.updated_at if case else complaint.received_at
    progress = public_progress(session, case)
    return schemas.ComplaintStatus(tracking_code=complaint.tracking_code, status=status, status_label=label,
                                   received_on=complaint.received_at.astimezone(zone).date(),
                                   updated_on=updated.astimezone(zone).date(),
                                   **{k: v for k, v in progress.items() if k != "penalised"})
