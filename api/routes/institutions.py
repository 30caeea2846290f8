"""The institution register: scoped list and CRUD, and the CSV/Excel import with a per-row report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile
from pydantic import BaseModel

from api import register, views
from api.deps import (
    ClockDep,
    RegisterManager,
    ScopeDep,
    SessionDep,
    SettingsDep,
    Staff,
    WriteSessionDep,
    in_scope,
)
from api.errors import PayloadTooLarge, error_responses
from api.imports import read_table, validate_rows
from api.schemas_admin import (
    ImportReport,
    InstitutionIn,
    InstitutionOut,
    InstitutionPage,
    InstitutionPatch,
)
from cases import queries
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus
from cases.errors import NotFound, ValidationFailed
from cases.fields import MAX_INT, Str64
from cases.models import Institution

router = APIRouter(prefix="/institutions", tags=["机构名录"])
InstitutionId = Annotated[int, Path(ge=1, le=MAX_INT, description="机构编号")]


def institution_out(i: Institution) -> InstitutionOut:
    return InstitutionOut(**i.model_dump(exclude={"risk_inputs"}),
                          category_label=InstitutionCategory(i.category).label,
                          licence_status_label=LicenceStatus(i.licence_status).label)


def valid_institution(institution_id: InstitutionId, session: SessionDep, actor: Staff) -> Institution:
    inst = session.get(Institution, institution_id)
    if inst is None or not in_scope(session, actor, inst.region_code):
        raise NotFound("机构不存在或不在您的辖区内", institution_id=institution_id)
    return inst


ValidInstitution = Annotated[Institution, Depends(valid_institution)]


def changes_of(patch: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent; null only where the column allows it."""
    changes = patch.model_dump(exclude_unset=True)
    refused = [k for k, v in changes.items() if v is None and k not in nullable]
    if refused:
        raise ValidationFailed(f"以下字段不能为空：{'、'.join(refused)}", code="field_required", fields=refused)
    return changes


@router.get("", response_model=InstitutionPage, summary="机构列表", responses=error_responses(401, 403, 422),
            description="辖区内的校外培训机构；可按名称/地址关键字、信用代码、地区、类别、证照、名单筛选。")
def list_institutions(
    actor: Staff, session: SessionDep, regions: ScopeDep,
    q: Annotated[Str64 | None, Query(description="名称或地址关键字")] = None,
    uscc: Annotated[str | None, Query(pattern=r"^[0-9A-Z]{18}$", description="统一社会信用代码")] = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{6,12}$", description="行政区划代码（含下级）")] = None,
    category: InstitutionCategory | None = None, licence_status: LicenceStatus | None = None,
    list_status: ListStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InstitutionPage:
    rows, total = queries.institutions(session, regions, q=q, uscc=uscc, region=region, category=category,
                                       licence_status=licence_status, list_status=list_status, limit=limit,
                                       offset=offset)
    return InstitutionPage(items=[institution_out(i) for i in rows], total=total, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=InstitutionOut, summary="登记机构",
             description="校验统一社会信用代码（GB 32100）并生成名称比对键。仅科长、管理员。",
             responses=error_responses(401, 403, 409, 422))
def create_institution(body: InstitutionIn, actor: RegisterManager, session: WriteSessionDep,
                       clock: ClockDep) -> InstitutionOut:
    return institution_out(register.create_institution(session, actor, body, clock.now()))


@router.get("/{institution_id}", response_model=InstitutionOut, summary="机构详情",
            responses=error_responses(401, 403, 404, 422))
def read_institution(inst: ValidInstitution) -> InstitutionOut:
    return institution_out(inst)


@router.patch("/{institution_id}", response_model=InstitutionOut, summary="修改机构信息",
              responses=error_responses(401, 403, 404, 409, 422))
def update_institution(actor: RegisterManager, inst: ValidInstitution, body: InstitutionPatch,
                       session: WriteSessionDep) -> InstitutionOut:
    changes = changes_of(body, nullable=frozenset({"uscc"}))
    views.clear_names()
    updated = register.update_institution(session, actor, session.get(Institution, inst.id), changes)
    return institution_out(updated)


@router.delete("/{institution_id}", status_code=204, summary="删除机构", response_class=Response,
               description="仅限没有案件和举报记录的机构（误登记时）。", responses=error_responses(401, 403, 404, 409, 422))
def delete_institution(actor: RegisterManager, inst: ValidInstitution, session: WriteSessionDep) -> Response:
    register.delete_institution(session, session.get(Institution, inst.id))
    return Response(status_code=204)


@router.post("/import", status_code=201, response_model=ImportReport, summary="批量导入机构（CSV/Excel）",
             description="第一行为表头（机构名称、统一社会信用代码、类别、证照情况、地址、行政区划代码等）。"
                         "任一行有误时不导入任何机构，返回422和逐行错误；partial=true 时只导入正确的行。",
             responses=error_responses(401, 403, 409, 413, 415, 422))
def import_institutions(actor: RegisterManager, session: WriteSessionDep, clock: ClockDep,
                        settings: SettingsDep,
                        file: Annotated[UploadFile, File(description="CSV（UTF-8/GB18030）或 .xlsx 文件")],
                        partial: Annotated[bool, Query(description="只导入正确的行")] = False) -> ImportReport:
    content = file.file.read(settings.import_max_bytes + 1)
    if len(content) > settings.import_max_bytes:
        raise PayloadTooLarge("导入文件过大", max_bytes=settings.import_max_bytes)
    rows = read_table(content, settings.import_max_rows)
    good, errors = validate_rows(session, actor, rows)
    if errors and not partial:
        raise ValidationFailed(f"{len({e.row for e in errors})}行有误，未导入任何机构；请更正后重新导入，"
                               f"或使用 partial=true 只导入正确的行", code="import_invalid",
                               errors=[e.model_dump() for e in errors], total_rows=len(rows))
    ids = register.import_rows(session, [values for _, values in good], clock.now()) if good else []
    return ImportReport(total_rows=len(rows), imported=len(ids), skipped=len(rows) - len(ids), errors=errors,
                        institution_ids=ids)
