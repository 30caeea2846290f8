"""Batch intake from a hotline export: validate, match, merge, route, report; re-runs import nothing twice."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import select

from cases import service as case_service
from cases.errors import DomainError
from cases.models import Case, Complaint
from tests.integration.conftest import County, at

pytestmark = pytest.mark.integration
HEADER = ["工单号", "来源渠道", "受理时间", "举报内容", "被举报机构", "统一社会信用代码", "机构电话", "机构地址",
          "区域代码", "违规类型", "举报人", "联系电话", "匿名"]


def _rows(county: County) -> list[list[str]]:
    a, b = county.institution(0), county.institution(1)
    return [
        ["GD001", "12345热线", "2026-03-01 09:10", f"{a.name}周末上数学课", a.name, a.uscc or "", "", "",
         a.region_code, "占用法定节假日、休息日、寒暑假开展学科类培训", "李四", "13800000001", "否"],
        ["GD002", "随手拍小程序", "2026-03-01 10:00", "同一机构晚上九点还在上课", "", a.uscc or "", "", a.address,
         a.region_code, "late_training", "", "", "是"],
        ["GD003", "网格员", "2026-03-01 11:00", f"{b.name}收一年学费", b.name, "", b.phone, "", b.region_code,
         "prepaid_fees", "王五", "13800000003", "否"],
        ["GD004", "12345热线", "2026-03-01 12:00", "某机构违规培训", "无名机构", "", "", "", "999999",
         "late_training", "", "", "是"],
        ["GD005", "12345热线", "2026-03-01 12:30", "某机构违规", "无名机构", "", "", "", a.region_code,
         "卖保险", "", "", "是"],
        ["GD006", "传真", "2026-03-01 12:40", "某机构违规培训", "", "", "", "", a.region_code, "", "", "", "是"],
        ["GD007", "12345热线", "2026-03-01 13:00", "某机构违规培训", "", "911111111111111111", "", "",
         a.region_code, "", "", "", "是"],
    ]


def _run(county: County, path: Path) -> case_service.IntakeReport:
    ctx = county.ctx(county.intake_actor(), at("2026-03-02 09:00"))
    with county.session() as s:
        return case_service.import_complaints(s, ctx, path, zone=ZoneInfo("Asia/Shanghai"))


def test_csv_import_merges_rejects_and_is_idempotent(county: County, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows(county)])
    report = _run(county, path)
    assert report.summary() == {"imported": 2, "merged": 1, "duplicate": 0, "rejected": 4}
    reasons = {r.row: r.reason for r in report.rows if r.status == "rejected"}
    assert "地区代码" in reasons[4] and "卖保险" in reasons[5] and "传真" in reasons[6] and "校验" in reasons[7]
    with county.session() as s:
        assert len(s.exec(select(Case)).all()) == 2
        assert len(s.exec(select(Complaint)).all()) == 3
    again = _run(county, path)
    assert again.summary() == {"imported": 0, "merged": 0, "duplicate": 3, "rejected": 4}
    with county.session() as s:
        assert len(s.exec(select(Complaint)).all()) == 3
    assert "并入已有案件" in report.to_csv()


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_without_bom_in_utf8_or_gb18030(county: County, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([HEADER, *_rows(county)[:3]])
    assert _run(county, path).summary() == {"imported": 2, "merged": 1, "duplicate": 0, "rejected": 0}


def test_unreadable_export_is_refused_whole(county: County, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(",".join(HEADER).encode("utf-16"))
    with pytest.raises(DomainError) as raised:
        _run(county, path)
    assert raised.value.code == "import_encoding"


def test_excel_import(county: County, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in _rows(county)[:3]:
        sheet.append(row)
    path = tmp_path / "export.xlsx"
    book.save(path)
    assert _run(county, path).summary() == {"imported": 2, "merged": 1, "duplicate": 0, "rejected": 0}
