"""Case reads: the filtered list, the detail (with logged complainant reveals), documents, evidence."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlmodel import Session, select
from starlette.datastructures import UploadFile as StarletteUpload

from api import schemas, views
from api.deps import (
    CalendarDep,
    CaseWorker,
    ClockDep,
    CtxDep,
    DocumentStoreDep,
    EvidenceStoreDep,
    ScopeDep,
    SessionDep,
    SettingsDep,
    ValidCase,
    WriteSessionDep,
    require_roles,
)
from api.errors import PayloadTooLarge, UnsupportedMedia, error_responses
from api.evidence import EvidenceRef, EvidenceStore, sniff
from api.provenance import (
    Provenance,
    client_provenance,
    sniff_video,
    verify_sha256,
    with_capture_time,
)
from api.settings import ApiSettings
from cases import queries
from cases.actions import ACTIONS, Action
from cases.authority import Actor
from cases.enums import CaseStatus
from cases.errors import NotFound, ValidationFailed
from cases.fields import MAX_INT, Day
from cases.models import Case, CaseEvidence, Complaint, key
from cases.ports import Clock, DocumentStore
from cases.service import Ctx, perform
from cases.service.disclosure import log_reveal
from cases.service.dossier import StoredDossier, dossier_material, store_dossier
from documents.dossier import build_dossier

router = APIRouter(prefix="/cases", tags=["案件"])
CASE_ERRORS = error_responses(401, 403, 404, 422)


def _local_midnight(day: date, zone) -> datetime:  # noqa: ANN001
    return datetime.combine(day, time(), zone)


@router.get("", response_model=schemas.CasePage, summary="案件列表", responses=error_responses(401, 403, 422),
            description="只列出您辖区内的案件，按受理时间倒序，分页。")
def list_cases(
    actor: CaseWorker, session: SessionDep, regions: ScopeDep, clock: ClockDep, calendar: CalendarDep,
    state: Annotated[CaseStatus | None, Query(description="案件状态")] = None,
    overdue: Annotated[bool | None, Query(description="true 只看有逾期环节的；false 只看没有逾期的")] = None,
    due_within_days: Annotated[int | None, Query(ge=0, le=366, description="有环节在今后 N 个自然日内到期")] = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6,12}$", description="行政区划代码（含下级）")] = None,
    department: Annotated[int | None, Query(ge=1, le=MAX_INT, description="主办部门编号")] = None,
    institution: Annotated[int | None, Query(ge=1, le=MAX_INT, description="机构编号")] = None,
    assignee: Annotated[int | None, Query(ge=1, le=MAX_INT, description="承办人编号")] = None,
    received_from: Annotated[Day | None, Query(description="受理日期起（含）")] = None,
    received_to: Annotated[Day | None, Query(description="受理日期止（含）")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="每页条数")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="跳过条数")] = 0,
    after: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9T:.Z\-]+_[0-9]{1,12}$",
                                       description="翻页游标：上一页返回的 next_after（给出时忽略 offset）")] = None,
) -> schemas.CasePage:
    now = clock.now()
    f = queries.CaseFilter(
        regions=regions, today=now.date(), state=state, overdue=overdue, due_within_days=due_within_days,
        region=region, department_id=department, institution_id=institution, assignee_id=assignee,
        received_from=_local_midnight(received_from, now.tzinfo) if received_from else None,
        received_before=_local_midnight(received_to + timedelta(days=1), now.tzinfo) if received_to else None)
    found = queries.list_cases_page(session, f, limit=limit, offset=offset, after=_cursor(after))
    cursor = None
    if found.next_after:  # UTC with "Z": nothing to escape in a query string
        cursor = f"{found.next_after[0].astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}_{found.next_after[1]}"
    return schemas.CasePage(items=[views.case_summary(r, f.today, calendar) for r in found.rows], total=found.total,
                            total_exact=found.total_exact, limit=limit, offset=0 if after else offset,
                            next_after=cursor)


def _cursor(after: str | None) -> tuple[datetime, int] | None:
    if after is None:
        return None
    moment, _, case_id = after.rpartition("_")
    try:
        at = datetime.fromisoformat(moment)
    except ValueError:
        raise ValidationFailed("翻页游标无效，请从第一页重新翻页", code="cursor_invalid") from None
    if at.tzinfo is None:
        raise ValidationFailed("翻页游标无效，请从第一页重新翻页", code="cursor_invalid")
    return at, int(case_id)


@router.get("/{case_id}", response_model=schemas.CaseDetail, summary="案件详情", responses=CASE_ERRORS,
            description="状态、版本号（ETag）、可执行操作、期限（含剩余工作日）、办案经过和举报线索。"
                        "举报人身份默认脱敏；reveal=true 且角色允许时显示，并记入审计日志。")
def read_case(case: ValidCase, actor: CaseWorker, session: SessionDep, write: WriteSessionDep,
              clock: ClockDep, calendar: CalendarDep, response: Response,
              reveal: Annotated[bool, Query(description="显示举报人身份（仅科长、法制审核；每次记入审计日志）")]
              = False) -> schemas.CaseDetail:
    complaints = list(session.exec(select(Complaint).where(Complaint.case_id == case.id)
                                   .order_by(Complaint.received_at)).all())
    identified = [c.id for c in complaints if c.complainant_name or c.complainant_phone]
    if reveal:
        log_reveal(write, case.id, actor, clock.now(), identified)
    response.headers["ETag"] = f'"{case.version}"'
    return views.case_detail(session, case, actor, clock.now().date(), calendar, complaints=complaints,
                             reveal=reveal)


@router.get("/{case_id}/documents", response_model=list[schemas.DocumentOut], summary="案件文书",
            description="本案已制作的文书（编号、类型、SHA-256、送达日期）；PDF 见 pdf_url。", responses=CASE_ERRORS)
def case_documents(case: ValidCase, session: SessionDep) -> list[schemas.DocumentOut]:
    return views.case_documents(session, case.id)


FieldWorker = Annotated[Actor, Depends(require_roles(*ACTIONS[Action.UPLOAD_EVIDENCE].roles))]


def store_evidence(store: EvidenceStore, settings: ApiSettings, file: StarletteUpload,
                   claimed_sha256: str | None = None) -> EvidenceRef:
    """The uploaded bytes, bounded, checked against the hash the device computed, typed by their
    content, stored write-once — as received, byte for byte (EXIF and all)."""
    content = file.file.read(settings.evidence_max_bytes + 1)
    if len(content) > settings.evidence_max_bytes:
        raise PayloadTooLarge(f"证据文件不能超过 {settings.evidence_max_bytes // (1024 * 1024)} MB",
                              max_bytes=settings.evidence_max_bytes)
    if not content:
        raise ValidationFailed("文件为空", code="empty_file")
    verify_sha256(claimed_sha256, hashlib.sha256(content).hexdigest())
    kind = sniff(content)
    if kind is None:
        if sniff_video(content[:16]) is not None:
            raise UnsupportedMedia("视频请用分段续传上传（POST /api/v1/uploads，tus 协议）", code="evidence_video_tus")
        raise UnsupportedMedia("只接受 JPEG、PNG、WebP 图片或 PDF 文件（按文件内容识别）", code="evidence_type")
    return store.put(content, content_type=kind[0], ext=kind[1], filename=file.filename or "")


def attach_evidence(write: Session, ctx: Ctx, case_id: int, ref: EvidenceRef,
                    provenance: Provenance | None = None) -> None:
    """The stored file becomes the case's evidence (an event in its hash chain) through `perform`."""
    captured = datetime.fromisoformat(ref.captured_at) if ref.captured_at else None
    found = with_capture_time(provenance or Provenance(), captured, ref.capture_source)
    perform(write, ctx, case_id, Action.UPLOAD_EVIDENCE, None,
            {"sha256": ref.sha256, "filename": ref.filename, "content_type": ref.content_type, "size": ref.size,
             "path": ref.path, **found.fields()})


@router.post("/{case_id}/evidence", status_code=201, response_model=schemas.EvidenceOut, summary="上传检查证据",
             description="照片（JPEG/PNG/WebP）或 PDF，不超过 10 MB，原样存档（不压缩，EXIF 保留）；"
                         "按文件内容识别类型，计算 SHA-256（sha256 字段为手机计算的值时须一致，"
                         "否则422 evidence_hash_mismatch，不存档），"
                         "只写一次存档，并记入本案办案经过：上传人、服务器接收时间、SHA-256、文件自带的拍摄时间、"
                         "设备时间（device_time）和经本人同意的位置（latitude、longitude、accuracy）。"
                         "视频用分段续传接口 /api/v1/uploads（tus 协议）。本案执法小组成员或科长上传；"
                         "在现场检查（record_inspection）的 evidence 中引用返回的 sha256。",
             responses=error_responses(401, 403, 404, 409, 413, 415, 422))
def upload_evidence(actor: FieldWorker, case: ValidCase, store: EvidenceStoreDep, settings: SettingsDep,
                    write: WriteSessionDep, ctx: CtxDep,
                    file: Annotated[UploadFile, File(description="证据文件")],
                    sha256: Annotated[str | None, Form(max_length=64, description="手机计算的 SHA-256")] = None,
                    device_time: Annotated[str | None, Form(max_length=40, description="设备时间（带时区）")] = None,
                    latitude: Annotated[str | None, Form(max_length=32, description="纬度（WGS-84）")] = None,
                    longitude: Annotated[str | None, Form(max_length=32, description="经度（WGS-84）")] = None,
                    accuracy: Annotated[str | None, Form(max_length=32, description="定位精度（米）")] = None,
                    ) -> schemas.EvidenceOut:
    provenance = client_provenance({"device_time": device_time, "latitude": latitude, "longitude": longitude,
                                    "accuracy": accuracy})
    ref = store_evidence(store, settings, file, sha256)
    attach_evidence(write, ctx, case.id, ref, provenance)
    return schemas.EvidenceOut(sha256=ref.sha256, content_type=ref.content_type, size=ref.size,
                               filename=ref.filename)


@router.post("/{case_id}/documents/{document_id}/signed-receipt", status_code=201, response_model=schemas.EvidenceOut,
             summary="上传签收的送达回证",
             description="已登记送达的文书（或其送达回证）的签收件：照片（JPEG/PNG/WebP）或扫描 PDF，不超过 10 MB；"
                         "存为本案证据并与送达记录关联，只写一次（已上传的不能替换），记入本案办案经过。",
             responses=error_responses(401, 403, 404, 409, 413, 415, 422))
def upload_signed_receipt(actor: FieldWorker, case: ValidCase, store: EvidenceStoreDep, settings: SettingsDep,
                          write: WriteSessionDep, ctx: CtxDep, document_id: Annotated[int, Path(ge=1, le=MAX_INT)],
                          file: Annotated[UploadFile, File(description="签收的送达回证")]) -> schemas.EvidenceOut:
    ref = store_signed_receipt(write, ctx, key(case), document_id, store, settings, file)
    return schemas.EvidenceOut(sha256=ref.sha256, content_type=ref.content_type, size=ref.size,
                               filename=ref.filename)


def store_signed_receipt(write: Session, ctx: Ctx, case_id: int, document_id: int, store: EvidenceStore,
                         settings: ApiSettings, file: StarletteUpload) -> EvidenceRef:
    """The file stored write-once, then made the case's evidence and filed with the service record (one commit)."""
    ref = store_evidence(store, settings, file)
    perform(write, ctx, case_id, Action.ATTACH_SIGNED_RECEIPT, None,
            {"document_id": document_id, "sha256": ref.sha256, "filename": ref.filename,
             "content_type": ref.content_type, "size": ref.size, "path": ref.path})
    return ref


def case_dossier(session: Session, case: Case, documents: DocumentStore, evidence: EvidenceStore,
                 clock: Clock) -> StoredDossier:
    """The 案卷 of the case bound from its stored PDFs and evidence, hashed and kept in the store."""
    cover, items = dossier_material(session, case.case_number, store=documents, evidence_root=evidence.root,
                                    zone=clock.now().tzinfo, today=clock.now().date())
    return store_dossier(documents, case.case_number, build_dossier(cover, items), len(items))


@router.get("/{case_id}/dossier", summary="案卷（组卷 PDF）", response_class=Response,
            description="按案卷评查的要求组卷：卷宗封面、卷内目录（页号）、按法定顺序排列的存档文书原件及其证据、"
                        "备考表；由存档 PDF 合成，不重新生成文书。响应头 X-Content-SHA256 为案卷的 SHA-256。",
            responses={200: {"content": {"application/pdf": {}}, "description": "案卷 PDF"}, **CASE_ERRORS})
def download_dossier(actor: CaseWorker, case: ValidCase, session: SessionDep, documents: DocumentStoreDep,
                     evidence: EvidenceStoreDep, clock: ClockDep) -> Response:
    bound = case_dossier(session, case, documents, evidence, clock)
    return dossier_response(bound)


def dossier_response(bound: StoredDossier) -> Response:
    safe = "".join(c if c.isascii() and c.isalnum() else "-" for c in bound.case_number)
    name = quote(f"{bound.case_number} 案卷.pdf")
    return Response(bound.content, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"dossier-{safe}.pdf\"; filename*=UTF-8''{name}",
        "X-Content-SHA256": bound.sha256, "Cache-Control": "no-store"})


@router.get("/{case_id}/evidence/{sha256}", summary="下载检查证据", response_class=Response,
            responses={200: {"content": {t: {} for t in ("image/jpeg", "image/png", "image/webp",
                                                         "application/pdf", "video/mp4", "video/quicktime",
                                                         "video/x-msvideo")}, "description": "证据文件"},
                       **CASE_ERRORS})
def download_evidence(case: ValidCase, session: SessionDep, store: EvidenceStoreDep,
                      sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]) -> Response:
    attached = session.exec(select(CaseEvidence.id).where(CaseEvidence.case_id == case.id,
                                                          CaseEvidence.sha256 == sha256)).first()
    ref = store.describe(sha256) if attached else None
    if ref is None:
        raise NotFound("本案没有该证据", code="evidence_not_found")
    headers = {"ETag": f'"{sha256}"', "Cache-Control": "private, max-age=86400"}
    if ref.size > STREAM_FROM:  # a video: verified piece by piece, then sent from disk (never whole in memory)
        return FileResponse(store.verified_path(ref), media_type=ref.content_type, headers=headers)
    return Response(store.read(ref), media_type=ref.content_type, headers=headers)


STREAM_FROM = 16 * 1024 * 1024
