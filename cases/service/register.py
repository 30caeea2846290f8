"""The institution register's writes: create, update, delete and the table import.

One transaction each, ending in the commit. Every institution a use case touches, and every
region it writes, lies inside the actor's jurisdiction: an institution outside it is "not found"
(its existence is not revealed), a region outside it is refused (`region_out_of_jurisdiction`).
Only roles allowed `manage_register` (`cases.authority`) write. A USCC (统一社会信用代码) is
checked with its check character (GB 32100) and unique in the register.

The import reads the file with `cases.tabular` (CSV in UTF-8/GB18030 or .xlsx). Headers may be
Chinese or the field names, values the stored values or their Chinese labels (学科类, 有证有照,
白名单, 是/否 …). The caller passes `parse`, the field model of one row (the API's request model,
so a row and a request body obey the same field rules); the use case adds the register rules
(USCC, region, duplicates in the file and against the register) and the all-or-nothing rule:
with any bad row nothing is imported, unless `partial`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cases import authority, repository
from cases.authority import Actor
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus
from cases.errors import Conflict, DomainError, NotFound, ValidationFailed
from cases.models import Case, Complaint, Institution, Region
from cases.tabular import Limits, read_table
from cases.uscc import normalise_name, validate_uscc

# The import's columns: field → accepted headers (the second is the one the template writes).
IMPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "机构名称", "名称"), "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "category": ("category", "类别", "机构类别"), "licence_status": ("licence_status", "证照情况", "证照状态"),
    "non_profit": ("non_profit", "非营利", "是否非营利"), "address": ("address", "地址", "办学地址"),
    "region_code": ("region_code", "行政区划代码", "所在地区代码", "区划代码"), "phone": ("phone", "联系电话", "电话"),
    "legal_representative": ("legal_representative", "法定代表人", "举办者"),
    "list_status": ("list_status", "名单", "黑白名单"), "fund_supervision": ("fund_supervision", "资金监管"),
    "student_count": ("student_count", "学员数", "在读学员数"),
}
_ALIASES = {alias: name for name, names in IMPORT_HEADERS.items() for alias in names}
_SHORT: dict[str, Any] = {"学科类": "subject", "体育": "sports", "文化艺术": "arts", "科技": "science", "其他": "other",
                          "是": True, "否": False, "true": True, "false": False, "1": True, "0": False, "": None}
_LABELS = {member.label: member.value for enum in (InstitutionCategory, LicenceStatus, ListStatus) for member in enum}
USCC_TAKEN = "该统一社会信用代码已登记"


@dataclass(frozen=True)
class RowError:
    row: int  # the row's line in the file (the header is line 1)
    field: str | None
    code: str
    message: str


class RowInvalid(ValidationFailed):
    """Raised by `parse`: the row's field errors."""

    code = "row_invalid"

    def __init__(self, errors: list[tuple[str | None, str, str]]) -> None:
        super().__init__("行内容不合法", errors=errors)
        self.errors = errors  # (field, code, message)


@dataclass
class ImportResult:
    total_rows: int
    institution_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.institution_ids)

    @property
    def skipped(self) -> int:
        return self.total_rows - self.imported


RowParser = Callable[[dict[str, Any]], dict[str, Any]]


# --- checks ---------------------------------------------------------------------------------------


def check_region(session: Session, actor: Actor, code: str) -> None:
    """The region exists and lies inside the actor's jurisdiction (ValidationFailed otherwise)."""
    if session.get(Region, code) is None:
        raise ValidationFailed("行政区划代码不存在", code="unknown_region", region=code)
    if not authority.within(code, actor.region_code, repository.region_parents(session)):
        raise ValidationFailed("该地区不在您的辖区内", code="region_out_of_jurisdiction", region=code)


def institution_values(session: Session, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    """Normalised column values (USCC checked, name key derived, region in jurisdiction)."""
    out = dict(values)
    if "uscc" in out:
        out["uscc"] = validate_uscc(out["uscc"]) if out["uscc"] and out["uscc"].strip() else None
    if "name" in out:
        out["name"] = out["name"].strip()
        if not out["name"]:
            raise ValidationFailed("机构名称不能为空", code="name_required")
        out["name_key"] = normalise_name(out["name"])[:128] or out["name"][:128]
    if "region_code" in out:
        check_region(session, actor, out["region_code"])
    return out


def scoped_institution(session: Session, actor: Actor, institution_id: int) -> Institution:
    """The institution, when it lies in the actor's jurisdiction; NotFound otherwise."""
    inst = session.get(Institution, institution_id)
    if inst is None or not authority.within(inst.region_code, actor.region_code, repository.region_parents(session)):
        raise NotFound("机构不存在或不在您的辖区内", institution_id=institution_id)
    return inst


def _uscc_taken(session: Session, uscc: str | None, other_than: int | None = None) -> bool:
    if not uscc:
        return False
    found = session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()
    return found is not None and found != other_than


def _commit(session: Session, message: str, code: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(message, code=code) from None


# --- use cases ------------------------------------------------------------------------------------


def create_institution(session: Session, actor: Actor, values: Mapping[str, Any], now: datetime) -> Institution:
    authority.require(actor, "manage_register")
    row = institution_values(session, actor, values)
    if _uscc_taken(session, row.get("uscc")):
        raise Conflict(USCC_TAKEN, code="uscc_exists", uscc=row["uscc"])
    inst = Institution(**row, created_at=now)
    session.add(inst)
    _commit(session, USCC_TAKEN, "uscc_exists")
    return inst


def update_institution(session: Session, actor: Actor, institution_id: int, changes: Mapping[str, Any],
                       ) -> Institution:
    authority.require(actor, "manage_register")
    inst = scoped_institution(session, actor, institution_id)
    row = institution_values(session, actor, changes)
    if _uscc_taken(session, row.get("uscc"), other_than=inst.id):
        raise Conflict(USCC_TAKEN, code="uscc_exists", uscc=row["uscc"])
    for key, value in row.items():
        setattr(inst, key, value)
    session.add(inst)
    _commit(session, USCC_TAKEN, "uscc_exists")
    return inst


def delete_institution(session: Session, actor: Actor, institution_id: int) -> None:
    """Only an institution no case or complaint refers to (one registered by mistake)."""
    authority.require(actor, "manage_register")
    inst = scoped_institution(session, actor, institution_id)
    used = session.exec(select(Case.id).where(Case.institution_id == inst.id).limit(1)).first() or \
        session.exec(select(Complaint.id).where(Complaint.institution_id == inst.id).limit(1)).first()
    if used:
        raise Conflict("该机构已有案件或举报记录，不能删除（可改为更新其状态）", code="institution_in_use")
    session.delete(inst)
    _commit(session, "该机构已被引用，不能删除", "institution_in_use")


def import_institutions(session: Session, actor: Actor, content: bytes, *, parse: RowParser, now: datetime,
                        partial: bool = False, limits: Limits | None = None) -> ImportResult:
    """Read, check and insert the rows of an uploaded table in one transaction.

    With any bad row and not `partial`: ValidationFailed `import_invalid` listing every row
    error, and nothing written. Otherwise the good rows are inserted; the result lists the rest."""
    authority.require(actor, "manage_register")
    table = read_table(content, limits)
    if "name" not in {_ALIASES.get(h) for h in table.header}:
        raise ValidationFailed("表头须包含“机构名称”（或 name）列", code="import_header", header=table.header[:20])
    rows = table.records(_ALIASES)
    good, errors = _checked_rows(session, actor, rows, parse)
    if errors and not partial:
        raise ValidationFailed(f"{len({e.row for e in errors})}行有误，未导入任何机构；请更正后重新导入，"
                               f"或使用 partial=true 只导入正确的行", code="import_invalid",
                               errors=[e.__dict__ for e in errors], total_rows=len(rows))
    result = ImportResult(total_rows=len(rows), errors=errors)
    if good:
        insts = [Institution(**values, created_at=now) for _, values in good]
        session.add_all(insts)
        _commit(session, "导入时统一社会信用代码与已登记机构重复，请重试", "uscc_exists")
        result.institution_ids = [i.id for i in insts if i.id is not None]
    return result


def _coerce(raw: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, text in raw.items():
        value: Any
        if name == "non_profit":
            value = _SHORT.get(text.lower(), text)
        elif name in ("category", "licence_status", "list_status"):
            value = _LABELS.get(text) or _SHORT.get(text) or text or None
        elif name == "uscc":
            value = text or None
        else:
            value = text
        if value is not None and value != "":
            out[name] = value
    return out


def _checked_rows(session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], parse: RowParser,
                  ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    good: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        try:
            values = institution_values(session, actor, parse(_coerce(raw)))
        except RowInvalid as exc:
            errors += [RowError(number, name, code, message) for name, code, message in exc.errors]
            continue
        except DomainError as exc:
            errors.append(RowError(number, _field_of(exc.code), exc.code, exc.message))
            continue
        uscc = values.get("uscc")
        if uscc and uscc in seen:
            message = f"与第{seen[uscc]}行的统一社会信用代码重复"
            errors.append(RowError(number, "uscc", "uscc_duplicate_in_file", message))
            continue
        if uscc:
            seen[uscc] = number
        good.append((number, values))
    taken = set(session.exec(select(Institution.uscc).where(col(Institution.uscc).in_(list(seen)))).all()) \
        if seen else set()
    for number, values in list(good):
        if values.get("uscc") in taken:
            errors.append(RowError(number, "uscc", "uscc_exists", USCC_TAKEN))
            good.remove((number, values))
    return good, sorted(errors, key=lambda e: e.row)


def _field_of(code: str) -> str | None:
    if code.startswith("uscc"):
        return "uscc"
    if "region" in code:
        return "region_code"
    return "name" if code == "name_required" else None
