"""The one reader of uploaded tables: CSV (UTF-8, UTF-8 with BOM, GB18030) and Excel (.xlsx).

Used by the institution register import and the complaint batch intake. The format is found
from the content, not the file name: a ZIP container is read as .xlsx (first sheet, computed
values), anything else as CSV whose encoding is detected in this order: UTF-8 with BOM, UTF-8,
GB18030 (what Excel and WPS on Chinese Windows write when saving "CSV"). Every read is bounded
(bytes, data rows, columns, characters per cell); a limit or a malformed file raises a domain
error with a stable code and a Chinese message:

| code                    | error             | when                                                   |
|-------------------------|-------------------|--------------------------------------------------------|
| payload_too_large       | PayloadTooLarge   | more than `max_bytes`                                  |
| import_empty            | ValidationFailed  | no header row                                          |
| import_encoding         | UnsupportedMedia  | not UTF-8/GB18030 text (e.g. UTF-16 "Unicode text")    |
| import_format           | UnsupportedMedia  | binary, legacy .xls, damaged or encrypted workbook     |
| import_format           | ValidationFailed  | broken quoting in a CSV                                |
| import_too_many_rows    | ValidationFailed  | more than `max_rows` non-blank data rows               |
| import_too_many_columns | ValidationFailed  | more than `max_columns` columns                        |
| import_cell_too_long    | ValidationFailed  | a cell longer than `max_cell_chars`                    |
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from cases.errors import PayloadTooLarge, UnsupportedMedia, ValidationFailed

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 10_000
    max_columns: int = 64
    max_cell_chars: int = 5_000


@dataclass(frozen=True)
class Table:
    """The header and the non-blank data rows, every cell as stripped text.

    `rows` pairs each row with its line in the file, counted from 1 as Excel numbers rows: with
    the header on the first line, the first data row is line 2. Blank lines are skipped but
    counted, so a line number always points at the row in the user's file."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    source_format: str  # "csv-utf-8", "csv-utf-8-sig", "csv-gb18030" or "xlsx"
    header_line: int = 1

    def records(self, columns: Mapping[str, str], *, keep_unknown: bool = False) -> list[tuple[int, dict[str, str]]]:
        """(line, {field: text}) per row; a header cell is mapped through `columns` (alias → field).

        Unknown headers are dropped, or kept under their own text with `keep_unknown`."""
        fields = [columns.get(h, h if keep_unknown else None) for h in self.header]
        out = []
        for line, cells in self.rows:
            out.append((line, {f: c for f, c in zip(fields, cells, strict=False) if f}))
        return out


def read_table(content: bytes, limits: Limits | None = None) -> Table:
    """Parse an uploaded table; see the module docstring for the formats and the errors."""
    limits = limits or Limits()
    if len(content) > limits.max_bytes:
        raise PayloadTooLarge(f"导入文件过大（上限 {limits.max_bytes // 1024} KB）", max_bytes=limits.max_bytes)
    if content.startswith(XLSX_MAGIC):
        rows, source = _xlsx_rows(content, limits), "xlsx"
    elif content.startswith(OLE_MAGIC):
        raise UnsupportedMedia("不支持旧版 Excel（.xls）或加密的表格，请在 Excel 中另存为 .xlsx 或 CSV 后导入",
                               code="import_format")
    else:
        text, encoding = _decode(content)
        rows, source = _csv_rows(text), f"csv-{encoding}"
    return _bounded(rows, limits, source)


def read_table_file(path: Path, limits: Limits | None = None) -> Table:
    """`read_table` on a file, reading no more than the byte limit allows."""
    limits = limits or Limits()
    with path.open("rb") as f:
        content = f.read(limits.max_bytes + 1)
    return read_table(content, limits)


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith(UTF16_BOMS):
        raise UnsupportedMedia("不支持 UTF-16（“Unicode 文本”）编码，请另存为 UTF-8 编码的 CSV 或 .xlsx",
                               code="import_encoding")
    if b"\x00" in content:  # no text encoding read here has NUL bytes: a binary file
        raise UnsupportedMedia("文件不是 CSV 或 Excel（.xlsx）表格", code="import_format")
    candidates: tuple[str, ...] = ("utf-8-sig",) if content.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, encoding
    raise UnsupportedMedia("无法识别文件编码，请使用 UTF-8 或 GB18030 编码的 CSV，或 Excel（.xlsx）文件",
                           code="import_encoding")


def _csv_rows(text: str) -> Iterator[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        raise ValidationFailed(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}", code="import_format",
                               line=reader.line_num) from None


def _xlsx_rows(content: bytes, limits: Limits) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # One column past the limit, so that a too-wide sheet is seen without reading it all.
        for row in sheet.iter_rows(values_only=True, max_col=limits.max_columns + 1):
            yield [_cell_text(v) for v in row]
    except (ValidationFailed, UnsupportedMedia):
        raise
    except Exception as exc:  # noqa: BLE001 — openpyxl and zipfile raise many kinds for a damaged file
        raise UnsupportedMedia("无法读取 Excel 文件（须为未加密的 .xlsx）", code="import_format",
                               reason=type(exc).__name__) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _bounded(rows: Iterable[list[str]], limits: Limits, source: str) -> Table:
    header: list[str] | None = None
    header_line = 0
    data: list[tuple[int, list[str]]] = []
    for line, raw in enumerate(rows, start=1):
        cells = [c.strip() for c in raw]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > limits.max_columns:
            raise ValidationFailed(f"第 {line} 行超过 {limits.max_columns} 列", code="import_too_many_columns",
                                   line=line, max_columns=limits.max_columns)
        for column, cell in enumerate(cells, start=1):
            if len(cell) > limits.max_cell_chars:
                raise ValidationFailed(f"第 {line} 行第 {column} 列内容超过 {limits.max_cell_chars} 字",
                                       code="import_cell_too_long", line=line, column=column)
        if header is None:
            if cells:
                header, header_line = cells, line
            continue
        if not any(cells):
            continue
        if len(data) == limits.max_rows:
            raise ValidationFailed(f"一次最多导入 {limits.max_rows} 行", code="import_too_many_rows",
                                   max_rows=limits.max_rows)
        data.append((line, cells))
    if header is None:
        raise ValidationFailed("文件为空", code="import_empty")
    return Table(header, data, source, header_line)
