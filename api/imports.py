"""Institution register import: CSV (UTF-8 or GB18030) or Excel (.xlsx) → validated rows + row errors.

Headers may be Chinese or the field names; values may be the stored values or their Chinese
labels (学科类, 有证有照, 白名单, 是/否 …). Validation per row: the model's field checks, the
USCC check character, the region inside the caller's jurisdiction, and USCC duplicates within the
file and against the register.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from api.errors import FIELD_MESSAGES, UnsupportedMedia
from api.register import institution_values
from api.schemas_admin import InstitutionIn, RowError
from cases.authority import Actor
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus
from cases.errors import DomainError, ValidationFailed
from cases.models import Institution

HEADERS = {
    "name": ("name", "机构名称", "名称"), "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "category": ("category", "类别", "机构类别"), "licence_status": ("licence_status", "证照情况", "证照状态"),
    "non_profit": ("non_profit", "非营利", "是否非营利"), "address": ("address", "地址", "办学地址"),
    "region_code": ("region_code", "行政区划代码", "所在地区代码", "区划代码"), "phone": ("phone", "联系电话", "电话"),
    "legal_representative": ("legal_representative", "法定代表人", "举办者"),
    "list_status": ("list_status", "名单", "黑白名单"), "fund_supervision": ("fund_supervision", "资金监管"),
    "student_count": ("student_count", "学员数", "在读学员数"),
}
_ALIASES = {alias: field for field, names in HEADERS.items() for alias in names}
_SHORT = {"学科类": "subject", "体育": "sports", "文化艺术": "arts", "科技": "science", "其他": "other",
          "是": True, "否": False, "true": True, "false": False, "1": True, "0": False, "": None}
_LABELS = {label: member.value for enum in (InstitutionCategory, LicenceStatus, ListStatus) for member in enum
           for label in (member.label,)}


def read_table(content: bytes, max_rows: int) -> list[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) for each data row; the header is row 1."""
    if content.startswith(b"PK\x03\x04"):
        table = _xlsx(content, max_rows)
    else:
        table = _csv(content, max_rows)
    if not table:
        raise ValidationFailed("文件为空", code="import_empty")
    header = [_ALIASES.get(str(h or "").strip()) for h in table[0]]
    if "name" not in header:
        raise ValidationFailed("表头须包含“机构名称”（或 name）列", code="import_header", header=table[0][:20])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(c or "").strip() for c in cells):
            continue
        pairs = zip(header, cells, strict=False)
        values = {f: str(c if c is not None else "").strip() for f, c in pairs if f}
        rows.append((number, values))
    if len(rows) > max_rows:
        raise ValidationFailed(f"一次最多导入 {max_rows} 行", code="import_too_many_rows", max_rows=max_rows)
    return rows


def _csv(content: bytes, max_rows: int) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnsupportedMedia("无法识别文件编码，请使用 UTF-8 编码的 CSV 或 Excel 文件", code="import_encoding")
    if "\x00" in text:
        raise UnsupportedMedia("文件不是 CSV 或 Excel（.xlsx）表格", code="import_format")
    try:
        return [row for _, row in zip(range(max_rows + 2), csv.reader(io.StringIO(text)), strict=False)]
    except csv.Error as exc:
        raise ValidationFailed(f"CSV 格式错误：{exc}", code="import_format") from None


def _xlsx(content: bytes, max_rows: int) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        return [list(row) for _, row in zip(range(max_rows + 2), rows, strict=False)]
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a damaged file
        raise UnsupportedMedia("无法读取 Excel 文件（须为 .xlsx）", code="import_format", reason=type(exc).__name__) \
            from None


def _coerce(raw: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, text in raw.items():
        if field == "non_profit":
            value = _SHORT.get(text.lower(), text)
        elif field in ("category", "licence_status", "list_status"):
            value = _LABELS.get(text) or _SHORT.get(text) or text or None
        elif field == "uscc":
            value = text or None
        else:
            value = text
        if value is not None and value != "":
            out[field] = value
    return out


def validate_rows(session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]],
                  ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    good: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        try:
            data = InstitutionIn.model_validate(_coerce(raw))
            values = institution_values(session, actor, data.model_dump())
        except ValidationError as exc:
            errors += [RowError(row=number, field=str(e["loc"][0]) if e["loc"] else None, code=e["type"],
                                message=FIELD_MESSAGES.get(e["type"], "取值不合法")) for e in exc.errors()]
            continue
        except DomainError as exc:
            errors.append(RowError(row=number, field=_field_of(exc.code), code=exc.code, message=exc.message))
            continue
        uscc = values.get("uscc")
        if uscc and uscc in seen:
            errors.append(RowError(row=number, field="uscc", code="uscc_duplicate_in_file",
                                   message=f"与第{seen[uscc]}行的统一社会信用代码重复"))
            continue
        if uscc:
            seen[uscc] = number
        good.append((number, values))
    taken = set(session.exec(select(Institution.uscc).where(col(Institution.uscc).in_(list(seen)))).all()) \
        if seen else set()
    for number, values in list(good):
        if values.get("uscc") in taken:
            errors.append(RowError(row=number, field="uscc", code="uscc_exists", message="该统一社会信用代码已登记"))
            good.remove((number, values))
    return good, sorted(errors, key=lambda e: e.row)


def _field_of(code: str) -> str | None:
    if code.startswith("uscc"):
        return "uscc"
    if "region" in code:
        return "region_code"
    return "name" if code == "name_required" else None
