"""系统管理 (administrators): departments and the region tree with the contact and remedies printed
on documents, officers (执法证号 and validity, roles, active, password reset, deactivation which ends
their sessions), year calendars (upload, preview the deadlines it changes, confirm), the violation
catalogue (read-only), seal image and signing certificate, message channels with the delivery log,
and the audit view (reveals of complainant identity, staff and role changes) with its export.

Every change reuses the staff API's handlers (`api/routes/staff.py`), so the page and the API write
the same staff audit rows, end the same sessions and apply the same checks.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from api.deps import CalendarDep, ClockDep, SessionDep, WriteSessionDep
from api.routes import staff
from api.schemas_admin import DepartmentPatch, OfficerIn, OfficerPatch, PasswordIn
from api.web.deps import FormDep, UserDep, WebUser, require
from api.web.routing import WebRoute
from api.web.templating import page
from api.web.xlsx import xlsx_response
from cases import calendar_files, messages, queries, repository
from cases.catalogue import load_catalogue
from cases.enums import CaseEventType, PenaltyType, Role
from cases.errors import DomainError, InputInvalid, ValidationFailed
from cases.fields import MAX_INT
from cases.models import Case, CaseEvent, Department, MessageChannel, Officer, Region, StaffAudit, key
from cases.settings import get_calendar, get_settings

router = APIRouter(route_class=WebRoute)
Id = Annotated[int, Path(ge=1, le=MAX_INT)]
ROLE_CHOICES = [Role.OFFICER, Role.SUPERVISOR, Role.LEGAL, Role.ADMIN]
AUDIT_ACTIONS = {
    "officer_created": "新增人员",
    "officer_updated": "修改人员（角色、执法证、启用/停用）",
    "password_reset": "重置密码",
    "login_unlocked": "解除登录限制",
    "department_created": "新增部门",
    "department_updated": "修改部门",
    "seal_uploaded": "上传印章图片",
    "certificate_uploaded": "上传签名证书",
    "calendar_loaded": "载入年度节假日表",
    "channel_added": "新增消息渠道",
    "channel_updated": "修改消息渠道",
}


def _admin(user: WebUser) -> None:
    require(user, Role.ADMIN)


def _text(form: Any, name: str) -> str:
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""


def _invalid(exc: ValidationError) -> ValidationFailed:
    from api.errors import FIELD_MESSAGES

    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{FIELD_LABELS.get(where, where)}：{FIELD_MESSAGES.get(err.get('type', ''), '取值不合法')}")
    return ValidationFailed("；".join(parts) or "填写有误", code="request_invalid")


FIELD_LABELS = {"username": "用户名", "name": "姓名", "department_id": "部门", "roles": "角色", "badge_no": "执法证号",
                "badge_valid_until": "执法证有效期", "phone": "电话", "password": "密码", "address": "地址",
                "review_body": "行政复议机关", "court": "人民法院", "doc_code": "机关代字", "contact": "联系人",
                "bank": "罚款缴纳银行"}


@router.get("/admin", summary="系统管理")
def admin_home(request: Request, user: UserDep) -> Response:
    _admin(user)
    return RedirectResponse("/admin/officers", status_code=303)


def _tabs(active: str) -> list[dict[str, Any]]:
    items = [("/admin/officers", "人员"), ("/admin/departments", "部门与辖区"), ("/admin/calendar", "年度日历"),
             ("/admin/catalogue", "违法行为目录"), ("/admin/seals", "印章与证书"), ("/admin/channels", "消息渠道"),
             ("/admin/audit", "审计")]
    return [{"href": h, "label": label, "current": h == active} for h, label in items]


# --- officers -----------------------------------------------------------------------------------


@router.get("/admin/officers", summary="人员管理")
def officers_page(request: Request, user: UserDep, session: SessionDep, clock: ClockDep,
                  department: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
                  edit: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
                  done: Annotated[str | None, Query(max_length=24)] = None) -> Response:
    _admin(user)
    return _officers(request, user, session, clock, department=department, edit=edit, done=done)


def _officers(request: Request, user: WebUser, session: Any, clock: Any, *, department: int | None = None,
              edit: int | None = None, done: str | None = None, error: str = "", values: dict[str, str] | None = None,
              status: int = 200) -> Response:
    regions = repository.subtree_codes(session, user.actor.region_code)
    today = clock.now().date()
    rows = queries.officers(session, regions, department_id=department)
    editing = next(((o, d) for o, d in rows if o.id == edit), None) if edit else None
    return page(request, "admin_officers.html", {
        "tabs": _tabs("/admin/officers"), "rows": rows, "today": today, "departments": queries.departments(
            session, regions), "department": department, "editing": editing, "roles": ROLE_CHOICES,
        "done": done, "error": error, "values": values or {}}, user=user, status=status)


def _roles(form: Any) -> list[str]:
    return [r for r in form.getlist("roles") if isinstance(r, str) and r in Role._value2member_map_]


@router.post("/admin/officers", summary="新增人员")
def create_officer(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
                   clock: ClockDep) -> Response:
    _admin(user)
    values = {k: _text(form, k) for k in ("username", "name", "department_id", "badge_no", "badge_valid_until",
                                          "phone", "password")}
    try:
        try:
            body = OfficerIn(**{**values, "roles": _roles(form), "badge_no": values["badge_no"] or None,
                                "badge_valid_until": values["badge_valid_until"] or None})
        except ValidationError as exc:
            raise _invalid(exc) from None
        staff.create_officer(body, user.actor, write, clock)
    except DomainError as exc:
        write.rollback()
        values.pop("password", None)
        return _officers(request, user, session, clock, error=exc.message, values=values, status=422)
    return RedirectResponse("/admin/officers?done=created", status_code=303)


def _officer_row(session: Any, user: WebUser, officer_id: int) -> tuple[Officer, Department]:
    return staff.valid_officer(officer_id, session, user.actor)


@router.post("/admin/officers/{officer_id}", summary="修改人员")
def update_officer(request: Request, officer_id: Id, form: FormDep, user: UserDep, session: SessionDep,
                   write: WriteSessionDep, clock: ClockDep) -> Response:
    _admin(user)
    row = _officer_row(session, user, officer_id)
    action = _text(form, "do")
    try:
        if action == "password":
            try:
                body = PasswordIn(password=_text(form, "password"))
            except ValidationError as exc:
                raise _invalid(exc) from None
            staff.reset_password(user.actor, row, body, write, clock, request)
            done = "password"
        else:
            if action == "deactivate":
                patch = OfficerPatch(active=False)
            elif action == "activate":
                patch = OfficerPatch(active=True)
            else:
                try:
                    patch = OfficerPatch(name=_text(form, "name") or None, roles=_roles(form) or None,
                                         badge_no=_text(form, "badge_no") or None,
                                         badge_valid_until=_text(form, "badge_valid_until") or None,
                                         phone=_text(form, "phone"),
                                         department_id=int(_text(form, "department_id"))
                                         if _text(form, "department_id").isdigit() else None)
                except (ValidationError, ValueError) as exc:
                    raise _invalid(exc) if isinstance(exc, ValidationError) else InputInvalid([]) from None
            staff.update_officer(user.actor, row, patch, write, clock, request)
            done = action or "updated"
    except DomainError as exc:
        write.rollback()
        return _officers(request, user, session, clock, edit=officer_id, error=exc.message, status=422)
    return RedirectResponse(f"/admin/officers?{urlencode({'done': done})}", status_code=303)


# --- departments and the region tree ----------------------------------------------------------


@router.get("/admin/departments", summary="部门与辖区")
def departments_page(request: Request, user: UserDep, session: SessionDep,
                     done: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    _admin(user)
    return _departments(request, user, session, done=done)


def _departments(request: Request, user: WebUser, session: Any, *, done: str | None = None, error: str = "",
                 status: int = 200) -> Response:
    regions = repository.subtree_codes(session, user.actor.region_code)
    rows = list(session.exec(select(Region).where(col(Region.code).in_(list(regions)))
                             .order_by(col(Region.code))).all())
    depts = queries.departments(session, regions)
    by_region: dict[str, list[Department]] = {}
    for d in depts:
        by_region.setdefault(d.region_code, []).append(d)
    children: dict[str | None, list[Region]] = {}
    for r in rows:
        parent = r.parent_code if r.parent_code in regions else None
        children.setdefault(parent, []).append(r)
    tree: list[tuple[int, Region]] = []

    def walk(parent: str | None, depth: int) -> None:
        for r in children.get(parent, []):
            tree.append((depth, r))
            walk(r.code, depth + 1)

    walk(None, 0)
    return page(request, "admin_departments.html", {"tabs": _tabs("/admin/departments"), "tree": tree,
                                                    "by_region": by_region, "departments": depts, "done": done,
                                                    "error": error}, user=user, status=status)


@router.post("/admin/departments/{department_id}", summary="修改部门的文书信息")
def update_department(request: Request, department_id: Id, form: FormDep, user: UserDep, session: SessionDep,
                      write: WriteSessionDep, clock: ClockDep) -> Response:
    _admin(user)
    dept = staff.valid_department(department_id, session, user.actor)
    try:
        try:
            body = DepartmentPatch(**{k: _text(form, k) for k in ("address", "phone", "review_body", "court",
                                                                  "contact", "bank")})
        except ValidationError as exc:
            raise _invalid(exc) from None
        staff.update_department(user.actor, dept, body, write, clock)
    except DomainError as exc:
        write.rollback()
        return _departments(request, user, session, error=exc.message, status=422)
    return RedirectResponse("/admin/departments?done=saved", status_code=303)


# --- year calendars -------------------------------------------------------------------------------


@router.get("/admin/calendar", summary="年度日历")
def calendar_page(request: Request, user: UserDep, calendar: CalendarDep,
                  done: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    _admin(user)
    return _calendar(request, user, calendar, done=done)


def _calendar(request: Request, user: WebUser, calendar: Any, **extra: Any) -> Response:
    years = [(y, calendar.table(y).source) for y in sorted(calendar.known_years)]
    ctx = {"tabs": _tabs("/admin/calendar"), "years": years, "done": None, "error": "", "preview": None, **extra}
    return page(request, "admin_calendar.html", ctx, user=user, status=422 if ctx["error"] else 200)


async def _upload(form: Any, name: str, limit: int) -> tuple[bytes, str]:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed("请选择要上传的文件", code="file_required")
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed(f"文件过大（不超过{limit // 1024}KB）", code="file_too_large")
    return content, upload.filename


@router.post("/admin/calendar", summary="上传年度节假日表（预览）")
async def calendar_preview(request: Request, form: FormDep, user: UserDep, session: SessionDep,
                           calendar: CalendarDep) -> Response:
    _admin(user)
    from cases.service.clocks import preview_provisional_deadlines

    try:
        content, name = await _upload(form, "file", calendar_files.MAX_TABLE_BYTES)
        table = calendar_files.parse_upload(content, name)
    except DomainError as exc:
        return _calendar(request, user, calendar, error=exc.message)
    settings = get_settings()
    where = calendar_files.existing(table.year, settings.calendar_dir, settings.resolved_home / "calendar")
    changes = preview_provisional_deadlines(session, calendar=calendar_files.with_table(calendar, table))
    numbers = dict(session.exec(select(Case.id, Case.case_number)
                                .where(col(Case.id).in_([c.case_id for c in changes]))).all()) if changes else {}
    return _calendar(request, user, calendar, preview={
        "table": table, "where": where, "changes": changes, "numbers": numbers, "filename": name,
        "content": base64.b64encode(content).decode()})


@router.post("/admin/calendar/confirm", summary="确认载入年度节假日表")
def calendar_confirm(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
                     clock: ClockDep, calendar: CalendarDep) -> Response:
    _admin(user)
    from cases import service as case_service
    from cases.staff_audit import record

    try:
        try:
            content = base64.b64decode(_text(form, "content"), validate=True)
        except ValueError:
            raise ValidationFailed("上传内容已损坏，请重新上传", code="calendar_table_invalid") from None
        table = calendar_files.parse_upload(content, _text(form, "filename") or "日历表")
        settings = get_settings()
        target = calendar_files.install(content, table, settings.resolved_home / "calendar",
                                        replace=_text(form, "replace") == "1", calendar_dir=settings.calendar_dir)
    except DomainError as exc:
        return _calendar(request, user, calendar, error=exc.message)
    get_calendar.cache_clear()
    fresh = get_calendar()
    changed = case_service.recompute_provisional_deadlines(write, calendar=fresh, clock=clock)
    record(write, at=clock.now(), actor_id=user.actor.officer_id, actor_name=user.actor.name,
           action="calendar_loaded", target_kind="calendar", target_id=table.year, target_label=str(target.name),
           changes={"year": table.year, "source": table.source.title, "recomputed": changed})
    write.commit()
    return RedirectResponse(f"/admin/calendar?{urlencode({'done': f'{table.year}:{changed}'})}", status_code=303)


# --- the violation catalogue (read-only) ---------------------------------------------------------


@router.get("/admin/catalogue", summary="违法行为目录")
def catalogue_page(request: Request, user: UserDep) -> Response:
    require(user, Role.ADMIN, Role.LEGAL, Role.SUPERVISOR)
    cat = load_catalogue()
    rows = []
    for v in cat.violations.values():
        norm = cat.norms.get(v.norm)
        tiers = []
        if norm is not None:
            for gravity, tier in norm.tiers.items():
                tiers.append({"gravity": gravity.label, "allowed": "、".join(PenaltyType(t).label
                                                                           for t in sorted(tier.allowed)),
                              "fine": _band(tier)})
        rows.append({"v": v, "norm": norm, "tiers": tiers})
    return page(request, "admin_catalogue.html", {"tabs": _tabs("/admin/catalogue"), "rows": rows,
                                                  "admin": user.has(Role.ADMIN)}, user=user)


def _band(tier: Any) -> str:
    if tier.fine_min_yuan is not None or tier.fine_max_yuan is not None:
        lo, hi = tier.fine_min_yuan or 0, tier.fine_max_yuan
        return f"罚款{lo:,}元至{hi:,}元" if hi is not None else f"罚款{lo:,}元以上"
    if tier.fine_multiple_min is not None or tier.fine_multiple_max is not None:
        return f"违法所得{tier.fine_multiple_min or 0}至{tier.fine_multiple_max or ''}倍罚款"
    return ""


# --- seal image and signing certificate ----------------------------------------------------------


@router.get("/admin/seals", summary="印章与证书")
def seals_page(request: Request, user: UserDep, session: SessionDep,
               done: Annotated[str | None, Query(max_length=24)] = None) -> Response:
    _admin(user)
    return _seals(request, user, session, done=done)


def _seals(request: Request, user: WebUser, session: Any, *, done: str | None = None, error: str = "") -> Response:
    from documents.seals import certificate_path, seal_image_path

    regions = repository.subtree_codes(session, user.actor.region_code)
    depts = [{"d": d, "seal": seal_image_path(d.id) is not None, "cert": certificate_path(d.id) is not None}
             for d in queries.departments(session, regions)]
    return page(request, "admin_seals.html", {"tabs": _tabs("/admin/seals"), "depts": depts, "done": done,
                                              "error": error}, user=user, status=422 if error else 200)


@router.post("/admin/seals/{department_id}", summary="上传印章图片或签名证书")
async def upload_seal(request: Request, department_id: Id, form: FormDep, user: UserDep, session: SessionDep,
                      write: WriteSessionDep, clock: ClockDep) -> Response:
    _admin(user)
    from cases.staff_audit import record
    from documents.seals import MAX_CERTIFICATE_BYTES, MAX_SEAL_BYTES, store_certificate, store_seal_image

    dept = staff.valid_department(department_id, session, user.actor)
    kind = _text(form, "kind")
    try:
        if kind == "seal":
            content, _ = await _upload(form, "file", MAX_SEAL_BYTES)
            store_seal_image(dept.id or 0, content)
            action = "seal_uploaded"
        elif kind == "certificate":
            content, _ = await _upload(form, "file", MAX_CERTIFICATE_BYTES)
            _path, subject = store_certificate(dept.id or 0, content, _text(form, "password") or None)
            action = "certificate_uploaded"
        else:
            raise ValidationFailed("请选择上传印章图片还是签名证书", code="kind_required")
    except DomainError as exc:
        return _seals(request, user, session, error=exc.message)
    record(write, at=clock.now(), actor_id=user.actor.officer_id, actor_name=user.actor.name, action=action,
           target_kind="department", target_id=dept.id, target_label=dept.name, changes={"bytes": len(content)})
    write.commit()
    return RedirectResponse(f"/admin/seals?done={kind}", status_code=303)


# --- message channels and the delivery log ---------------------------------------------------------


@router.get("/admin/channels", summary="消息渠道")
def channels_page(request: Request, user: UserDep, session: SessionDep,
                  done: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    _admin(user)
    return _channels(request, user, session, done=done)


def _channels(request: Request, user: WebUser, session: Any, *, done: str | None = None,
              error: str = "") -> Response:
    regions = repository.subtree_codes(session, user.actor.region_code)
    depts = queries.departments(session, regions)
    ids = [d.id for d in depts if d.id is not None]
    channels = list(session.exec(select(MessageChannel).where(col(MessageChannel.department_id).in_(ids))
                                 .order_by(col(MessageChannel.department_id), col(MessageChannel.id))).all())
    names = {d.id: d.name for d in depts}
    return page(request, "admin_channels.html", {
        "tabs": _tabs("/admin/channels"), "channels": channels, "names": names, "departments": depts,
        "kinds": list(messages.ChannelKind), "log": messages.delivery_log(session, ids, limit=50),
        "kind_label": lambda k: messages.ChannelKind(k).label if k in messages.ChannelKind._value2member_map_ else k,
        "topic_label": lambda t: messages.Topic(t).label if t in messages.Topic._value2member_map_ else t,
        "done": done, "error": error}, user=user, status=422 if error else 200)


@router.post("/admin/channels", summary="新增消息渠道")
def add_channel(request: Request, form: FormDep, user: UserDep, session: SessionDep, write: WriteSessionDep,
                clock: ClockDep) -> Response:
    _admin(user)
    from cases.staff_audit import record

    try:
        raw = _text(form, "department_id")
        if not raw.isdigit() or len(raw) > 9:
            raise ValidationFailed("请选择部门", code="department_required")
        dept = staff.valid_department(int(raw), session, user.actor)
        kind = _text(form, "kind")
        if kind not in messages.ChannelKind._value2member_map_:
            raise ValidationFailed("请选择渠道类型", code="kind_required")
        url = _text(form, "url")
        if not url.startswith(("https://", "http://")) or len(url) > 512:
            raise ValidationFailed("请填写以 https:// 开头的接口地址（不超过512个字符）", code="url_invalid")
        phones = [p.strip() for p in _text(form, "recipients").replace("，", ",").split(",") if p.strip()]
        if kind == "sms" and (not phones or not all(p.isdigit() and len(p) == 11 for p in phones)):
            raise ValidationFailed("短信渠道须填写接收号码（11位手机号，用逗号分隔）", code="recipients_invalid")
        secret = _text(form, "secret")[:128]
        channel = MessageChannel(department_id=key(dept), kind=kind, url=url, secret=secret,
                                 recipients=phones if kind == "sms" else [])
        write.add(channel)
        record(write, at=clock.now(), actor_id=user.actor.officer_id, actor_name=user.actor.name,
               action="channel_added", target_kind="department", target_id=dept.id, target_label=dept.name,
               changes={"kind": kind, "url": url.split("?")[0], "recipients": len(phones)})
        write.commit()
    except DomainError as exc:
        write.rollback()
        return _channels(request, user, session, error=exc.message)
    return RedirectResponse("/admin/channels?done=added", status_code=303)


@router.post("/admin/channels/{channel_id}", summary="停用或启用消息渠道")
def toggle_channel(request: Request, channel_id: Id, form: FormDep, user: UserDep, session: SessionDep,
                   write: WriteSessionDep, clock: ClockDep) -> Response:
    _admin(user)
    from cases.staff_audit import record

    channel = write.get(MessageChannel, channel_id)
    if channel is None:
        return _channels(request, user, session, error="消息渠道不存在")
    dept = staff.valid_department(channel.department_id, session, user.actor)
    channel.active = _text(form, "active") == "1"
    write.add(channel)
    record(write, at=clock.now(), actor_id=user.actor.officer_id, actor_name=user.actor.name,
           action="channel_updated", target_kind="department", target_id=dept.id, target_label=dept.name,
           changes={"channel": channel_id, "active": channel.active})
    write.commit()
    return RedirectResponse("/admin/channels?done=saved", status_code=303)


# --- audit view --------------------------------------------------------------------------------


def _audit_rows(session: Any, user: WebUser, *, kind: str, start: date | None, end: date | None,
                who: str, limit: int = 500) -> list[dict[str, Any]]:
    zone = ZoneInfo(get_settings().timezone)
    lo = datetime.combine(start, time(), zone).astimezone(UTC) if start else None
    hi = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC) if end else None
    out: list[dict[str, Any]] = []
    if kind in ("", "staff"):
        query = select(StaffAudit)
        if lo is not None:
            query = query.where(col(StaffAudit.at) >= lo)
        if hi is not None:
            query = query.where(col(StaffAudit.at) < hi)
        if who:
            query = query.where(col(StaffAudit.actor_name).contains(who))
        for row in session.exec(query.order_by(col(StaffAudit.id).desc()).limit(limit)).all():
            out.append({"at": row.at, "who": row.actor_name, "what": AUDIT_ACTIONS.get(row.action, row.action),
                        "target": row.target_label, "detail": _changes(row.changes), "kind": "人员与权限"})
    if kind in ("", "reveal"):
        regions = repository.subtree_codes(session, user.actor.region_code)
        reveals = (select(CaseEvent, Case.case_number, Officer.name)
                   .join(Case, col(Case.id) == col(CaseEvent.case_id))
                   .outerjoin(Officer, col(Officer.id) == col(CaseEvent.actor_id))
                   .where(CaseEvent.event_type == CaseEventType.REVEAL_COMPLAINANT,
                          queries.in_scope(session, Case.region_code, regions)))
        if lo is not None:
            reveals = reveals.where(col(CaseEvent.occurred_at) >= lo)
        if hi is not None:
            reveals = reveals.where(col(CaseEvent.occurred_at) < hi)
        if who:
            reveals = reveals.where(col(Officer.name).contains(who))
        for event, number, name in session.exec(reveals.order_by(col(CaseEvent.id).desc()).limit(limit)).all():
            count = len((event.payload or {}).get("complaint_ids", []) or [])
            out.append({"at": event.occurred_at, "who": name or (event.payload or {}).get("actor", ""),
                        "what": "查看举报人身份", "target": f"案件{number}",
                        "detail": f"举报线索 {count} 条" if count else "", "kind": "举报人信息"})
    return sorted(out, key=lambda r: r["at"], reverse=True)[:limit]


def _changes(changes: dict[str, Any]) -> str:
    if not changes:
        return ""
    after = changes.get("after", changes)
    before = changes.get("before", {})
    bits = []
    for name, value in after.items():
        label = FIELD_LABELS.get(name, {"active": "启用", "roles": "角色", "year": "年度", "source": "依据",
                                       "recomputed": "重算期限", "kind": "类型", "bytes": "字节"}.get(name, name))
        if name == "roles" and isinstance(value, list):
            value = "、".join(Role(r).label if r in Role._value2member_map_ else str(r) for r in value)
        if name == "active":
            value = "是" if value else "否（已停用，登录会话已结束）"
        shown = f"{label}：{value}"
        if name in before and before[name] != after[name]:
            old = before[name]
            if name == "roles" and isinstance(old, list):
                old = "、".join(Role(r).label if r in Role._value2member_map_ else str(r) for r in old)
            shown = f"{label}：{old} → {value}"
        bits.append(shown)
    return "；".join(bits)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValidationFailed("日期格式应为“2026-03-16”", code="date_invalid") from None


AuditKind = Annotated[str, Query(pattern="^(|staff|reveal)$")]
DayQ = Annotated[str | None, Query(max_length=10)]


@router.get("/admin/audit", summary="审计")
def audit_page(request: Request, user: UserDep, session: SessionDep, kind: AuditKind = "", start: DayQ = None,
               end: DayQ = None, who: Annotated[str, Query(max_length=32)] = "") -> Response:
    _admin(user)
    rows = _audit_rows(session, user, kind=kind, start=_day(start), end=_day(end), who=who.strip())
    params = {k: v for k, v in {"kind": kind, "start": start or "", "end": end or "", "who": who}.items() if v}
    return page(request, "admin_audit.html", {"tabs": _tabs("/admin/audit"), "rows": rows, "kind": kind,
                                              "start": start or "", "end": end or "", "who": who,
                                              "xlsx_url": f"/admin/audit.xlsx?{urlencode(params)}"}, user=user)


@router.get("/admin/audit.xlsx", summary="审计导出 Excel")
def audit_xlsx(user: UserDep, session: SessionDep, clock: ClockDep, kind: AuditKind = "", start: DayQ = None,
               end: DayQ = None, who: Annotated[str, Query(max_length=32)] = "") -> Response:
    _admin(user)
    from api.web.templating import local_time

    rows = _audit_rows(session, user, kind=kind, start=_day(start), end=_day(end), who=who.strip(), limit=10_000)
    today = clock.now().date()
    chosen = "、".join(x for x in ({"staff": "人员与权限", "reveal": "举报人信息"}.get(kind, "全部"),
                                   f"自{start}" if start else "", f"至{end}" if end else "",
                                   f"操作人含“{who}”" if who else "") if x)
    return xlsx_response("审计记录", f"{user.department}；{chosen}；导出于 {today.isoformat()}",
                         ["时间", "类别", "操作人", "操作", "对象", "内容"],
                         [[local_time(r["at"]), r["kind"], r["who"], r["what"], r["target"], r["detail"]]
                          for r in rows], f"审计记录_{today.isoformat()}.xlsx", widths=[18, 12, 12, 28, 22, 60])
