"""公众举报: the public complaint form (anonymous allowed, photos) and the status page of a tracking code.

The complaint goes through the API's own intake route function (same model, same rate limit per
client address, same idempotency key, same public channels). Photos are stored write-once in
the evidence store; as the complaint table has no attachment column yet, their SHA-256 are
appended to the complaint text on one marked line, which the case page turns back into photos.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import UploadFile

from api import schemas
from api.deps import CalendarDep, ClockDep, EvidenceStoreDep, SessionDep, SettingsDep, WriteSessionDep
from api.errors import FIELD_MESSAGES, UnsupportedMedia
from api.evidence import sniff
from api.routes.complaints import complaint_rate, complaint_status, file_complaint, status_rate
from api.views import PUBLIC_STAGES
from api.web.deps import FormDep
from api.web.pages.cases import PHOTO_MARK
from api.web.routing import WebRoute
from api.web.templating import page
from cases import queries
from cases.catalogue import load_catalogue
from cases.enums import Channel
from cases.errors import DomainError, NotFound, ValidationFailed

router = APIRouter(route_class=WebRoute)
MAX_PHOTOS = 6
MAX_TEXT = 4000
FIELD_LABELS = {"content": "举报内容", "region_code": "发生地", "reported_name": "机构名称", "reported_address": "地址",
                "complainant_name": "姓名", "complainant_phone": "联系电话", "violation_codes": "问题类型"}
PUBLIC_PROBLEMS = {  # the catalogue's codes in words a parent would use
    "rest_day_training": "周末、节假日或寒暑假给中小学生上学科类课程",
    "late_training": "晚上8点半以后还在上课",
    "disguised_subject_training": "以“托管”“家政”“咨询”等名义变相补课、一对一、住家教师",
    "unapproved_institution": "没有办学许可证擅自办培训班",
    "prepaid_fees": "一次性收费超过3个月或5000元",
    "advanced_training": "超前超标教学",
    "false_advertising": "虚假宣传、违规广告",
    "fire_safety": "消防安全隐患（无安全出口、人员拥挤等）",
}


def _form_context(session: Session, values: dict, errors: dict[str, str], error: str = "") -> dict:
    catalogue = load_catalogue()
    problems = [(code, PUBLIC_PROBLEMS.get(code, v.name)) for code, v in catalogue.violations.items()
                if code in PUBLIC_PROBLEMS]
    names = queries.region_names(session)
    places = [(t.code, f"{names.get(t.parent_code or '', '')} {t.name}".strip()) for t in queries.townships(session)]
    return {"values": values, "errors": errors, "error": error, "problems": problems, "places": places,
            "max_photos": MAX_PHOTOS, "max_text": MAX_TEXT, "key": values.get("key") or secrets.token_urlsafe(18)}


@router.get("/report", summary="公众举报")
def report_form(request: Request, session: SessionDep) -> Response:
    return page(request, "report.html", _form_context(session, {}, {}), public=True)


def _store_photos(store, uploads: list[UploadFile], max_bytes: int) -> list[str]:  # noqa: ANN001
    hashes = []
    for upload in uploads[:MAX_PHOTOS]:
        content = upload.file.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise ValidationFailed(f"每张照片不能超过 {max_bytes // (1024 * 1024)} MB", code="photo_too_large")
        kind = sniff(content)
        if kind is None or not kind[0].startswith("image/"):
            raise UnsupportedMedia("只能上传 JPEG、PNG 或 WebP 格式的照片", code="photo_type")
        hashes.append(store.put(content, content_type=kind[0], ext=kind[1], filename=upload.filename or "").sha256)
    return list(dict.fromkeys(hashes))


@router.post("/report", summary="公众举报")
def report_submit(request: Request, form: FormDep, session: SessionDep, write: WriteSessionDep, clock: ClockDep,
                  calendar: CalendarDep, settings: SettingsDep, store: EvidenceStoreDep) -> Response:
    values = {k: form.get(k) for k in ("region_code", "reported_name", "reported_address", "content",
                                       "complainant_name", "complainant_phone", "key") if isinstance(form.get(k), str)}
    values["violation_codes"] = [v for v in form.getlist("violation_codes") if isinstance(v, str)]
    values["anonymous"] = form.get("anonymous") == "true"
    values["refund_related"] = form.get("refund_related") == "true"
    content = str(values.get("content") or "").strip()
    if len(content) > MAX_TEXT:
        return page(request, "report.html", _form_context(session, values, {"content": f"最多{MAX_TEXT}字"},
                                                          "请检查填写内容。"), status=422, public=True)
    photos = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    try:
        body = schemas.ComplaintCreate(
            channel=Channel.WEB, content=content, region_code=str(values.get("region_code") or ""),
            violation_codes=[c for c in values["violation_codes"] if c in PUBLIC_PROBLEMS],
            reported_name=str(values.get("reported_name") or "").strip(),
            reported_address=str(values.get("reported_address") or "").strip(),
            refund_related=values["refund_related"], anonymous=values["anonymous"],
            complainant_name="" if values["anonymous"] else str(values.get("complainant_name") or "").strip(),
            complainant_phone="" if values["anonymous"] else str(values.get("complainant_phone") or "").strip())
        if len(photos) > MAX_PHOTOS:
            raise ValidationFailed(f"最多上传{MAX_PHOTOS}张照片", code="too_many_photos")
        actor = complaint_rate(request, settings, None)
        hashes = _store_photos(store, photos, settings.evidence_max_bytes)
        if hashes:
            body = body.model_copy(update={"content": f"{body.content}\n\n{PHOTO_MARK}{','.join(hashes)}"})
        key = str(values.get("key") or "")[:100] or None
        receipt = file_complaint(body, Response(), write, clock, calendar, actor, f"web-{key}" if key else None)
    except ValidationError as exc:
        errors = {}
        for err in exc.errors():
            name = str(err["loc"][0]) if err.get("loc") else ""
            errors.setdefault(name, FIELD_MESSAGES.get(err.get("type", ""), "取值不合法"))
        if "region_code" in errors:
            errors["region_code"] = "请选择发生地"
        if "content" in errors:
            errors["content"] = "请填写举报内容"
        message = "请检查：" + "；".join(f"{FIELD_LABELS.get(k, k)}{v}" for k, v in errors.items())
        return page(request, "report.html", _form_context(session, values, errors, message), status=422, public=True)
    except DomainError as exc:
        write.rollback()
        from api.errors import status_of

        return page(request, "report.html", _form_context(session, values, {}, exc.message),
                    status=status_of(exc), public=True)
    return RedirectResponse(f"/track/{receipt.tracking_code}?new=1", status_code=303)


@router.get("/track", summary="查询举报进度")
def track_form(request: Request, code: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    if code and code.strip():
        cleaned = "".join(ch for ch in code if ch.isalnum())[:16].upper()
        return RedirectResponse(f"/track/{cleaned or '0'}", status_code=303)
    return page(request, "track.html", {"status": None, "code": "", "error": "", "new": False,
                                        "stages": PUBLIC_STAGES}, public=True)


@router.get("/track/{code}", summary="举报办理状态")
def track(request: Request, code: Annotated[str, Path(max_length=32)], session: SessionDep, clock: ClockDep,
          settings: SettingsDep, new: Annotated[int | None, Query()] = None) -> Response:
    ctx = {"status": None, "code": code, "error": "", "new": bool(new), "stages": PUBLIC_STAGES}
    try:
        status_rate(request, settings)
        if not (6 <= len(code) <= 16 and code.isascii() and code.isalnum()):
            raise NotFound("查询码格式不正确（6至16位字母或数字）", code="complaint_not_found")
        ctx["status"] = complaint_status(code, session, clock)
    except NotFound:
        ctx["error"] = "未找到该查询码对应的举报，请核对后重新输入。"
        return page(request, "track.html", ctx, status=404, public=True)
    except DomainError as exc:
        from api.errors import status_of

        ctx["error"] = exc.message
        return page(request, "track.html", ctx, status=status_of(exc), public=True)
    return page(request, "track.html", ctx, public=True)
