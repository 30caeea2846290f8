"""The institution register: scoped list and CRUD, and the CSV/Excel import with a per-row report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile
from pydantic import BaseModel, ValidationError

from api import views
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
from api.errors import FIELD_MESSAGES, error_responses
from api.schemas_admin import (
    ImportReport,
    InstitutionIn,
    InstitutionOut,
    InstitutionPage,
    InstitutionPatch,
    RowError,
)
from cases import queries
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus
from cases.errors import NotFound, ValidationFailed
from cases.fields import MAX_INT, Str64
from cases.models import Institution
from cases.service import register
from cases.tabular import Limits

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


def parse_row(values: dict[str, Any]) -> dict[str, Any]:
    """One import row through the request model, so a row obeys the same field rules as a body."""
    try:
        return InstitutionIn.model_validate(values).model_dump()
    except ValidationError as exc:
        raise register.RowInvalid([(str(e["loc"][0]) if e["loc"] else None, e["type"],
                                    FIELD_MESSAGES.get(e["type"], "取值不合法")) for e in exc.errors()]) from None


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
    return institution_out(register.create_institution(session, actor, body.model_dump(), clock.now()))


@router.get("/{institution_id}", response_model=InstitutionOut, summary="机构详情",
            responses=error_responses(401, 403, 404, 422))
def read_institution(inst: ValidInstitution) -> InstitutionOut:
    return institution_out(inst)


@router.patch("/{institution_id}", response_model=InstitutionOut, summary="修改机构信息",
              responses=error_responses(401, 403, 404, 409, 422))
def update_institution(actor: RegisterManager, institution_id: InstitutionId, body: InstitutionPatch,
                       session: WriteSessionDep) -> InstitutionOut:
    changes = changes_of(body, nullable=frozenset({"uscc"}))
    views.clear_names()
    return institution_out(register.update_institution(session, actor, institution_id, changes))


@router.delete("/{institution_id}", status_code=204, summary="删除机构", response_class=Response,
               description="仅限没有案件和举报记录的机构（误登记时）。",
               responses=error_responses(401, 403, 404, 409, 422))
def delete_institution(actor: RegisterManager, institution_id: InstitutionId, session: WriteSessionDep) -> Response:
    register.delete_institution(session, actor, institution_id)
    return Response(status_code=204)


@router.post("/import", status_code=201, response_model=ImportReport, summary="批量导入机构（CSV/Excel）",
             description="第一行为表头（机构名称、统一社会信用代码、类别、证照情况、地址、行政区划代码等）。"
                         "类别、证照情况、名单、资金监管可填中文（如“已纳入”），地区可填乡镇（街道）名称；"
                         "无信用代码的行按名称和地址匹配已登记机构并更新，不重复登记。"
                         "任一行有误时不导入任何机构，返回422和逐行错误；partial=true 时只导入正确的行。",
             responses=error_responses(401, 403, 409, 413, 415, 422))
def import_institutions(actor: RegisterManager, session: WriteSessionDep, clock: ClockDep,
                        settings: SettingsDep,
                        file: Annotated[UploadFile, File(description="CSV（UTF-8/GB18030）或 .xlsx 文件")],
                        partial: Annotated[bool, Query(description="只导入正确的行")] = False) -> ImportReport:
    content = file.file.read(settings.import_max_bytes + 1)
    limits = Limits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
    result = register.import_institutions(session, actor, content, parse=parse_row, now=clock.now(), partial=partial,
                                          limits=limits)
    return ImportReport(total_rows=result.total_rows, imported=result.imported, matched=result.matched,
                        skipped=result.skipped, errors=[RowError(**e.__dict__) for e in result.errors],
                        institution_ids=result.institution_ids, matched_ids=result.matched_ids)
