"""机构库: register search, an institution's page with its history and risk grade, and the CSV/Excel
import (the use case the API calls: same parsing, same per-row checks, same all-or-nothing rule)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from api.deps import ClockDep, SessionDep, SettingsDep, WriteSessionDep, in_scope
from api.errors import status_of
from api.routes.institutions import parse_row
from api.web.deps import FormDep, UserDep, WebUser, require
from api.web.routing import WebRoute
from api.web.templating import page
from cases import authority, queries, repository
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus, Role
from cases.errors import DomainError, NotFound, ValidationFailed
from cases.fields import MAX_INT
from cases.models import Institution
from cases.service import register
from cases.tabular import Limits

router = APIRouter(route_class=WebRoute)
PAGE_SIZE = 40
FUND = {"supervised": "已纳入资金监管", "not_supervised": "未纳入资金监管", "abnormal": "资金监管异常"}
HEADERS = register.IMPORT_HEADERS
IMPORT_EXAMPLE = ["息烽县示例艺术培训中心", "", "文化艺术", "有证有照", "否", "息烽县永靖镇示例路1号", "520122100",
                  "0851-00000000", "张三", "未列入", "已纳入", "120"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column_label(name: str | None) -> str:
    """The column a user knows: the header the template writes (乡镇（街道） for the region)."""
    if name == "region_code":
        return "乡镇（街道）"
    return HEADERS[name][1] if name in HEADERS else (name or "—")


def _import_ctx(session: Session, user: WebUser, **values: Any) -> dict[str, Any]:
    import json

    errors: list[Any] = values.get("errors") or []
    towns = queries.townships(session, repository.subtree_codes(session, user.actor.region_code))
    rows = [e if isinstance(e, dict) else e.__dict__ for e in errors]
    return {"report": None, "error": "", "errors": [], "headers": HEADERS, "partial": False,
            "allowed": register.ALLOWED, "column_label": column_label,
            "township_example": "、".join(t.name for t in towns[:2]) or "永靖镇",
            **values, "errors_json": json.dumps(rows, ensure_ascii=False)}


def _enum(cls, value: str | None):  # noqa: ANN001, ANN202
    return cls(value) if value in cls._value2member_map_ else None


@router.get("/institutions", summary="机构库")
def institutions(request: Request, user: UserDep, session: SessionDep,
                 q: Annotated[str | None, Query(max_length=64)] = None,
                 category: Annotated[str | None, Query(max_length=32)] = None,
                 licence: Annotated[str | None, Query(max_length=32)] = None,
                 listed: Annotated[str | None, Query(max_length=16)] = None,
                 region: Annotated[str | None, Query(max_length=12)] = None,
                 page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    regions = repository.subtree_codes(session, user.actor.region_code)
    cat, lic, lst = _enum(InstitutionCategory, category), _enum(LicenceStatus, licence), _enum(ListStatus, listed)
    if not region or region not in regions:  # the form's "全部" sends region= (empty)
        region = None
    q = (q or "").strip() or None
    rows, total = queries.institutions(session, regions, q=q, region=region, category=cat, licence_status=lic,
                                       list_status=lst, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    params = {k: v for k, v in {"q": q, "category": category, "licence": licence, "listed": listed,
                                "region": region}.items() if v}
    pages = max(1, -(-total // PAGE_SIZE))
    return page(request, "institutions.html", {
        "rows": rows, "total": total, "q": q or "", "category": cat, "licence": lic, "listed": lst, "region": region,
        "categories": list(InstitutionCategory), "licences": list(LicenceStatus), "lists": list(ListStatus),
        "townships": queries.townships(session, regions), "names": queries.region_names(session),
        "page_no": page_no, "pages": pages,
        "prev_url": f"/institutions?{urlencode({**params, 'page': page_no - 1})}" if page_no > 1 else None,
        "next_url": f"/institutions?{urlencode({**params, 'page': page_no + 1})}" if page_no < pages else None,
        "may_import": authority.permitted(user.actor, "manage_register")}, user=user)


@router.get("/institutions/import", summary="导入机构")
def import_form(request: Request, user: UserDep, session: SessionDep) -> Response:
    require(user, Role.SUPERVISOR, Role.ADMIN)
    return page(request, "institution_import.html", _import_ctx(session, user), user=user)


@router.get("/institutions/import-template.csv", summary="导入模板")
def import_template(user: UserDep) -> Response:
    require(user, Role.SUPERVISOR, Role.ADMIN)
    header = ",".join(names[1] for names in HEADERS.values())
    body = "\ufeff" + header + "\r\n" + ",".join(IMPORT_EXAMPLE) + "\r\n"
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=institutions-template.csv"})


@router.post("/institutions/import", summary="导入机构")
def import_submit(request: Request, user: UserDep, form: FormDep, session: WriteSessionDep, clock: ClockDep,
                  settings: SettingsDep) -> Response:
    require(user, Role.SUPERVISOR, Role.ADMIN)
    upload = form.get("file")
    partial = form.get("partial") == "true"
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "institution_import.html",
                    _import_ctx(session, user, partial=partial, error="请选择要导入的 CSV 或 Excel 文件。"),
                    status=422, user=user)
    try:
        content = upload.file.read(settings.import_max_bytes + 1)
        limits = Limits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
        report = register.import_institutions(session, user.actor, content, parse=parse_row, now=clock.now(),
                                              partial=partial, limits=limits)
    except DomainError as exc:
        session.rollback()
        errors = exc.detail.get("errors") or []
        message = exc.message
        if exc.code == "import_invalid":
            bad = len({e["row"] for e in errors})
            message = (f"共 {exc.detail.get('total_rows')} 行，其中 {bad} 行有误，未导入任何机构。"
                       f"请按下表更正后重新导入，或勾选“只导入正确的行”。")
        return page(request, "institution_import.html",
                    _import_ctx(session, user, partial=partial, error=message, errors=errors),
                    status=422 if errors else status_of(exc), user=user)
    return page(request, "institution_import.html",
                _import_ctx(session, user, partial=partial, report=report, errors=report.errors),
                status=201, user=user)


@router.post("/institutions/import-errors.xlsx", summary="导入错误报告 Excel")
def import_errors_xlsx(user: UserDep, form: FormDep, clock: ClockDep) -> Response:
    """The import page's row errors as an Excel sheet (the rows come back from the page itself)."""
    import io
    import json

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    require(user, Role.SUPERVISOR, Role.ADMIN)
    try:
        rows = json.loads(str(form.get("errors") or "[]"))
        errors = [(int(e["row"]), column_label(e.get("field")), str(e.get("value") or ""), str(e["message"]))
                  for e in rows]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValidationFailed("错误报告内容不完整，请重新导入后再下载", code="report_invalid") from None
    book = Workbook()
    sheet = book.active
    sheet.title = "导入错误"
    sheet.append([f"机构导入错误报告（{clock.now().date().isoformat()}，共 {len(errors)} 处）"])
    sheet.append(["行号", "列", "填写内容", "问题"])
    for row, column, value, message in errors:
        sheet.append([row, column, value, message])
        for cell in sheet[sheet.max_row][1:]:
            cell.data_type = "s"  # a cell typed as "=…" stays text, never a formula
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F5")
    for letter, width in zip("ABCD", (8, 16, 30, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    name = quote(f"机构导入错误报告_{clock.now().date().isoformat()}.xlsx")
    return Response(buffer.getvalue(), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=import-errors.xlsx; filename*=UTF-8''{name}",
        "Cache-Control": "no-store"})


@router.get("/institutions/{institution_id}", summary="机构详情")
def institution(request: Request, institution_id: Annotated[int, Path(ge=1, le=MAX_INT)], user: UserDep,
                session: SessionDep, clock: ClockDep) -> Response:
    inst = session.get(Institution, institution_id)
    if inst is None or not in_scope(session, user.actor, inst.region_code):
        raise NotFound("机构不存在或不在您的辖区内", institution_id=institution_id)
    today = clock.now().date()
    regions = repository.subtree_codes(session, user.actor.region_code)
    cases, case_total = queries.list_cases(session, queries.CaseFilter(regions=regions, today=today,
                                                                       institution_id=inst.id), limit=50, offset=0)
    inspections = queries.institution_inspections(session, inst.id)
    visits = queries.institution_visits(session, inst.id)
    breakdown = (inst.risk_inputs or {}).get("breakdown") or {}
    return page(request, "institution_detail.html", {
        "inst": inst, "cases": cases, "case_total": case_total, "inspections": inspections[:30],
        "visits": visits[:30], "complaints": queries.institution_complaints(session, inst.id),
        "breakdown": breakdown, "score": (inst.risk_inputs or {}).get("score"),
        "region": queries.region_names(session).get(inst.region_code, inst.region_code),
        "fund": FUND.get(inst.fund_supervision, inst.fund_supervision), "today": today,
        "may_open_cases": user.has(Role.OFFICER, Role.SUPERVISOR, Role.LEGAL),
        "category_label": InstitutionCategory(inst.category).label,
        "licence_label": LicenceStatus(inst.licence_status).label,
        "list_label": ListStatus(inst.list_status).label}, user=user)
