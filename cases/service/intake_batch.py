"""Batch intake of a hotline / platform export (CSV or Excel), row by row.

Each valid row goes through `receive_complaint` (its own transaction): matched to the register,
merged into an open case of the same institution or opened as a new case routed to the
competent department. The idempotency key of a row is its export reference (工单号), or a hash
of the row when there is none, so re-running the same file imports nothing twice. The result
lists imported, merged, duplicate (already imported) and rejected rows with reasons.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from cases.enums import Channel
from cases.errors import DomainError, ValidationFailed
from cases.service._common import Ctx
from cases.service.intake import ComplaintIn, receive_complaint
from cases.tabular import Limits, read_table_file

# Column headers of the export (Chinese, as the hotline platforms write them) → our fields.
COLUMNS = {
    "工单号": "ref", "来源渠道": "channel", "受理时间": "received_at", "举报内容": "content",
    "被举报机构": "reported_name", "统一社会信用代码": "reported_uscc", "机构电话": "reported_phone",
    "机构地址": "reported_address", "区域代码": "region_code", "违规类型": "violations",
    "举报人": "complainant_name", "联系电话": "complainant_phone", "匿名": "anonymous",
}
REQUIRED = ("content", "region_code")
LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=50_000)  # a month of a county's hotline export
CHANNELS = {c.label: c for c in Channel} | {c.value: c for c in Channel} | {"12345": Channel.HOTLINE_12345}


@dataclass
class RowOutcome:
    row: int  # 1-based data row number (the header is row 0)
    status: str  # imported / merged / duplicate / rejected
    reason: str = ""
    case_number: str = ""
    tracking_code: str = ""


@dataclass
class IntakeReport:
    source: str
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("imported", "merged", "duplicate", "rejected")}

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["行号", "结果", "原因", "案件编号", "查询码"])
        labels = {"imported": "新建案件", "merged": "并入已有案件", "duplicate": "已导入过", "rejected": "拒收"}
        for r in self.rows:
            writer.writerow([r.row, labels[r.status], r.reason, r.case_number, r.tracking_code])
        return out.getvalue()


def read_rows(path: Path, limits: Limits = LIMITS) -> list[tuple[int, dict[str, str]]]:
    """(data row number, row) of a CSV (UTF-8, UTF-8 with BOM, GB18030) or Excel (.xlsx) export,
    keyed by our field names (unknown columns keep their header); the header is row 0."""
    table = read_table_file(path, limits)
    header = {COLUMNS.get(h, h) for h in table.header}
    missing = [h for h, f in COLUMNS.items() if f in REQUIRED and f not in header]
    if missing:
        raise ValidationFailed(f"导入文件缺少必填列：{'、'.join(missing)}", code="import_columns_missing")
    return [(line - table.header_line, row) for line, row in table.records(COLUMNS, keep_unknown=True)]


def _complaint(ctx: Ctx, row: dict[str, str], zone: ZoneInfo) -> ComplaintIn:
    channel = CHANNELS.get(row.get("channel", "") or "12345热线")
    if channel is None:
        raise ValidationFailed(f"未知来源渠道“{row.get('channel')}”", code="unknown_channel")
    received = None
    if row.get("received_at"):
        try:
            received = datetime.fromisoformat(row["received_at"].replace("/", "-"))
        except ValueError:
            raise ValidationFailed(f"受理时间格式不正确：{row['received_at']}", code="bad_datetime") from None
        received = received if received.tzinfo else received.replace(tzinfo=zone)
        if received > ctx.now():
            raise ValidationFailed("受理时间晚于当前时间", code="received_in_future")
    codes = tuple(_violation(ctx, v) for v in row.get("violations", "").replace("，", ",").split(",") if v.strip())
    anonymous = row.get("anonymous", "").strip() in ("是", "1", "true", "Y", "y")
    return ComplaintIn(
        channel=channel, content=row.get("content", ""), region_code=row.get("region_code", ""),
        violation_codes=codes, reported_name=row.get("reported_name", ""),
        reported_uscc=row.get("reported_uscc", ""), reported_phone=row.get("reported_phone", ""),
        reported_address=row.get("reported_address", ""), refund_related="退费" in row.get("content", ""),
        anonymous=anonymous, complainant_name=row.get("complainant_name", ""),
        complainant_phone=row.get("complainant_phone", ""), received_at=received)


def _violation(ctx: Ctx, text: str) -> str:
    text = text.strip()
    for v in ctx.cat.violations.values():
        if text in (v.code, v.name):
            return v.code
    raise ValidationFailed(f"违规类型“{text}”不在违法行为目录中", code="unknown_violation")


def row_key(source: str, row: dict[str, str]) -> str:
    if row.get("ref"):
        return f"import:{row['ref']}"
    digest = hashlib.sha256("\x1f".join(f"{k}={row[k]}" for k in sorted(row)).encode()).hexdigest()
    return f"import:{source}:{digest[:32]}"


def import_complaints(session: Session, ctx: Ctx, path: Path, *, zone: ZoneInfo, merge_window_days: int = 30,
                      ) -> IntakeReport:
    """Import every row; a bad row is rejected with its reason and changes nothing."""
    report = IntakeReport(path.name)
    for number, row in read_rows(path):
        try:
            data = _complaint(ctx, row, zone)
            data = ComplaintIn(**{**data.__dict__, "merge_window_days": merge_window_days})
            result = receive_complaint(session, ctx, data, idempotency_key=row_key(path.name, row))
        except DomainError as exc:
            session.rollback()
            report.rows.append(RowOutcome(number, "rejected", exc.message))
            continue
        status = "duplicate" if result.replayed else ("merged" if result.merged else "imported")
        report.rows.append(RowOutcome(number, status, "", result.case.case_number, result.complaint.tracking_code))
    return report
