"""The one table reader: each encoding, .xlsx, the limits and malformed files, by their stable codes."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from cases.errors import DomainError, PayloadTooLarge, UnsupportedMedia, ValidationFailed
from cases.tabular import Limits, read_table, read_table_file

ROWS = [["机构名称", "类别", "地址"], ["息烽县启明学科辅导中心", "学科类", "永靖镇新华路1号"],
        ["息烽县“星光”艺术培训", "文化艺术", ""]]
CSV_TEXT = ("机构名称,类别,地址\r\n息烽县启明学科辅导中心,学科类,永靖镇新华路1号\r\n"
            "\"息烽县“星光”艺术培训\",文化艺术,\r\n")


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("encoding", "source"), [("utf-8", "csv-utf-8"), ("utf-8-sig", "csv-utf-8-sig"),
                                                   ("gb18030", "csv-gb18030")])
def test_csv_in_each_encoding_reads_the_same(encoding: str, source: str) -> None:
    table = read_table(CSV_TEXT.encode(encoding))
    assert table.source_format == source
    assert table.header == ROWS[0]
    assert table.rows == [(2, ROWS[1]), (3, [ROWS[2][0], ROWS[2][1]])]  # trailing empty cells dropped


def test_gbk_only_text_is_not_mistaken_for_utf8() -> None:
    content = "名称\n培训".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert read_table(content).rows == [(2, ["培训"])]


def test_xlsx_reads_the_first_sheet_as_text() -> None:
    content = xlsx([["名称", "学员数", "受理时间", "非营利", "备注"],
                    ["甲", 35, datetime(2026, 3, 1, 9, 10), False, None],
                    [None, None, None, None, None],
                    ["乙", 12.5, "2026-03-01", True, "  留空  "]])
    table = read_table(content)
    assert table.source_format == "xlsx"
    assert table.header == ["名称", "学员数", "受理时间", "非营利", "备注"]
    assert table.rows == [(2, ["甲", "35", "2026-03-01 09:10", "否"]), (4, ["乙", "12.5", "2026-03-01", "是", "留空"])]


def test_blank_lines_are_skipped_but_counted_and_cells_stripped() -> None:
    table = read_table(" 名称 , 地址 \n\n,,\n 甲 , 一号 \n".encode())
    assert table.header == ["名称", "地址"]
    assert table.rows == [(4, ["甲", "一号"])]


def test_tab_separated_export_is_read() -> None:
    assert read_table("名称\t地址\n甲\t一号\n".encode()).rows == [(2, ["甲", "一号"])]


def test_records_map_headers_and_keep_or_drop_unknown_columns() -> None:
    table = read_table("机构名称,备注\n甲,无\n".encode())
    assert table.records({"机构名称": "name"}) == [(2, {"name": "甲"})]
    assert table.records({"机构名称": "name"}, keep_unknown=True) == [(2, {"name": "甲", "备注": "无"})]


def test_read_table_file_reads_no_more_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a\n" + b"x\n" * 1000)
    assert len(read_table_file(path).rows) == 1000
    with pytest.raises(PayloadTooLarge):
        read_table_file(path, Limits(max_bytes=100))


@pytest.mark.parametrize(("content", "error", "code"), [
    (b"", ValidationFailed, "import_empty"),
    (b"\n\n , \n", ValidationFailed, "import_empty"),
    ("名称\n甲\n".encode("utf-16"), UnsupportedMedia, "import_encoding"),
    (b"\x81\x30", UnsupportedMedia, "import_encoding"),  # a truncated GB18030 four-byte sequence
    (b"MZ\x90\x00\x03\x00\x00\x00", UnsupportedMedia, "import_format"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, UnsupportedMedia, "import_format"),  # legacy .xls
    (b"PK\x03\x04junk", UnsupportedMedia, "import_format"),
    ('名称,地址\n"甲"乙,一号\n'.encode(), ValidationFailed, "import_format"),  # text after a closing quote
], ids=["empty", "blank", "utf16", "bad-bytes", "binary", "xls", "broken-xlsx", "bad-quoting"])
def test_malformed_files_are_refused_with_a_stable_code(content: bytes, error: type[DomainError], code: str) -> None:
    with pytest.raises(error) as raised:
        read_table(content)
    assert raised.value.code == code
    assert raised.value.message and not raised.value.message.isascii()  # a Chinese message


def test_limits_on_bytes_rows_columns_and_cells() -> None:
    with pytest.raises(PayloadTooLarge) as big:
        read_table(CSV_TEXT.encode(), Limits(max_bytes=10))
    assert big.value.code == "payload_too_large"
    two_rows = "名称\n甲\n\n乙\n".encode()
    assert len(read_table(two_rows, Limits(max_rows=2)).rows) == 2
    with pytest.raises(ValidationFailed) as rows:
        read_table(two_rows, Limits(max_rows=1))
    assert rows.value.code == "import_too_many_rows"
    with pytest.raises(ValidationFailed) as wide:
        read_table(",".join(["列"] * 5).encode(), Limits(max_columns=4))
    assert wide.value.code == "import_too_many_columns"
    with pytest.raises(ValidationFailed) as wide_sheet:
        read_table(xlsx([["a", "b", "c", "d", "e"]]), Limits(max_columns=4))
    assert wide_sheet.value.code == "import_too_many_columns"
    with pytest.raises(ValidationFailed) as long:
        read_table(("名称\n" + "长" * 11).encode(), Limits(max_cell_chars=10))
    assert long.value.code == "import_cell_too_long" and long.value.detail == {"line": 2, "column": 1}
